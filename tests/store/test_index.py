"""Batches of plain events stored together, and the search index filled behind the writes.

A stored note is found by search at once (the rows still waiting for the index are read too) and is in the
index itself within 2 s; deleting or replacing a note takes it out of the index or out of the queue.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from nostr_tui.protocol.filters import Filter
from nostr_tui.store import AddStatus, EventCache, Store
from nostr_tui.store.db import connect, migrate, schema_version
from nostr_tui.store.schema import CACHE_MIGRATIONS
from nostr_tui.store.sqlfilter import fts_query

from .conftest import Clock, make_event, pubkey_of

pytestmark = pytest.mark.timeout(60)
A, B = pubkey_of(1), pubkey_of(2)


def fts_rows(cache: EventCache, word: str) -> int:
    """Notes the search index itself (not its queue) gives for `word`."""
    match = fts_query([word])
    return int(cache.connection.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0])


async def test_a_stored_note_is_found_at_once_and_indexed_within_two_seconds(tmp_path: Path, clock: Clock) -> None:
    async with await Store.open(tmp_path, clock=clock) as store:
        filler = [make_event(pubkey_of(i % 9), 1000 + i, content=f"filler number {i}") for i in range(3000)]
        await store.add(filler)
        note = make_event(A, 5000, content="Zebras GRAZE in Überlingen")
        t0 = time.monotonic()
        await store.add([note], relay="wss://r")
        assert [e.id for e in await store.search("graze überlingen")] == [note.id]  # found before it is indexed
        while await store.read_cache(lambda c: c.unindexed()) > 0:
            assert time.monotonic() - t0 < 2.0, "the search index was not filled within 2 s"
            await asyncio.sleep(0.02)
        assert await store.read_cache(lambda c: fts_rows(c, "überlingen")) == 1
        assert [e.id for e in await store.search("zebras")] == [note.id]  # now through the index
        assert len(await store.search("filler number")) == 50


async def test_the_index_is_filled_while_writes_keep_coming(tmp_path: Path, clock: Clock) -> None:
    async with await Store.open(tmp_path, clock=clock) as store:
        done = False
        busy = asyncio.Event()

        async def keep_writing() -> None:  # the writer is never idle: the next write waits as one commits
            i = 0
            while not done:
                i += 1
                await asyncio.gather(*(store.add([make_event(B, 10 + i * 4 + k, content=f"busy {i} {k}")])
                                       for k in range(4)))
                if i == 3:
                    busy.set()

        writing = asyncio.ensure_future(keep_writing())
        await asyncio.wait_for(busy.wait(), 10)  # the writes are under way
        await store.add([make_event(A, 1, content="the very first note")])
        t0 = time.monotonic()
        try:
            while await store.read_cache(lambda c: fts_rows(c, "first")) == 0:
                assert time.monotonic() - t0 < 2.0, "writes that never pause kept the index from being filled"
                await asyncio.sleep(0.05)
        finally:
            done = True
            await writing


def test_deleting_a_note_takes_it_out_of_the_index_or_its_queue(cache: EventCache) -> None:
    queued = make_event(A, 10, content="queued words here")
    indexed = make_event(A, 11, content="indexed words here")
    cache.add([indexed])
    assert cache.index_some() == 1 and cache.unindexed() == 0
    cache.add([queued])
    assert cache.unindexed() == 1
    deletion = make_event(A, 20, 5, [["e", queued.id], ["e", indexed.id]])
    assert cache.add([deletion]) == [AddStatus.STORED]
    assert cache.unindexed() == 0 and fts_rows(cache, "words") == 0
    assert cache.search("words") == []
    cache.connection.execute("INSERT INTO fts(fts, rank) VALUES ('integrity-check', 0)")


def test_a_replaced_profile_leaves_the_index(cache: EventCache) -> None:
    old = make_event(A, 10, 0, content='{"name":"old name"}')
    cache.add([old])
    cache.index_some()
    new = make_event(A, 20, 0, content='{"name":"new name"}')
    cache.add([new])
    assert [e.id for e in cache.search("name")] == [new.id]
    cache.index_some()
    assert fts_rows(cache, "old") == 0 and fts_rows(cache, "new") == 1


def test_a_batch_keeps_the_rules_in_order(cache: EventCache, clock: Clock) -> None:
    now = int(clock())
    kept = make_event(A, 1, content="kept")
    gone = make_event(A, 2, content="deleted later in the same batch")
    deletion = make_event(A, 3, 5, [["e", gone.id]])
    after = make_event(A, 4, content="after the deletion")
    expired = make_event(A, 5, tags=[["expiration", str(now - 1)]], content="expired")
    expiring = make_event(A, 6, tags=[["expiration", str(now + 100)]], content="expires later")
    statuses = cache.add([kept, gone, kept, deletion, gone, after, expired, expiring], relay="wss://a")
    assert statuses == [
        AddStatus.STORED, AddStatus.STORED, AddStatus.DUPLICATE, AddStatus.STORED, AddStatus.DELETED,
        AddStatus.STORED, AddStatus.EXPIRED, AddStatus.STORED,
    ]
    assert {e.id for e in cache.query(Filter.make(kinds=[1]))} == {kept.id, after.id, expiring.id}
    assert cache.add([kept, gone], relay="wss://b") == [AddStatus.DUPLICATE, AddStatus.DELETED]
    assert cache.seen_on(kept.id) == ["wss://a", "wss://b"]
    assert cache.connection.execute("SELECT expiration FROM events WHERE id = ?", (expiring.id,)).fetchone() == (
        now + 100,
    )


def test_rows_keep_their_numbers_after_the_newest_is_deleted(cache: EventCache) -> None:
    a, b = make_event(A, 1, content="alpha note"), make_event(A, 2, content="bravo note")
    cache.add([a, b])
    cache.index_some()
    cache.add([make_event(A, 3, 5, [["e", b.id]])])
    c = make_event(B, 4, content="charlie note")
    cache.add([c])
    assert {e.id for e in cache.search("note")} == {a.id, c.id}
    cache.index_some()
    assert {e.id for e in cache.search("note")} == {a.id, c.id}
    cache.connection.execute("INSERT INTO fts(fts, rank) VALUES ('integrity-check', 0)")


def test_relays_seen_later_are_recorded_in_one_go(cache: EventCache) -> None:
    notes = [make_event(A, i, content=f"note {i}") for i in range(5)]
    cache.add(notes, relay="wss://a")
    cache.add_seen([(n.id, "wss://b") for n in notes] + [("ff" * 32, "wss://b"), (notes[0].id, "wss://c")])
    assert cache.seen_on(notes[0].id) == ["wss://a", "wss://b", "wss://c"]
    assert all(cache.seen_on(n.id) == ["wss://a", "wss://b"] for n in notes[1:])


def test_search_through_the_index_finds_words_inside_words_and_nothing_else(cache: EventCache) -> None:
    exact = make_event(A, 1, content="Freedom now, and a ZEBRA crossing")
    scattered = make_event(A, 2, content="freed domain of the edo period")  # every trigram of "freedom", apart
    repeated = make_event(B, 3, content="zebra zebra zebra")
    cache.add([exact, scattered, repeated])
    assert cache.index_some() == 3 and cache.unindexed() == 0
    assert fts_rows(cache, "freedom") == 2  # the index finds both ...
    assert [e.id for e in cache.search("freedom")] == [exact.id]  # ... and only the one with the word is given
    assert {e.id for e in cache.search("ebra")} == {exact.id, repeated.id}
    assert [e.id for e in cache.search("crossing zebra")] == [exact.id]
    assert cache.search("now,") == [exact]
    assert cache.search("domfree") == []


def test_words_after_a_nul_are_found_once_indexed(cache: EventCache) -> None:
    note = make_event(A, 1, content="before\x00after the nul, zebras")
    cache.add([note])
    assert cache.search("zebras") == [note]  # while queued
    cache.index_some()
    assert cache.unindexed() == 0
    assert cache.search("zebras") == [note] and cache.search("after") == [note]
    assert cache.search("before") == [note] and cache.search("e\x00a") == [note]


def test_a_cache_indexed_by_the_previous_version_is_indexed_again_and_searchable_meanwhile(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "cache.sqlite3"
    db = connect(path, incremental_vacuum=True)
    assert migrate(db, CACHE_MIGRATIONS, "event cache", upto=4) == 4
    notes = [make_event(A, i, content=f"Old note number {i} about zebras") for i in range(1, 40)]
    tiny = make_event(A, 50, 7, content="+")
    for n, e in enumerate([*notes, tiny], 1):
        db.conn.execute(
            "INSERT INTO events(n, id, pubkey, created_at, kind, tags, content, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (n, e.id, e.pubkey, e.created_at, e.kind, json.dumps(e.tags), e.content, e.sig),
        )
        if len(e.content) >= 3:  # the previous index: the whole lower-cased text, with positions
            db.conn.execute("INSERT INTO fts(rowid, body) VALUES (?, ?)", (n, e.content.lower()))
    db.close()
    cache = EventCache.open(path, clock=clock)
    assert schema_version(cache.connection) == len(CACHE_MIGRATIONS)
    assert cache.unindexed() == len(notes)
    assert {e.id for e in cache.search("zebras")} == {e.id for e in notes}  # from the queue
    while cache.index_some():
        pass
    assert fts_rows(cache, "zebras") == len(notes)
    assert [e.id for e in cache.search("number 17 about")] == [notes[16].id]
    cache.connection.execute("INSERT INTO fts(fts, rank) VALUES ('integrity-check', 0)")
    cache.close()
