"""The async Store: writes batched on one writer thread, reads on reader threads, never on the loop."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.store import AddStatus, EventCache, Store, aio

from .conftest import Clock, make_event, pubkey_of, signed

pytestmark = pytest.mark.timeout(60)


async def test_concurrent_adds_are_all_committed(tmp_path: Path, clock: Clock) -> None:
    async with await Store.open(tmp_path, clock=clock) as store:
        events = [make_event(pubkey_of(i % 7), i, 1, content=f"n{i}") for i in range(300)]
        begins: list[str] = []
        await store.write_cache(lambda c: c.connection.set_trace_callback(
            lambda sql: begins.append(sql) if sql.startswith("BEGIN") else None))
        results = await asyncio.gather(*(store.add([e], relay="wss://r") for e in events))
        assert all(r == [AddStatus.STORED] for r in results)
        assert 1 <= len(begins) <= 30  # waiting writes share transactions
        assert len(await store.query(Filter.make(kinds=[1]))) == 300
        assert await store.seen_on(events[0].id) == ["wss://r"]


async def test_a_caller_awaiting_each_write_is_not_kept_waiting_for_writes_that_cannot_come(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fetch's stream and each live subscription send their next write only once the last one is answered.
    # With the gathering window stretched to 5 s, a writer that waited out the window after each commit
    # would take 10 s for these three writes.
    monkeypatch.setattr(aio, "GATHER", 5.0)
    async with await Store.open(tmp_path, clock=clock) as store:
        started = time.monotonic()
        for i in range(3):
            assert await store.add([make_event(pubkey_of(1), i, content=f"write {i}")]) == [AddStatus.STORED]
        assert time.monotonic() - started < 2.5
        assert len(await store.query(Filter.make(kinds=[1]))) == 3


async def test_one_failing_write_does_not_undo_the_others(tmp_path: Path, clock: Clock) -> None:
    async with await Store.open(tmp_path, clock=clock) as store:
        good = [make_event(pubkey_of(1), i) for i in range(20)]

        def boom(cache: EventCache) -> None:
            cache.add([make_event(pubkey_of(2), 99)])
            raise ValueError("bad op")

        outcome = await asyncio.gather(*(store.add([e]) for e in good), store.write_cache(boom),
                                       return_exceptions=True)
        assert isinstance(outcome[-1], ValueError)
        got = await store.query(Filter())
        assert {e.id for e in got} == {e.id for e in good}  # the failed op's own write was rolled back


async def test_sql_never_runs_on_the_event_loop_thread(tmp_path: Path, clock: Clock) -> None:
    loop_thread = threading.get_ident()
    async with await Store.open(tmp_path, clock=clock) as store:
        writer = await store.write_cache(lambda c: threading.get_ident())
        reader = await store.read_cache(lambda c: threading.get_ident())
        state = await store.state(lambda s: threading.get_ident())
    assert loop_thread not in (writer, reader, state)


async def test_queued_writes_are_committed_by_close(tmp_path: Path, clock: Clock, alice: SecretKey) -> None:
    store = await Store.open(tmp_path, clock=clock)
    note = signed(alice, 1, "queued")
    tasks = [asyncio.ensure_future(store.add([make_event(pubkey_of(3), i)])) for i in range(50)]
    tasks.append(asyncio.ensure_future(store.outbox_add(note, ["wss://r"])))
    tasks.append(asyncio.ensure_future(store.save_draft("new", "unsent words")))
    await asyncio.sleep(0)
    await store.close()
    await asyncio.gather(*tasks)
    async with await Store.open(tmp_path, clock=clock) as again:
        assert len(await again.query(Filter())) == 50
        assert await again.outbox_pending("wss://r") == [note]
        assert (await again.get_draft("new")).text == "unsent words"  # type: ignore[union-attr]


async def test_publish_flow_and_cache_rebuild_keep_state(tmp_path: Path, clock: Clock, alice: SecretKey) -> None:
    async with await Store.open(tmp_path, clock=clock) as store:
        await store.save_draft("reply:x", "draft")
        note = signed(alice, 1, "sent")
        await store.outbox_add(note, ["wss://a", "wss://b"], draft_key="reply:x")
        await store.add([note])
        assert await store.get_draft("reply:x") is None
        await store.outbox_attempt(note.id, "wss://a")
        assert await store.outbox_result(note.id, "wss://a", True) is False
        notice = await store.rebuild_cache()
        assert "moved to cache.sqlite3.corrupt-" in notice
        assert await store.query(Filter()) == []  # readers see the new, empty cache
        (entry,) = await store.outbox_entries()
        assert entry.event == note
        assert await store.outbox_result(note.id, "wss://b", True) is True
        assert await store.outbox_entries() == []


async def test_a_corrupt_cache_is_rebuilt_with_a_notice(tmp_path: Path, clock: Clock) -> None:
    (tmp_path / "cache.sqlite3").write_bytes(b"junk" * 2000)
    async with await Store.open(tmp_path, clock=clock) as store:
        assert store.notice is not None and "unusable" in store.notice
        await store.add([make_event(pubkey_of(1), 1)])
        assert len(await store.query(Filter())) == 1
        st = await store.stats()
        assert st.events == 1
