"""A hostile relay: garbage, invalid signatures, wrong ids, oversized and half-written frames, floods, stalls."""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.server import ServerConnection

from nostr_tui.config import NetworkConfig
from nostr_tui.protocol.event import Event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay import (
    Notice,
    PublishStatus,
    RelayState,
    SubscriptionClosed,
)

from .conftest import FAST, note
from .hostile import Hostile, send_json

MakePool = Callable[..., Any]


def forged(event: Event, **changes: Any) -> dict[str, Any]:
    return dict(event.to_dict(), **changes)


def bad_sig(event: Event) -> dict[str, Any]:
    flipped = ("0" if event.sig[0] != "0" else "1") + event.sig[1:]
    return forged(event, sig=flipped)


async def test_garbage_is_dropped_and_counted_and_the_pool_stays_usable(
    make_pool: MakePool, secret: SecretKey
) -> None:
    good = note(secret, "the only good event")
    other = note(secret, "tampered", 1_700_000_001)

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            sub = frame[1]
            for raw in ["not json", "[]", "{}", '["HELLO"]', '["EVENT"]', '["EOSE",5]', '["OK","x","y"]']:
                await ws.send(raw)
            await ws.send(b"\x00binary")
            await send_json(ws, ["EVENT", sub, bad_sig(other)])
            await send_json(ws, ["EVENT", sub, forged(other, content="changed")])
            await send_json(ws, ["EVENT", sub, forged(other, kind="1")])
            await send_json(ws, ["EVENT", "not-our-sub", good.to_dict()])
            await send_json(ws, ["EVENT", sub, note(secret, "kind 7 not asked for", kind=7).to_dict()])
            await send_json(ws, ["EVENT", sub, good.to_dict()])
            await send_json(ws, ["EVENT", sub, good.to_dict()])  # again: a duplicate
            await ws.send(json.dumps(["EVENT", sub, other.to_dict()])[:-20])  # truncated
            await send_json(ws, ["OK", "ab" * 32, True, ""])  # OK for an event never sent
            await send_json(ws, ["NOTICE", "you are being tested"])
            await send_json(ws, ["EOSE", sub])
            await send_json(ws, ["EOSE", sub])  # repeated
        elif frame[0] == "EVENT":
            await send_json(ws, ["OK", frame[1]["id"], True, ""])

    async with Hostile(script) as relay:
        pool, notes = make_pool()
        pool.add_relay(relay.url)
        sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
        got = [item async for item in sub]
        assert [r.event for r in got] == [good]
        stats = pool.status()[0].stats
        assert stats.invalid == {
            "not valid JSON": 2,
            "not a JSON array": 1,
            "no message type": 1,
            "unknown message type": 1,
            "EVENT needs a subscription id and an event": 1,
            "EOSE subscription id must be a string": 1,
            "OK needs true or false": 1,
            "binary frame": 1,
            "bad signature": 1,
            "id does not match content": 1,
            "kind must be an integer": 1,
            "event for a subscription not open": 1,
            "event does not match the filter": 1,
            "OK for an event not sent": 1,
            "repeated EOSE": 1,
        }
        assert stats.duplicates == 1 and stats.notices == 1
        assert Notice(relay.url, "you are being tested") in notes.pending()
        assert pool.status()[0].state is RelayState.CONNECTED
        result = await pool.publish(note(secret, "still works"))
        assert result[0].status is PublishStatus.ACCEPTED
        assert relay.connections == 1


async def test_oversized_frame_is_dropped_and_the_relay_reconnects(make_pool: MakePool, secret: SecretKey) -> None:
    good = note(secret, "small")
    huge = note(secret, "x" * (FAST.max_frame_bytes + 10))

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            if h.connections == 1:
                await send_json(ws, ["EVENT", frame[1], huge.to_dict()])
            await send_json(ws, ["EVENT", frame[1], good.to_dict()])
            await send_json(ws, ["EOSE", frame[1]])

    async with Hostile(script) as relay:
        pool, _ = make_pool()
        pool.add_relay(relay.url)
        sub = pool.subscribe(Filter.make(kinds=[1]))
        got = await asyncio.wait_for(anext(sub), 5)
        assert got.event == good
        status = pool.status()[0]
        assert status.stats.invalid["frame too large"] == 1
        assert relay.connections == 2
        sub.close()


async def test_half_written_frame_then_stall_is_detected_by_keepalive(
    make_pool: MakePool, secret: SecretKey
) -> None:
    good = note(secret, "after the stall")

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] != "REQ":
            return
        if h.connections == 1:
            # A text frame header announcing 1000 bytes, then only 10 of them; then silence (no pongs).
            ws.transport.write(struct.pack("!BBH", 0x81, 126, 1000) + b'["EVENT","')
            ws.transport.pause_reading()
            await asyncio.sleep(30)
        await send_json(ws, ["EVENT", frame[1], good.to_dict()])
        await send_json(ws, ["EOSE", frame[1]])

    async with Hostile(script) as relay:
        net = NetworkConfig(**{**FAST.__dict__, "ping_interval": 0.2})
        pool, _ = make_pool(network=net)
        pool.add_relay(relay.url)
        sub = pool.subscribe(Filter.make(kinds=[1]))
        got = await asyncio.wait_for(anext(sub), 5)
        assert got.event == good and relay.connections == 2
        sub.close()


