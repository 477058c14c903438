"""A batch of events is written with a few statements of many rows each, whatever its size.

Each statement SQLite runs gives Python's GIL up and waits to take it back, up to 5 ms when another thread is
busy (the event loop reading relays, the screen): one statement per row made the writer crawl beside a
busy loop. The rows must still come back exactly as given, at every batch size and at SQLite's lowest
variable limit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from nostr_tui.protocol.filters import Filter
from nostr_tui.store import AddStatus, EventCache

from .conftest import make_event, pubkey_of

NOTE = "a note with a NUL \x00 in it, ünïcode, 🎉 and 'quotes' \"too\""


def batch(n: int, start: int = 0) -> list:
    return [
        make_event(pubkey_of(i % 7), 1_000 + start + i, tags=[["p", pubkey_of(i % 5)], ["t", f"tag{i % 3}"]],
                   content=f"number {start + i}: {NOTE}")
        for i in range(n)
    ]


def statements_run(cache: EventCache, work: Callable[[], object]) -> int:
    count = 0

    def traced(sql: str) -> None:
        nonlocal count
        if not sql.startswith("--"):  # statements a virtual table (the search index) runs on its own tables
            count += 1

    cache.connection.set_trace_callback(traced)
    try:
        work()
    finally:
        cache.connection.set_trace_callback(None)
    return count


def test_a_thousand_events_are_stored_with_a_few_statements_not_one_per_row(cache: EventCache) -> None:
    events = batch(1000)
    statuses: list[AddStatus] = []
    ran = statements_run(cache, lambda: statuses.extend(cache.add(events, relay="wss://r.example")))
    assert statuses == [AddStatus.STORED] * 1000
    assert ran < 40, f"{ran} statements for 1,000 events"  # 5,000 rows in five tables
    ran = statements_run(cache, lambda: cache.index_some(1000))
    assert ran < 20, f"{ran} statements to index 1,000 notes"


def test_a_batch_asks_its_questions_in_one_statement_and_fills_narrow_tables_in_one(cache: EventCache) -> None:
    # Beside a busy event loop each statement waits up to 5 ms for the GIL: 1,000 notes from a relay, with two
    # tags each, are BEGIN, the relay's row, one probe (ids cached, ids deleted, the next row number), 2
    # statements of events (512 rows each), 4 of tags, 1 of the search queue, 1 of relays seen, COMMIT.
    cache.add(batch(10), relay="wss://r.example")
    ran = statements_run(cache, lambda: cache.add(batch(1000, start=10), relay="wss://r.example"))
    assert ran == 12
    assert len(cache.query(Filter.make(kinds=[1]))) == 1010


@pytest.mark.parametrize("n", [1, 7, 8, 511, 512, 513, 1500])
def test_every_row_of_a_batch_is_stored_as_given(cache: EventCache, n: int) -> None:
    events = batch(n)
    assert cache.add(events, relay="wss://r.example") == [AddStatus.STORED] * n
    stored = {e.id: e for e in cache.query(Filter.make(kinds=[1]))}
    assert stored == {e.id: e for e in events}  # content with its NUL, tags, times
    assert {e.id for e in cache.query(Filter.make(tags={"t": ["tag1"]}))} == {e.id for e in events[1::3]}
    assert cache.seen_on(events[-1].id) == ["wss://r.example"]
    assert cache.add(events, relay="wss://r.example") == [AddStatus.DUPLICATE] * n
    assert cache.add(events[::-1], relay="wss://s.example") == [AddStatus.DUPLICATE] * n
    assert cache.seen_on(events[0].id) == cache.seen_on(events[-1].id) == ["wss://r.example", "wss://s.example"]
    assert cache.unindexed() == n  # each stored note queued for the search index once
    while cache.index_some(300):
        pass
    found = cache.search(f"number {n - 1}:", limit=n + 1)
    assert events[-1].id in {e.id for e in found}


def test_a_sqlite_with_few_variables_per_statement_stores_every_row(cache: EventCache) -> None:
    cache.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)  # SQLite's default before 3.32
    events = batch(700)
    assert cache.add(events) == [AddStatus.STORED] * 700
    assert len(cache.query(Filter.make(kinds=[1]))) == 700
    assert len(cache.query(Filter.make(tags={"p": [pubkey_of(2)]}))) == 140


def test_any_text_comes_back_exactly_as_stored(cache: EventCache) -> None:
    awkward = "".join(chr(c) for c in range(32)) + '\\ \\\\ \\u0000 \\n " \' \u2028 \u2029 \x7f \ufeff 🎉 日本語 é'
    events = [make_event(pubkey_of(1), 5_000 + i, tags=[["t", awkward[i:]], ["x", awkward, awkward[::-1]]],
                         content=awkward[i:] + awkward[:i]) for i in range(40)]
    assert cache.add(events) == [AddStatus.STORED] * 40
    assert cache.query(Filter.make(authors=[pubkey_of(1)])) == sorted(events, key=lambda e: -e.created_at)
    assert cache.thread(events[0].id) == [events[0]]
    assert cache.feed([pubkey_of(1)], limit=3) == sorted(events, key=lambda e: -e.created_at)[:3]


def test_one_batch_reads_every_tag_rule_as_events_stored_alone_would(cache: EventCache, clock) -> None:
    now = int(clock.now)
    me, you = pubkey_of(1), pubkey_of(2)
    note = make_event(me, now - 100, tags=[["t", "same"], ["t", "same"], ["p", you], ["x"]], content="the note")
    reply = make_event(you, now - 90, tags=[["e", note.id, "", "root"], ["p", me]], content="a reply")
    quote = make_event(you, now - 80, tags=[["q", note.id]], content="a quote")
    reaction = make_event(you, now - 70, kind=7, tags=[["e", note.id], ["p", me]], content="+")
    repost = make_event(you, now - 60, kind=6, tags=[["e", note.id], ["p", me]])
    odd_reaction = make_event(you, now - 50, kind=7, tags=[["q", note.id]], content="+")  # no e: counts nothing
    expired = make_event(you, now - 40, tags=[["expiration", str(now - 1)], ["t", "same"]], content="gone")
    first_counts = make_event(you, now - 30, tags=[["expiration", "soon"], ["expiration", "1"]], content="kept")
    later = make_event(you, now - 20, tags=[["expiration", str(now + 60)], ["e", note.id]], content="for a minute")
    events = [note, reply, quote, reaction, repost, odd_reaction, expired, first_counts, later]

    statuses = cache.add(events)

    assert statuses == [AddStatus.STORED] * 6 + [AddStatus.EXPIRED] + [AddStatus.STORED] * 2
    assert cache.query(Filter.make(tags={"t": ["same"]})) == [note]
    rows = cache.connection.execute("SELECT name, value FROM tags WHERE eid = (SELECT n FROM events WHERE id = ?)",
                                    (note.id,)).fetchall()
    assert sorted(rows) == [("p", you), ("t", "same")]  # a tag given twice is indexed once; ["x"] has no value
    assert {e.id for e in cache.query(Filter.make(tags={"e": [note.id]}))} == {
        reply.id, reaction.id, repost.id, later.id}
    counts = cache.counts([note.id])[note.id]
    assert (counts.replies, counts.reactions, counts.reposts, counts.quotes) == (2, 1, 1, 1)
    clock.now = now + 61
    assert cache.counts([note.id])[note.id].replies == 1  # the reply that expired no longer counts
    assert first_counts in cache.query(Filter.make(authors=[you], kinds=[1]))
