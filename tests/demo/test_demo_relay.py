"""The demo relay: a real LocalRelay on 127.0.0.1, seeded with the demo events, spoken to over a websocket."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from typing import Any

import pytest
from tests.support.ports import PortHold
from websockets.asyncio.client import connect

from nostr_tui.demo import seed_thread
from nostr_tui.demo.relay import DemoRelayError, load_seed_events, start_demo_relay
from nostr_tui.protocol.event import Event, parse_event, sign_event
from nostr_tui.protocol.keys import SecretKey


async def _req(url: str, flt: dict[str, Any]) -> list[Event]:
    """Every stored event matching `flt`, up to EOSE."""
    out = []
    async with asyncio.timeout(10), connect(url) as ws:
        await ws.send(json.dumps(["REQ", "t", flt]))
        while True:
            msg = json.loads(await ws.recv())
            if msg[0] == "EOSE":
                return out
            assert msg[0] == "EVENT", msg
            out.append(parse_event(msg[2]))


async def test_the_relay_serves_every_seed_event_then_stops() -> None:
    seed = load_seed_events()
    relay = await start_demo_relay()
    try:
        assert relay.url.startswith("ws://127.0.0.1:") and relay.published == len(seed)
        got = await _req(relay.url, {})
        assert Counter(ev.kind for ev in got) == Counter(ev.kind for ev in seed)
        assert {ev.id for ev in got} == {ev.id for ev in seed}
    finally:
        await relay.stop()
    assert not relay.running
    with pytest.raises(OSError):
        async with asyncio.timeout(5), connect(relay.url):
            pass
    await relay.stop()  # a second stop is harmless


async def test_a_reply_from_a_fresh_demo_account_joins_the_thread() -> None:
    thread = seed_thread()
    async with await start_demo_relay() as relay:
        quote = (await _req(relay.url, {"ids": [thread.quote]}))[0]
        reply = sign_event(
            SecretKey.generate(),
            1,
            "Hello from the demo account",
            [["e", quote.id, relay.url, "root", quote.pubkey], ["p", quote.pubkey]],
        )
        async with asyncio.timeout(10), connect(relay.url) as ws:
            await ws.send(json.dumps(["EVENT", reply.to_dict()]))
            assert json.loads(await ws.recv())[:3] == ["OK", reply.id, True]
        in_thread = {ev.id for ev in await _req(relay.url, {"kinds": [1], "#e": [thread.quote]})}
        assert in_thread == {*thread.discussion, reply.id}


async def test_a_taken_port_gives_a_clear_error() -> None:
    async with await start_demo_relay() as relay:
        port = int(relay.url.rsplit(":", 1)[1])
        with pytest.raises(DemoRelayError, match=rf"could not start the demo relay on 127.0.0.1:{port}"):
            await start_demo_relay(port=port)


async def test_a_refused_event_fails_the_start_and_frees_the_port() -> None:
    good = load_seed_events()[:3]
    forged = Event(good[0].id, good[0].pubkey, good[0].created_at, 1, (), "tampered", good[0].sig)
    hold = PortHold()  # a port of the kernel's choosing, let go right before the relay binds it
    hold.release()  # (LocalRelay binds by port number; it cannot take a bound socket)
    with pytest.raises(DemoRelayError, match="refused event"):
        await start_demo_relay(port=hold.port, events=[*good[1:], forged])
    assert not await _accepts(hold.port)  # released before the error was raised
    async with await start_demo_relay(port=hold.port, events=good) as relay:
        assert relay.published == 3


async def test_stop_returns_once_the_port_is_free_to_bind_again() -> None:
    for _ in range(20):  # shutdown right after start, when nostr-sdk's listener may not yet wait for it
        relay = await start_demo_relay(events=[])
        await relay.stop()
        assert not await _accepts(relay.port)
        again = await start_demo_relay(port=relay.port, events=[])
        await again.stop()


async def _accepts(port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    except ConnectionRefusedError:
        return False
    writer.close()
    return True


async def test_without_nostr_sdk_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nostr_sdk", None)
    with pytest.raises(DemoRelayError, match=r"pip install 'nostr-tui\[demo\]'"):
        await start_demo_relay()
