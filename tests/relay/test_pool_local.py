"""The pool against nostr-sdk's LocalRelay in process: publish, read back, deduplicate, EOSE, shutdown."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay import (
    EndOfStored,
    PublishFinished,
    PublishStatus,
    RelayPool,
    RelayState,
)

from .conftest import FAST, note

MakePool = Callable[..., Any]
StartRelay = Callable[..., Awaitable[str]]


async def test_publish_and_read_back(local_relay: StartRelay, make_pool: MakePool, secret: SecretKey) -> None:
    url = await local_relay()
    pool, notes = make_pool()
    pool.add_relay(url)
    event = note(secret, "hello relay")
    results = await pool.publish(event)
    assert [(r.url, r.status) for r in results] == [(url, PublishStatus.ACCEPTED)]
    assert pool.status()[0].stats.last_ok_rtt is not None
    sub = pool.subscribe(Filter.make(authors=[secret.public_key]), close_on_eose=True)
    got = [item async for item in sub]
    assert [(r.event, r.relay) for r in got] == [(event, url)]
    assert sub.eose_relays == [url]
    published = [n for n in notes.pending() if isinstance(n, PublishFinished)]
    assert published and published[0].accepted


async def test_the_same_event_published_twice_at_once(
    local_relay: StartRelay, make_pool: MakePool, secret: SecretKey
) -> None:
    url = await local_relay()
    pool, _ = make_pool()
    pool.add_relay(url)
    event = note(secret, "twice")
    first, second = await asyncio.gather(pool.publish(event), pool.publish(event))
    assert first[0].status is second[0].status is PublishStatus.ACCEPTED


async def test_same_events_from_three_relays_arrive_once(
    local_relay: StartRelay, make_pool: MakePool, secret: SecretKey
) -> None:
    urls = [await local_relay() for _ in range(3)]
    events = [note(secret, f"note {i}", 1_700_000_000 + i) for i in range(30)]
    seen: list[tuple[str, str]] = []
    pool, _ = make_pool(on_seen=lambda event_id, url: seen.append((event_id, url)))
    for url in urls:
        pool.add_relay(url)
    for event in events:
        assert all(r.status is PublishStatus.ACCEPTED for r in await pool.publish(event))
    sub = pool.subscribe([Filter.make(authors=[secret.public_key], kinds=[1])], close_on_eose=True)
    got = [item async for item in sub]
    assert sorted(r.event.id for r in got) == sorted(e.id for e in events)
    assert sorted(sub.eose_relays) == sorted(urls)
    for event in events:
        assert sorted(pool.seen_on(event.id)) == sorted(urls)
    # Every event was reported seen on the two relays that did not deliver it first.
    assert len(seen) == 2 * len(events)
    stats = {s.url: s.stats for s in pool.status()}
    assert sum(s.duplicates for s in stats.values()) == 2 * len(events)
    assert all(s.events == len(events) and not s.invalid for s in stats.values())


async def test_live_events_after_eose_and_two_subscriptions_share_events(
    local_relay: StartRelay, make_pool: MakePool, secret: SecretKey
) -> None:
    url = await local_relay()
    pool, _ = make_pool()
    pool.add_relay(url)
    by_author = pool.subscribe(Filter.make(authors=[secret.public_key]))
    by_kind = pool.subscribe(Filter.make(kinds=[7]))
    await asyncio.wait_for(asyncio.gather(by_author.wait_eose(), by_kind.wait_eose()), 5)
    reaction = note(secret, "+", kind=7)
    await pool.publish(reaction)
    first = await asyncio.wait_for(anext(by_author), 5)
    second = await asyncio.wait_for(anext(by_kind), 5)
    assert first.event == second.event == reaction
    by_author.close()
    by_kind.close()


async def test_publish_with_one_relay_down(
    local_relay: StartRelay, make_pool: MakePool, secret: SecretKey, down_url: str
) -> None:
    up = [await local_relay(), await local_relay()]
    down = down_url
    pool, _ = make_pool()
    for url in [*up, down]:
        pool.add_relay(url)
    results = {r.url: r for r in await pool.publish(note(secret, "partial"))}
    assert results[down].status is PublishStatus.UNREACHABLE
    assert "refused" in results[down].message
    assert all(results[u].status is PublishStatus.ACCEPTED for u in up)
    # Unknown relay named explicitly: reported, not raised.
    other = await pool.publish(note(secret, "x"), relays=["ws://127.0.0.1:1"])
    assert other[0].status is PublishStatus.UNREACHABLE


async def test_eose_signal_counts_unreachable_relays(
    local_relay: StartRelay, make_pool: MakePool, down_url: str
) -> None:
    up = await local_relay()
    down = down_url
    pool, notes = make_pool()
    pool.add_relay(up)
    pool.add_relay(down)
    sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
    await asyncio.wait_for(sub.wait_eose(), 2)
    assert sub.eose_relays == [up] and sub.unreachable == [down] and not sub.timed_out
    eose = [n for n in notes.pending() if isinstance(n, EndOfStored)]
    assert eose == [EndOfStored(sub.id, (up,), (), (down,))]


async def test_add_and_remove_relays_while_running(
    local_relay: StartRelay, make_pool: MakePool, secret: SecretKey
) -> None:
    first, second = await local_relay(), await local_relay()
    pool, _ = make_pool()
    pool.add_relay(first)
    sub = pool.subscribe(Filter.make(authors=[secret.public_key]))
    await asyncio.wait_for(sub.wait_eose(), 5)
    pool.add_relay(second, read=True, write=True)
    event = note(secret, "to the new relay only")
    results = await pool.publish(event, relays=[second])
    assert results[0].status is PublishStatus.ACCEPTED
    received = await asyncio.wait_for(anext(sub), 5)
    assert received.event == event and received.relay == second
    await pool.remove_relay(second)
    assert pool.urls == [first]
    pool.set_flags(first, read=True, write=False)
    assert pool.write_urls() == [] and pool.read_urls() == [first]
    assert await pool.publish(note(secret, "nowhere")) == ()


async def test_clean_shutdown_leaves_no_tasks_or_warnings(
    local_relay: StartRelay, secret: SecretKey, down_url: str
) -> None:
    url = await local_relay()
    down = down_url
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pool = RelayPool(network=FAST)
        pool.add_relay(url)
        pool.add_relay(down)
        sub = pool.subscribe(Filter.make(kinds=[1]))
        publishing = asyncio.ensure_future(pool.publish(note(secret, "in flight")))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(pool.close(), 5)
        await asyncio.wait_for(publishing, 5)
        assert sub.closed

        async def drain() -> int:
            return len([item async for item in sub])

        await asyncio.wait_for(drain(), 1)  # iteration ends after close
        assert {s.state for s in pool.status()} == {RelayState.CLOSED}
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert others == []
        await pool.close()  # twice is fine
