"""Each fast path is one indexed statement, never a scan of the events (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import re

import pytest

from nostr_tui.protocol.filters import Filter
from nostr_tui.store import EventCache, Relation
from nostr_tui.store import reads as r
from nostr_tui.store.sqlfilter import filter_sql

from .conftest import make_event, pubkey_of

AUTHORS = [pubkey_of(i) for i in range(500)]
NOTE = "ab" * 32


def plan(cache: EventCache, stmt: tuple[str, object]) -> list[str]:
    sql, params = stmt
    return [row[3] for row in cache.connection.execute("EXPLAIN QUERY PLAN " + sql, params)]  # type: ignore[arg-type]


def assert_indexed(lines: list[str], must_use: str) -> None:
    scans = [ln for ln in lines if re.match(r"SCAN (events|tags|refs|seen|e|r)\b", ln) and "USING INDEX" not in ln]
    assert not scans, lines
    assert any(must_use in ln for ln in lines), lines


@pytest.fixture
def filled(cache: EventCache) -> EventCache:
    cache.add([make_event(pk, t, k) for pk in AUTHORS[:50] for t in range(3) for k in (0, 1, 7)])
    cache.connection.execute("ANALYZE")
    return cache


STATEMENTS = {
    "feed heads": (lambda: r.feed_heads_sql(AUTHORS, [1, 6], (100, NOTE), 5), "ev_author (pubkey=? AND kind=?"),
    "feed window": (
        lambda: r.feed_window_sql(AUTHORS, [1, 6], (100, NOTE), 50, 50, 5),
        "ev_author (pubkey=? AND kind=? AND created_at",
    ),
    "thread": (lambda: r.thread_sql(NOTE, None, 5), "tags USING PRIMARY KEY (name=? AND value=?)"),
    "replies": (lambda: r.related_sql(NOTE, Relation.REPLY, 5), "refs USING PRIMARY KEY (target=? AND rel=?)"),
    "counts": (lambda: r.counts_sql([NOTE] * 50, 5), "USING PRIMARY KEY (target=?)"),
    "profiles": (lambda: r.profiles_sql(AUTHORS, 5), "ev_author (pubkey=? AND kind=?)"),
    "search": (lambda: filter_sql(Filter.make(search="hello world", limit=20), 5), "fts VIRTUAL TABLE INDEX 0:M"),
    "kind page": (lambda: filter_sql(Filter.make(kinds=[1], limit=20), 5), "ev_kind (kind=?)"),
    "tag query": (lambda: filter_sql(Filter.make(tags={"p": AUTHORS[:3]}), 5), "tags USING PRIMARY KEY"),
}


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_fast_path_uses_an_index(filled: EventCache, name: str) -> None:
    build, index = STATEMENTS[name]
    stmt = build()
    assert stmt is not None
    assert_indexed(plan(filled, stmt), index)


def test_sync_lookup_uses_primary_key(filled: EventCache) -> None:
    lines = [row[3] for row in filled.connection.execute(
        "EXPLAIN QUERY PLAN SELECT newest FROM sync WHERE relay = ? AND key = ?", ("wss://x", "k"))]
    assert_indexed(lines, "sync USING PRIMARY KEY (relay=? AND key=?)")


def test_thread_is_one_statement(filled: EventCache) -> None:
    root = make_event(AUTHORS[0], 10, 1, content="root")
    replies = [make_event(AUTHORS[i % 50], 11 + i, 1, [["e", root.id, "", "root"]], f"r{i}") for i in range(200)]
    filled.add([root, *replies])
    statements: list[str] = []
    filled.connection.set_trace_callback(statements.append)
    try:
        got = filled.thread(root.id)
    finally:
        filled.connection.set_trace_callback(None)
    assert len(got) == 201 and got[0] == root
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
