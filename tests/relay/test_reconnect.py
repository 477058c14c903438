"""Reconnecting: a relay killed with SIGKILL and restarted on the same port, backoff, resubscribe with since."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from tests.support.waiting import eventually
from websockets.asyncio.client import connect

from nostr_tui.protocol.event import Event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay import PublishStatus, RelayState, StateChanged
from nostr_tui.relay.backoff import Backoff

from .conftest import FAST, RelayProcess, note


async def publish_raw(url: str, event: Event) -> None:
    """Publish through a plain websocket, as another client would."""
    async with connect(url) as ws:
        await ws.send(json.dumps(["EVENT", event.to_dict()]))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert answer[:3] == ["OK", event.id, True], answer


async def wait_for_state(notes: Any, url: str, state: RelayState, timeout: float = 5) -> StateChanged:
    async def find() -> StateChanged:
        async for n in notes:
            if isinstance(n, StateChanged) and n.url == url and n.state is state:
                return n
        raise AssertionError("notification stream ended")

    return await asyncio.wait_for(find(), timeout)


async def test_killed_relay_comes_back_and_the_gap_is_filled(
    relay_process: RelayProcess, make_pool: Callable[..., Any], secret: SecretKey
) -> None:
    await relay_process.start()
    url = relay_process.url
    allow_reconnect = asyncio.Event()
    retry_held = asyncio.Event()
    attempts = 0

    async def gated_connect(u: str, **kwargs: Any) -> Any:
        nonlocal attempts
        attempts += 1
        if attempts > 1:
            retry_held.set()
            await allow_reconnect.wait()
        return await connect(u, **kwargs)

    now = 1_700_000_500.0  # wall time: events dated more than 15 min after it are refused
    pool, notes = make_pool(connect=gated_connect, clock=lambda: now, uniform=lambda a, b: b)
    pool.add_relay(url)
    before = note(secret, "before the outage", 1_700_000_100)
    assert (await pool.publish(before))[0].status is PublishStatus.ACCEPTED
    sub = pool.subscribe(Filter.make(authors=[secret.public_key], limit=10))
    assert (await asyncio.wait_for(anext(sub), 5)).event == before
    await asyncio.wait_for(sub.wait_eose(), 5)
    assert pool.relay(url).newest_seen(sub.id) == before.created_at  # type: ignore[union-attr]

    await relay_process.kill()
    waiting = await wait_for_state(notes, url, RelayState.WAITING)
    assert waiting.reason  # why it dropped
    assert waiting.next_retry_at == now + FAST.backoff_initial  # clock + first delay (jitter factor 1)

    # While the pool cannot connect, the relay comes back (empty: its store was in memory) and others
    # publish to it: one event older than what we saw (outside `since`) and one newer.
    await relay_process.start()
    older = note(secret, "older than the resume point", 1_700_000_000)
    during = note(secret, "published during the outage", 1_700_000_200)
    await publish_raw(url, older)
    await publish_raw(url, during)
    await asyncio.wait_for(retry_held.wait(), 5)  # a reconnect attempt is held at the gate
    allow_reconnect.set()
    await wait_for_state(notes, url, RelayState.CONNECTED)
    got = await asyncio.wait_for(anext(sub), 5)
    assert got.event == during
    # Resubscribed with since = newest seen: once the relay said EOSE on the new connection, everything it
    # holds for the resumed subscription has arrived, and the older event was not among it.
    relay = pool.relay(url)
    assert relay is not None
    await eventually(lambda: relay.eose_received(sub.id), timeout=5)
    assert sub.get_nowait() == []
    assert pool.relay(url).newest_seen(sub.id) == during.created_at  # type: ignore[union-attr]
    assert pool.status()[0].stats.connects == 2
    sub.close()


async def test_states_are_reported_in_order_and_backoff_grows(
    relay_process: RelayProcess, make_pool: Callable[..., Any]
) -> None:
    url = relay_process.url  # not started: every attempt is refused
    pool, notes = make_pool(uniform=lambda a, b: b)
    pool.add_relay(url)
    seen: list[StateChanged] = []
    while len([n for n in seen if n.state is RelayState.WAITING]) < 3:
        n = await asyncio.wait_for(notes.get(), 5)
        if isinstance(n, StateChanged):
            seen.append(n)
    assert [n.state for n in seen[:4]] == [
        RelayState.CONNECTING,
        RelayState.WAITING,
        RelayState.CONNECTING,
        RelayState.WAITING,
    ]
    waits = [n for n in seen if n.state is RelayState.WAITING]
    assert waits[0].reason == "connection refused"
    assert [n.attempt for n in waits] == [1, 2, 3]
    await relay_process.start()
    await wait_for_state(notes, url, RelayState.CONNECTED)
    await pool.close()
    assert pool.status()[0].state is RelayState.CLOSED


def test_backoff_doubles_caps_and_resets() -> None:
    backoff = Backoff(1.0, 5.0, uniform=lambda a, b: b)
    assert [backoff.next_delay() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    backoff.reset()
    assert backoff.next_delay() == 1.0
    jittered = Backoff(1.0, 5.0, uniform=lambda a, b: a)
    assert jittered.next_delay() == 0.5


async def test_a_malformed_url_fails_for_good(make_pool: Callable[..., Any]) -> None:
    pool, notes = make_pool()
    pool.add_relay("ws://exa mple.com:99999")
    failed = await wait_for_state(notes, "ws://exa mple.com:99999", RelayState.FAILED)
    assert "valid" in failed.reason
