"""Each fast path is one indexed statement, never a scan of the events (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import re

import pytest

from nostr_tui.protocol.filters import Filter
from nostr_tui.store import EventCache, Relation
from nostr_tui.store import reads as r
from nostr_tui.store.sqlfilter import filter_sql

from .conftest import make_event, pubkey_of, table_scans

AUTHORS = [pubkey_of(i) for i in range(500)]
NOTE = "ab" * 32


def plan(cache: EventCache, stmt: tuple[str, object]) -> list[str]:
    sql, params = stmt
    return [row[3] for row in cache.connection.execute("EXPLAIN QUERY PLAN " + sql, params)]  # type: ignore[arg-type]


def assert_indexed(lines: list[str], must_use: str) -> None:
    assert not table_scans(lines), lines
    assert any(must_use in ln for ln in lines), lines


@pytest.fixture
def filled(cache: EventCache) -> EventCache:
    notes = [make_event(pk, t, 1, content=f"note {t}") for pk in AUTHORS[:50] for t in range(3)]
    profiles = [make_event(pk, 0, 0) for pk in AUTHORS[:50]]
    # Replies and reactions to those notes, so that the tag and relation indexes have the statistics of a
    # real cache (an empty table's statistics make any plan look as good as a scan).
    replies = [make_event(AUTHORS[i % 50], 10 + i, 1, [["e", n.id, "", "root"], ["p", n.pubkey]], f"re {i}")
               for i, n in enumerate(notes)]
    reactions = [make_event(AUTHORS[(i + 7) % 50], 20 + i, 7, [["e", n.id], ["p", n.pubkey]], "+")
                 for i, n in enumerate(notes)]
    cache.add([*notes, *profiles, *replies, *reactions])
    cache.connection.execute("ANALYZE")
    return cache


STATEMENTS = {
    "feed heads": (lambda: r.feed_heads_sql(AUTHORS, [1, 6], (100, NOTE), 5), "ev_author (<expr>=? AND kind=?"),
    "feed window": (
        lambda: r.feed_window_sql(AUTHORS, [1, 6], (100, NOTE), 50, 50, 5),
        "ev_author (<expr>=? AND kind=? AND created_at",
    ),
    "thread": (lambda: r.thread_sql(NOTE, None, 5), "tags USING INDEX tag_key (name=? AND <expr>=?)"),
    "replies": (lambda: r.related_sql(NOTE, Relation.REPLY, 5), "refs USING INDEX ref_key (<expr>=? AND rel=?)"),
    "counts": (lambda: r.counts_sql([NOTE] * 50, 5), "USING INDEX ref_key (<expr>=?)"),
    "profiles": (lambda: r.profiles_sql(AUTHORS, 5), "ev_author (<expr>=? AND kind=?)"),
    "search": (lambda: filter_sql(Filter.make(search="hello world", limit=20), 5), "fts VIRTUAL TABLE INDEX 0:M"),
    "event by id": (lambda: filter_sql(Filter.make(ids=[NOTE]), 5), "ev_id (<expr>=?)"),
    "events by ids": (lambda: filter_sql(Filter.make(ids=[NOTE, "cd" * 32]), 5), "ev_id (<expr>=?)"),
    "kind page": (lambda: filter_sql(Filter.make(kinds=[1], limit=20), 5), "ev_kind (kind=?)"),
    "tag query": (
        lambda: filter_sql(Filter.make(tags={"p": AUTHORS[:3]}), 5), "tags USING INDEX tag_key (name=? AND <expr>=?)"
    ),
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


def test_every_statement_of_storing_and_deleting_is_indexed(filled: EventCache) -> None:
    """Storing a batch (new, already cached, replaceable), recording relays seen, reading one event and where
    it was seen, and a deletion: each statement SQLite runs finds its rows through an index."""
    note = make_event(AUTHORS[1], 500, 1, content="to be deleted")
    reply = make_event(AUTHORS[2], 501, 1, [["e", note.id, "", "root"], ["p", note.pubkey]], "a reply")
    statements: list[str] = []
    filled.connection.set_trace_callback(statements.append)
    try:
        filled.add([note, reply, make_event(AUTHORS[3], 502, 0, content="{}")], relay="wss://one.example")
        filled.add([note], relay="wss://two.example")
        filled.add_seen([(note.id, "wss://three.example"), (reply.id, "wss://three.example")])
        assert filled.get(note.id) == note
        assert filled.seen_on(note.id) == ["wss://one.example", "wss://three.example", "wss://two.example"]
        filled.add([make_event(AUTHORS[1], 503, 5, [["e", note.id]])])
    finally:
        filled.connection.set_trace_callback(None)
    assert filled.get(note.id) is None and filled.related(note.id, Relation.REPLY) == [reply]
    reads = [s for s in statements if re.match(r"\s*(SELECT|DELETE|INSERT\b.*\bSELECT\b)", s, re.S | re.I)]
    assert len(reads) >= 10
    for sql in reads:
        lines = [row[3] for row in filled.connection.execute("EXPLAIN QUERY PLAN " + sql)]
        assert not table_scans(lines), (sql, lines)


def test_values_sharing_their_indexed_prefix_are_told_apart(cache: EventCache) -> None:
    """The indexes hold the first characters of ids, pubkeys and tag values; lookups still compare them whole."""
    a = make_event(AUTHORS[0], 10, 1, content="first")
    b = make_event(AUTHORS[1], 11, 1, content="second")
    twin_id = a.id[:16] + b.id[16:]  # the id of neither, with a's prefix
    twin_pk = AUTHORS[0][:16] + AUTHORS[1][16:]
    reply = make_event(AUTHORS[1], 12, 1, [["e", a.id, "", "root"]], "to a")
    false_reply = make_event(AUTHORS[2], 13, 1, [["e", twin_id, "", "root"], ["p", twin_pk]], "to the twin")
    like = make_event(AUTHORS[2], 14, 7, [["e", twin_id]], "+")
    cache.add([a, b, reply, false_reply, like])
    assert cache.get(twin_id) is None
    assert cache.query(Filter.make(ids=[twin_id, b.id])) == [b]
    assert cache.query(Filter.make(authors=[twin_pk])) == []
    assert [e.content for e in cache.thread(a.id)] == ["first", "to a"]
    assert cache.related(a.id, Relation.REPLY) == [reply]
    assert cache.counts([a.id])[a.id].reactions == 0
    assert cache.counts([twin_id])[twin_id].reactions == 1
    assert cache.query(Filter.make(tags={"p": [AUTHORS[0]]})) == []
    assert cache.add([make_event(AUTHORS[3], 20, 1, content="x")])[0] == "stored"
    assert cache.seen_on(twin_id) == []
