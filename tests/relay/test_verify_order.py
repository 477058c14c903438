"""Events are checked off the event loop: what that must not change for a reader.

The verifier's executor is injected with a gate, so a test can hold every check until frames it wants to
race have arrived (counted in the relay's stats when received), then let the checks run.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from websockets.asyncio.server import ServerConnection

from nostr_tui.protocol.event import Event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay import RelayPool
from nostr_tui.relay.verify import Verifier
from nostr_tui.relay.verify_process import ProcessChecker

from .conftest import note
from .hostile import Hostile, answers_with, send_json
from .test_hostile import bad_sig

MakePool = Callable[..., tuple[RelayPool, Any]]


class GatedExecutor(ThreadPoolExecutor):
    """A real thread pool in which each submitted check waits until the test lets it through: every one, now
    and later (`open()`), or the first `n` submitted (`let_through(n)`). `submitted` is set at the first."""

    def __init__(self) -> None:
        super().__init__(2, thread_name_prefix="gated-verify")
        self.gates: list[threading.Event] = []
        self._open = False
        self.submitted = asyncio.Event()  # submit() runs on the event loop's thread

    def open(self) -> None:
        self._open = True
        self.let_through(len(self.gates))

    def let_through(self, upto: int) -> None:
        for gate in self.gates[:upto]:
            gate.set()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted.set()
        gate = threading.Event()
        if self._open:
            gate.set()
        self.gates.append(gate)

        def gated() -> Any:
            if not gate.wait(10):
                raise TimeoutError("the test never let this check through")
            return fn(*args, **kwargs)

        return super().submit(gated)


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait (bounded) until `check()` holds."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


def frames_from(pool: RelayPool, url: str) -> int:
    relay = pool.relay(url)
    assert relay is not None
    return relay.stats.frames


async def test_a_forged_copy_first_does_not_keep_the_genuine_one_out(make_pool: MakePool, secret: SecretKey) -> None:
    genuine = note(secret, "the real note")
    b_may_send = asyncio.Event()

    async def forger(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            await send_json(ws, ["EVENT", frame[1], bad_sig(genuine)])  # same id, signature not the author's
            await send_json(ws, ["EOSE", frame[1]])

    async def honest(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            await b_may_send.wait()
            await send_json(ws, ["EVENT", frame[1], genuine.to_dict()])
            await send_json(ws, ["EOSE", frame[1]])

    gate = GatedExecutor()
    try:
        async with Hostile(forger) as a, Hostile(honest) as b:
            pool, _ = make_pool(verify_executor=gate)
            pool.add_relay(a.url)
            pool.add_relay(b.url)
            sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
            await asyncio.wait_for(gate.submitted.wait(), 5)  # the forged copy is being checked
            assert frames_from(pool, b.url) == 0
            b_may_send.set()
            await until(lambda: frames_from(pool, b.url) == 2)  # the genuine copy arrived meanwhile
            gate.open()
            got = [item async for item in sub]
            assert [(r.event, r.relay) for r in got] == [(genuine, b.url)]
            stats = {s.url: s.stats for s in pool.status()}
            assert stats[a.url].invalid == {"bad signature": 1} and stats[a.url].events == 0
            assert stats[b.url].events == 1 and stats[b.url].duplicates == 0 and not stats[b.url].invalid
            assert pool.seen_on(genuine.id) == (b.url,)
    finally:
        gate.shutdown(wait=False, cancel_futures=True)


async def test_copies_arriving_while_the_first_is_checked_are_duplicates(
    make_pool: MakePool, secret: SecretKey
) -> None:
    events = [note(secret, f"note {i}", 1_700_000_000 + i) for i in range(20)]

    script = answers_with(events)

    seen: list[tuple[str, str]] = []
    gate = GatedExecutor()
    try:
        async with Hostile(script) as a, Hostile(script) as b:
            pool, _ = make_pool(verify_executor=gate, on_seen=lambda i, u: seen.append((i, u)))
            pool.add_relay(a.url)
            pool.add_relay(b.url)
            sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
            await until(lambda: frames_from(pool, a.url) == frames_from(pool, b.url) == len(events) + 1)
            gate.open()
            got = [item async for item in sub]
            assert sorted(r.event.id for r in got) == sorted(e.id for e in events)
            stats = [s.stats for s in pool.status()]
            assert [s.events for s in stats] == [len(events)] * 2
            assert sum(s.duplicates for s in stats) == len(events) and not any(s.invalid for s in stats)
            assert len(seen) == len(events)  # each reported seen on the relay that did not deliver it
            assert all(sorted(pool.seen_on(e.id)) == sorted([a.url, b.url]) for e in events)
    finally:
        gate.shutdown(wait=False, cancel_futures=True)


async def test_a_copy_of_an_event_already_had_is_taken_by_its_id_without_reading_its_text(
    make_pool: MakePool, secret: SecretKey
) -> None:
    # One relay sends the notes; the other, once they are in, sends each again with text that is not UTF-8,
    # then a note of its own. The copies are counted as duplicates by their ids; the connection stays up.
    events = [note(secret, f"note é {i}", 1_700_000_000 + i) for i in range(20)]
    own = note(secret, "only on the second relay", 1_700_000_100)
    first_done = asyncio.Event()

    async def copies(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            await first_done.wait()
            for e in events:
                text = json.dumps(["EVENT", frame[1], e.to_dict()], ensure_ascii=False).encode()
                ws.protocol.send_text(text.replace("é".encode(), b"\xc3\x28"))
                ws.send_data()
            await send_json(ws, ["EVENT", frame[1], own.to_dict()])
            await send_json(ws, ["EOSE", frame[1]])

    async with Hostile(answers_with(events)) as a, Hostile(copies) as b:
        pool, _ = make_pool()
        pool.add_relay(a.url)
        pool.add_relay(b.url)
        sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
        got = []
        async for item in sub:
            got.append(item)
            if len(got) == len(events):
                first_done.set()
        assert sorted(r.event.id for r in got) == sorted(e.id for e in [*events, own])
        assert sorted(sub.eose_relays) == sorted([a.url, b.url])
        stats = pool.relay(b.url).stats  # type: ignore[union-attr]
        assert stats.duplicates == len(events) and stats.events == len(events) + 1 and not stats.invalid
        assert all(sorted(pool.seen_on(e.id)) == sorted([a.url, b.url]) for e in events)


async def test_eose_and_closed_wait_for_the_events_sent_before_them(make_pool: MakePool, secret: SecretKey) -> None:
    events = [note(secret, f"stored {i}", 1_700_000_000 + i) for i in range(50)]

    def sender(last: list[Any]) -> Any:
        async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
            if frame[0] == "REQ":
                for e in events:
                    await send_json(ws, ["EVENT", frame[1], e.to_dict()])
                await send_json(ws, [last[0], frame[1], *last[1:]])

        return script

    gate = GatedExecutor()
    try:
        async with Hostile(sender(["EOSE"])) as ends, Hostile(sender(["CLOSED", "error: no more"])) as closes:
            pool, _ = make_pool(verify_executor=gate)
            pool.add_relay(ends.url)
            pool.add_relay(closes.url)
            sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
            await until(lambda: frames_from(pool, ends.url) == frames_from(pool, closes.url) == len(events) + 1)
            # EOSE and CLOSED are in, the events before them still being checked: the stored events go on.
            assert not sub.eose and sub.buffered == 0
            gate.open()
            got = [item async for item in sub]
            assert sorted(r.event.id for r in got) == sorted(e.id for e in events)
            assert sub.eose_relays == [ends.url] and sub.unreachable == [closes.url]
    finally:
        gate.shutdown(wait=False, cancel_futures=True)


async def test_a_full_buffer_wakes_its_reader_even_when_events_being_checked_prove_invalid(
    make_pool: MakePool, secret: SecretKey
) -> None:
    valid = [note(secret, f"valid {i}", 1_700_000_000 + i) for i in range(28)]
    forged = [bad_sig(note(secret, f"forged {i}", 1_700_000_100 + i)) for i in range(2)]

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            for raw in [e.to_dict() for e in valid[:8]] + forged + [e.to_dict() for e in valid[8:]]:
                await send_json(ws, ["EVENT", frame[1], raw])  # no EOSE: only a full buffer wakes the reader

    gate = GatedExecutor()
    try:
        async with Hostile(script) as relay:
            pool, _ = make_pool(verify_executor=gate, buffer_limit=10, drain_timeout=30)
            pool.add_relay(relay.url)
            sub = pool.subscribe(Filter.make(kinds=[1]), eose_timeout=60)
            await until(lambda: frames_from(pool, relay.url) >= 10)  # ten being checked: the relay waits for room
            gate.open()
            got: list[Event] = []
            while len(got) < len(valid):
                await asyncio.wait_for(sub.wait_backlog(), 5)  # how a feed reads what relays hold
                got.extend(r.event for r in sub.get_nowait())
            assert got == valid and not sub.dropped and not sub.stalled
            assert pool.status()[0].stats.invalid == {"bad signature": 2}
            sub.close()
    finally:
        gate.shutdown(wait=False, cancel_futures=True)


async def test_a_reader_that_took_early_is_woken_when_the_rest_lands_short_of_full(
    make_pool: MakePool, secret: SecretKey
) -> None:
    events = [note(secret, f"note {i}", 1_700_000_000 + i) for i in range(10)]
    rest = asyncio.Event()

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            await send_json(ws, ["EVENT", frame[1], events[0].to_dict()])
            await rest.wait()  # the others come in a later batch of checks
            for e in events[1:]:
                await send_json(ws, ["EVENT", frame[1], e.to_dict()])  # no EOSE

    stepped = GatedExecutor()
    try:
        async with Hostile(script) as relay:
            pool, _ = make_pool(verify_executor=stepped, buffer_limit=10, drain_timeout=30)
            pool.add_relay(relay.url)
            sub = pool.subscribe(Filter.make(kinds=[1]), eose_timeout=60)
            await until(lambda: len(stepped.gates) == 1)
            rest.set()
            await until(lambda: frames_from(pool, relay.url) == 10)  # ten on their way: the relay waits for room
            await asyncio.wait_for(sub.wait_backlog(), 5)
            stepped.let_through(1)  # the first lands; the reader takes it while nine are still being checked
            await until(lambda: sub.buffered == 1)
            got = [r.event for r in sub.get_nowait()]
            stepped.let_through(len(stepped.gates))  # the nine land: the buffer holds nine of ten, nothing more comes
            while len(got) < len(events):
                await asyncio.wait_for(sub.wait_backlog(), 5)  # woken, not left until the relay's wait runs out
                got.extend(r.event for r in sub.get_nowait())
            assert got == events and not sub.stalled
            sub.close()
    finally:
        stepped.shutdown(wait=False, cancel_futures=True)


async def test_frames_whose_ids_cannot_be_read_from_the_text_are_checked_in_full(
    make_pool: MakePool, secret: SecretKey
) -> None:
    misleading = note(secret, "an extra field names another id first")
    spaced = note(secret, "odd spacing")
    other = note(secret, "the id the first frame seemed to carry")

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            sub = json.dumps(frame[1])
            # The raw text reads as `other`'s id; the event in it is `misleading`.
            await ws.send(f'["EVENT",{sub},{{"x":{{"id":"{other.id}"}},' + misleading.to_json()[1:] + "]")
            await ws.send(f'["EVENT",  {sub},  {spaced.to_json()}]')  # too unusual to peek at: decoded first
            for e in (misleading, spaced, other):
                await send_json(ws, ["EVENT", frame[1], e.to_dict()])
            await send_json(ws, ["EOSE", frame[1]])

    async with Hostile(script) as relay:
        pool, _ = make_pool()
        pool.add_relay(relay.url)
        got = [r.event async for r in pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)]
        assert got == [misleading, spaced, other]  # `other` was not taken for a copy of the first frame
        stats = pool.status()[0].stats
        assert stats.events == 5 and stats.duplicates == 2 and not stats.invalid


async def test_events_from_one_relay_arrive_in_the_order_it_sent_them(
    make_pool: MakePool, secret: SecretKey
) -> None:
    events = [note(secret, f"ordered {i}", 1_700_000_000 + (i * 7919) % 1000) for i in range(1500)]

    script = answers_with(events)

    async with Hostile(script) as relay:
        pool, _ = make_pool()
        pool.add_relay(relay.url)
        sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
        got: list[Event] = [item.event async for item in sub]
        assert [e.id for e in got] == [e.id for e in events]  # batches checked on two threads, applied in order


def _verifier_pid(pool: RelayPool) -> int | None:
    verifier = pool._verifier
    return None if verifier is None else verifier._checker.pid  # type: ignore[attr-defined]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_close_stops_the_pools_own_verifier_process_and_leaves_an_injected_executor(
    make_pool: MakePool, secret: SecretKey
) -> None:
    event = note(secret, "checked once")

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            await send_json(ws, ["EVENT", frame[1], event.to_dict()])
            await send_json(ws, ["EOSE", frame[1]])

    async with Hostile(script) as relay:
        own, _ = make_pool()
        own.add_relay(relay.url)
        assert [r.event async for r in own.subscribe(Filter.make(kinds=[1]), close_on_eose=True)] == [event]
        pid = _verifier_pid(own)
        assert pid is not None and _alive(pid)
        await own.close()
        assert not _alive(pid)  # exited and reaped

        with ThreadPoolExecutor(1, thread_name_prefix="mine") as mine:
            injected, _ = make_pool(verify_executor=mine)
            injected.add_relay(relay.url)
            assert [r.event async for r in injected.subscribe(Filter.make(kinds=[1]), close_on_eose=True)] == [event]
            await injected.close()
            assert mine.submit(lambda: 42).result(5) == 42  # still usable: its owner shuts it down


async def test_a_verifier_process_that_dies_is_replaced_and_nothing_is_lost(
    make_pool: MakePool, secret: SecretKey
) -> None:
    events = [note(secret, f"note {i}", 1_700_000_000 + i) for i in range(400)]

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            for e in [*events[:200], bad_sig(note(secret, "forged")), *events[200:]]:
                await send_json(ws, ["EVENT", frame[1], e if isinstance(e, dict) else e.to_dict()])
            await send_json(ws, ["EOSE", frame[1]])

    async with Hostile(script) as relay:
        pool, _ = make_pool()
        pool.add_relay(relay.url)
        await until(lambda: pool.relay(relay.url).connected)  # type: ignore[union-attr]
        sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
        await until(lambda: _verifier_pid(pool) is not None)
        first = _verifier_pid(pool)
        assert first is not None
        os.kill(first, signal.SIGSTOP)  # it answers nothing: the batches wait for it
        checker = pool._verifier._checker  # type: ignore[union-attr]
        await until(lambda: len(checker._waiting) > 0 and frames_from(pool, relay.url) > 10)
        os.kill(first, signal.SIGKILL)  # what it held unanswered goes to the next one
        got = [r.event async for r in sub]
        assert got == events
        assert pool.status()[0].stats.invalid == {"bad signature": 1}
        second = _verifier_pid(pool)
        assert second is not None and second != first


async def test_checks_move_to_a_thread_when_no_verifier_process_can_start(
    make_pool: MakePool, secret: SecretKey
) -> None:
    events = [note(secret, f"note {i}", 1_700_000_000 + i) for i in range(50)]

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            for e in [*events[:25], bad_sig(note(secret, "forged")), *events[25:]]:
                await send_json(ws, ["EVENT", frame[1], e if isinstance(e, dict) else e.to_dict()])
            await send_json(ws, ["EOSE", frame[1]])

    async with Hostile(script) as relay:
        pool, _ = make_pool()
        pool._verifier = Verifier(checker=ProcessChecker(["/nonexistent/python"]))
        pool.add_relay(relay.url)
        got = [r.event async for r in pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)]
        assert got == events
        assert pool.status()[0].stats.invalid == {"bad signature": 1}


async def test_closing_while_a_relay_waits_for_a_full_subscription_ends_its_reader(
    make_pool: MakePool, secret: SecretKey
) -> None:
    """Quitting during a flood: the subscription ends (waking the relay's reader) and the relay is cancelled
    in the same moment. The reader must stop, not lose the cancellation and go on waiting for frames."""
    events = [note(secret, f"flood {i}", 1_700_000_000 + i) for i in range(40)]

    script = answers_with(events, eose=False)  # then silent, the connection kept open

    async with Hostile(script, ping_interval=None) as relay:
        pool, _ = make_pool(buffer_limit=10, drain_timeout=60)
        pool.add_relay(relay.url)
        sub = pool.subscribe(Filter.make(kinds=[1]), eose_timeout=60)
        await until(lambda: sub.buffered >= 10 and pool.congested())  # nobody reads: the relay waits for room
        await asyncio.wait_for(pool.close(), 5)
        assert pool.status()[0].state.value == "closed"


async def test_checked_events_leave_no_reference_cycles(make_pool: MakePool, secret: SecretKey) -> None:
    """What checking an event builds is freed by reference counting as soon as it is applied: a cycle per event
    would be left to Python's full garbage collections, which under a flood pause the screen for 100 ms and more."""
    events = [note(secret, f"note {i}", 1_700_000_000 + i) for i in range(200)]

    script = answers_with(events)

    async with Hostile(script) as relay:
        pool, _ = make_pool()
        pool.add_relay(relay.url)
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
            got = [item async for item in sub]
            gc.collect()
            left = Counter(type(o).__name__ for o in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
    assert len(got) == len(events)
    per_event = {name: n for name, n in left.items() if n >= len(events) // 2}
    assert not per_event, f"objects left in reference cycles: {per_event}"