async def test_half_written_frame_then_disconnect(make_pool: MakePool, secret: SecretKey) -> None:
    good = note(secret, "second connection")

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] != "REQ":
            return
        if h.connections == 1:
            ws.transport.write(struct.pack("!BBH", 0x81, 126, 500) + b'["EVENT"')
            ws.transport.close()
            return
        await send_json(ws, ["EVENT", frame[1], good.to_dict()])
        await send_json(ws, ["EOSE", frame[1]])

    async with Hostile(script) as relay:
        pool, _ = make_pool()
        pool.add_relay(relay.url)
        sub = pool.subscribe(Filter.make(kinds=[1]))
        assert (await asyncio.wait_for(anext(sub), 5)).event == good
        sub.close()


async def test_a_flood_does_not_starve_other_relays(
    make_pool: MakePool, local_relay: Callable[..., Awaitable[str]], secret: SecretKey
) -> None:
    events = [note(secret, f"flood {i}", 1_700_000_000 + i) for i in range(300)]
    frames_per_event = 20

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            for _ in range(frames_per_event):
                for e in events:
                    await send_json(ws, ["EVENT", frame[1], e.to_dict()])
            await send_json(ws, ["EOSE", frame[1]])

    good_url = await local_relay()
    async with Hostile(script) as relay:
        pool, _ = make_pool()
        pool.add_relay(relay.url)
        pool.add_relay(good_url)
        assert await pool.relay(good_url).wait_connected(2)  # type: ignore[union-attr]
        sub = pool.subscribe(Filter.make(kinds=[1]), relays=[relay.url], close_on_eose=True)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        published = await pool.publish(note(secret, "meanwhile"), relays=[good_url])
        assert published[0].status is PublishStatus.ACCEPTED
        assert loop.time() - t0 < 1.0
        got = [item async for item in sub]
        assert sorted(r.event.id for r in got) == sorted(e.id for e in events)
        stats = pool.status()[0].stats
        assert stats.duplicates == len(events) * (frames_per_event - 1)


async def test_stalled_relay_times_out_eose_and_publish(make_pool: MakePool, secret: SecretKey) -> None:
    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        return  # reads everything, answers nothing

    async with Hostile(script) as relay:
        net = NetworkConfig(**{**FAST.__dict__, "publish_timeout": 0.3})
        pool, _ = make_pool(network=net)
        pool.add_relay(relay.url)
        sub = pool.subscribe(Filter.make(kinds=[1]), eose_timeout=0.3)
        await asyncio.wait_for(sub.wait_eose(), 2)
        assert sub.timed_out == [relay.url] and sub.eose_relays == []
        result = await pool.publish(note(secret, "into the void"))
        assert result[0].status is PublishStatus.TIMEOUT
        sub.close()


async def test_relay_that_never_finishes_the_handshake(make_pool: MakePool, secret: SecretKey) -> None:
    handlers: list[asyncio.Task[Any]] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await reader.read()  # never answers the handshake
        finally:
            writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"ws://127.0.0.1:{port}"
    try:
        net = NetworkConfig(**{**FAST.__dict__, "connect_timeout": 0.3})
        pool, _ = make_pool(network=net)
        pool.add_relay(url)
        result = await pool.publish(note(secret, "x"))
        assert result[0].status is PublishStatus.UNREACHABLE
        assert "timed out" in result[0].message
        await pool.close()
    finally:
        server.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


async def test_ok_with_empty_id_is_attributed_to_the_one_pending_event_and_a_foreign_id_is_not(
    make_pool: MakePool, secret: SecretKey
) -> None:
    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "EVENT":
            content = frame[1]["content"]
            if content == "empty id":
                await send_json(ws, ["OK", "", False, "invalid: rejected for the test"])
            else:
                await send_json(ws, ["OK", "cd" * 32, True, ""])

    async with Hostile(script) as relay:
        pool, _ = make_pool()
        pool.add_relay(relay.url)
        rejected = (await pool.publish(note(secret, "empty id")))[0]
        assert rejected.status is PublishStatus.REJECTED
        assert rejected.message == "invalid: rejected for the test"
        # An OK naming another event id (one never sent) is never taken as the answer: no false "accepted".
        net_timeout = 0.3
        unanswered = (await pool.publish(note(secret, "wrong id"), timeout=net_timeout))[0]
        assert unanswered.status is PublishStatus.TIMEOUT
        # Two in flight at once: a wrong id cannot be attributed; both time out, nothing is misassigned.
        both = await asyncio.gather(
            pool.publish(note(secret, "a"), timeout=net_timeout), pool.publish(note(secret, "b"), timeout=net_timeout)
        )
        assert [r[0].status for r in both] == [PublishStatus.TIMEOUT, PublishStatus.TIMEOUT]
        invalid = pool.status()[0].stats.invalid
        assert invalid["OK with a wrong event id"] == 1 and invalid["OK for an event not sent"] == 3


async def test_closed_is_reported_with_its_reason(make_pool: MakePool) -> None:
    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            await send_json(ws, ["CLOSED", frame[1], "error: shutting down idle subscription"])

    async with Hostile(script) as relay:
        pool, notes = make_pool()
        pool.add_relay(relay.url)
        sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
        assert [item async for item in sub] == []
        assert sub.unreachable == [relay.url]
        closed = [n for n in notes.pending() if isinstance(n, SubscriptionClosed)]
        assert closed == [SubscriptionClosed(relay.url, sub.id, "error: shutting down idle subscription")]
