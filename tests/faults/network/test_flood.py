"""A relay that floods 100,000 events as fast as it can, one that sends a 50 MB frame: memory stays bounded,
nothing is lost while the reader keeps up, a stalled reader costs dropped-and-counted events (never a
blocked socket), and the screen answers keys during the flood."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path

from nostr_tui.client import Client
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay.notifications import PublishStatus
from nostr_tui.relay.pool import BUFFER_FULL
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.widgets.note_list import NoteList

from .conftest import (
    FIGURES,
    FLOOD,
    HostileProcess,
    PeakSampler,
    config_for,
    count_fault,
    eventually,
    make_client,
    seed_store,
)

StartHostile = Callable[..., Awaitable[HostileProcess]]


async def stored_notes(client: Client) -> int:
    return (await client._store.stats()).by_kind.get(1, 0)


def largest_buffer(client: Client) -> int:
    return max((sub.buffered for sub in client._pool._subs.values()), default=0)


async def test_flood_with_a_reader_that_keeps_up_loses_nothing_in_bounded_memory(
    hostile_procs: StartHostile, flood_file: Path, clients: list[Client], tmp_path: Path
) -> None:
    flood = await hostile_procs("flood", str(flood_file))
    client = make_client(config_for(tmp_path / "me", [flood.url]), SecretKey.generate())
    clients.append(client)
    await client.start()
    sampler = PeakSampler({
        "buffered": lambda: largest_buffer(client),
        "queued notes": lambda: sum(len(getattr(e, "items", ())) for e in list(client.notifications._items)),
    })
    t0 = time.perf_counter()
    await client.feeds.open("global").first_page()  # nobody reads client.events: a front end that is slow
    assert await flood.wait_sent(90) == FLOOD
    count_fault("relay flooding 100,000 events")

    async def all_stored() -> bool:
        return await stored_notes(client) == FLOOD

    await eventually(all_stored, timeout=90, step=0.5)
    elapsed = time.perf_counter() - t0
    await sampler.stop()
    status = client.relays.status()[0]
    assert status.stats.connects == 1, (
        f"the connection dropped during the flood ({status.reason!r}) and the relay sent it again; 'connection "
        "lost' is the client's own keepalive: its ping's pong waits behind every event it has not read yet"
    )
    stats = status.stats
    assert stats.events == FLOOD and stats.invalid[BUFFER_FULL] == 0  # none dropped: the socket was slowed
    assert sampler.peaks["buffered"] <= client._pool.buffer_limit
    assert sampler.peaks["queued notes"] <= 10_000 + client._pool.buffer_limit
    assert client.notifications.dropped > 0  # the unread notifications were dropped (and counted), not kept
    FIGURES["flood (reader keeps up): events stored / sent"] = f"{FLOOD} / {FLOOD} in {elapsed:.1f} s"
    FIGURES["flood (reader keeps up): peak RSS growth"] = f"{sampler.growth_mib:.0f} MiB"
    FIGURES["flood (reader keeps up): largest subscription buffer"] = str(sampler.peaks["buffered"])
    assert sampler.growth_mib < 400


async def test_flood_into_a_stalled_reader_is_dropped_and_counted_and_the_socket_keeps_going(
    hostile_procs: StartHostile, flood_file: Path, clients: list[Client], tmp_path: Path
) -> None:
    flood = await hostile_procs("flood", str(flood_file))
    client = make_client(config_for(tmp_path / "me", [flood.url]), SecretKey.generate())
    clients.append(client)
    client._pool.drain_timeout = 0.3
    await client.start()
    sampler = PeakSampler({"buffered": lambda: largest_buffer(client)})
    stalled = client._pool.subscribe(Filter.make(kinds=[1]))  # never read
    assert await flood.wait_sent(90) == FLOOD
    count_fault("relay flooding 100,000 events")
    stats = client._pool.relay(flood.url).stats  # type: ignore[union-attr]
    # Every event checked and applied (buffered or dropped), not only received: checks run off the loop.
    await eventually(lambda: stats.events >= FLOOD, timeout=60, step=0.1)
    await sampler.stop()
    limit = client._pool.buffer_limit
    assert stalled.buffered == limit and sampler.peaks["buffered"] == limit
    assert stalled.dropped == FLOOD - limit == stats.invalid[BUFFER_FULL]
    t0 = time.perf_counter()
    mine = sign_event(SecretKey.generate(), 1, "the socket still works")
    result = await client._pool.publish(mine)
    assert result[0].status is PublishStatus.ACCEPTED and time.perf_counter() - t0 < 1.0
    taken = stalled.get_nowait()  # the reader wakes up: what was kept is there, oldest first
    assert len(taken) == limit and taken[0].event.content == "flood note 0"
    FIGURES["flood (stalled reader): peak RSS growth"] = f"{sampler.growth_mib:.0f} MiB"
    FIGURES["flood (stalled reader): dropped and counted"] = str(stalled.dropped)
    stalled.close()


async def test_screen_answers_keys_during_a_flood(
    hostile_procs: StartHostile, flood_file: Path, tmp_path: Path
) -> None:
    flood = await hostile_procs("flood", str(flood_file), "--live")
    me = SecretKey.generate()
    config = config_for(tmp_path / "me", [flood.url])
    someone = SecretKey.generate()
    base = int(time.time()) - 10 * FLOOD
    await seed_store(config, me, [sign_event(someone, 1, f"cached {i}", [], base + i) for i in range(60)])
    client = make_client(config, me, interactive=True)
    app = NostrApp(config, client=client)
    async with app.run_test(size=(120, 40)) as pilot:
        loop = asyncio.get_running_loop()
        end = loop.time() + 15
        while not (isinstance(app.screen, FeedScreen) and app.screen.query("#feed-home-list")):
            assert loop.time() < end
            await pilot.pause(0.05)
        await pilot.press("3")  # Global: cached notes at once, then the flood
        screen = app.screen
        glob = screen.query_one("#feed-global-list", NoteList)
        while glob.item_count() < 50:
            assert loop.time() < end
            await pilot.pause(0.05)
        sampler = PeakSampler({"held back": lambda: glob.pending_count})
        count_fault("relay flooding 100,000 events")
        sent = asyncio.ensure_future(flood.wait_sent(90))
        latencies: list[float] = []
        deadline = loop.time() + 90

        async def stored_all() -> bool:
            return await stored_notes(client) >= FLOOD + 60

        while not (sent.done() and await stored_all()):
            assert loop.time() < deadline, "the flood did not end"
            before = glob.cursor
            t0 = time.perf_counter()
            # A real key press (what Pilot.press sends, without its wait for an idle CPU, which a flood
            # never gives): the time until the cursor moved.
            app.simulate_key("j" if len(latencies) % 40 < 20 else "k")
            while glob.cursor == before:
                assert time.perf_counter() - t0 < 5, "a key press was not handled within 5 s"
                await asyncio.sleep(0.002)
            latencies.append(time.perf_counter() - t0)
            await asyncio.sleep(0.05)
        await sampler.stop()
        assert glob.new_count > 0 and sampler.peaks["held back"] <= 1000  # held back: bounded
        assert max(latencies) < 1.0, max(latencies)
        await pilot.press("n")  # more arrived than the list holds: it reloads from the store
        await pilot.pause(0.5)
        while glob.item(0).event.content != f"flood note {FLOOD - 1}":
            assert loop.time() < deadline
            await pilot.pause(0.05)
        assert glob.pending_count == 0
        latencies.sort()
        FIGURES["flood (screen): key presses timed"] = str(len(latencies))
        FIGURES["flood (screen): key latency median / max"] = (
            f"{latencies[len(latencies) // 2] * 1000:.0f} ms / {latencies[-1] * 1000:.0f} ms"
        )
        FIGURES["flood (screen): peak RSS growth"] = f"{sampler.growth_mib:.0f} MiB"


async def test_a_50_mb_frame_is_refused_counted_and_the_relay_reconnects(
    hostile_procs: StartHostile, clients: list[Client], tmp_path: Path
) -> None:
    author = SecretKey.generate()
    good = [sign_event(author, 1, f"after the big frame {i}", [], int(time.time()) - 10 + i) for i in range(3)]
    events = tmp_path / "good.jsonl"
    events.write_text("".join(e.to_json() + "\n" for e in good))
    huge = await hostile_procs("huge", "50", str(events))
    client = make_client(config_for(tmp_path / "me", [huge.url]), SecretKey.generate())
    clients.append(client)
    tracemalloc.start()
    try:
        await client.start()
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        await client.feeds.open("global").first_page()
        count_fault("relay sending a 50 MB frame")

        async def arrived() -> bool:
            return await stored_notes(client) == len(good)

        await eventually(arrived, timeout=20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    stats = client.relays.status()[0].stats
    assert stats.invalid["frame too large"] == 1 and stats.connects == 2
    growth = (peak - start) / 2**20
    assert growth < 16, f"{growth:.1f} MiB"  # the 50 MB frame was never held
    FIGURES["50 MB frame: peak traced memory growth"] = f"{growth:.1f} MiB"
