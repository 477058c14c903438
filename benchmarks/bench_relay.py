"""Relay pool throughput against nostr-sdk's LocalRelay on 127.0.0.1.

1. Fetching N events through the pool (websocket, decode, dedupe, verify) vs the bare verify loop
   (canonical json.dumps + sha256 + Schnorr verify) over the same events. Target >= 0.5.
2. Five relays sending the same M events vs one relay sending them. Target <= 1.5.

The relays run in this process on their own threads and compete for the same cores as the pool, so
both figures compare CPU time: the pool's is that of the thread running its event loop (new events are
decoded there) plus its verifier process (the signatures), read from /proc. The event loop's share and
wall-clock rates are printed alongside.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from typing import Any, NamedTuple

from benchmarks.common import Figure
from nostr_tui.config import NetworkConfig
from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey, verify
from nostr_tui.relay import RelayPool, Subscription

_WINDOW = 500  # LocalRelay answers at most 500 events per filter: one subscription per window
_PER_CONNECTION = 5_000  # LocalRelay drops a connection after 6,000 events published on it


def _events(n: int) -> list[Event]:
    authors = [SecretKey.generate() for _ in range(20)]
    base = 1_700_000_000
    return [
        sign_event(
            authors[i % len(authors)],
            1,
            f"benchmark note {i}: " + "lorem ipsum dolor sit amet " * 4,
            [["t", "bench"], ["p", authors[(i + 1) % len(authors)].public_key]],
            created_at=base + i,
        )
        for i in range(n)
    ]


def _bare_verify(events: list[Event]) -> None:
    for e in events:
        payload = json.dumps(
            [0, e.pubkey, e.created_at, e.kind, e.tags, e.content], separators=(",", ":"), ensure_ascii=False
        ).encode()
        digest = hashlib.sha256(payload).digest()
        if digest.hex() != e.id or not verify(bytes.fromhex(e.pubkey), digest, bytes.fromhex(e.sig)):
            raise AssertionError("benchmark event does not verify")


async def _start_relays(count: int) -> list[Any]:
    import nostr_sdk

    relays = []
    for _ in range(count):
        limit = nostr_sdk.RateLimit(max_reqs=1000, notes_per_minute=10_000_000)
        relay = nostr_sdk.LocalRelayBuilder().addr("127.0.0.1").rate_limit(limit).build()
        await relay.run()
        relays.append(relay)
    return relays


async def _load(url: str, events: list[Event]) -> None:
    from websockets.asyncio.client import connect

    for start in range(0, len(events), _PER_CONNECTION):
        async with connect(url, max_size=None) as ws:
            part = events[start : start + _PER_CONNECTION]
            for e in part:
                await ws.send(json.dumps(["EVENT", e.to_dict()]))
            ok = 0
            while ok < len(part):
                frame = json.loads(await ws.recv())
                if frame[0] == "OK":
                    if frame[2] is not True:
                        raise AssertionError(f"relay refused a benchmark event: {frame[3]}")
                    ok += 1


class Run(NamedTuple):
    """One fetch: wall seconds, CPU seconds of the event loop's thread and of the pool's verifier process."""

    wall: float
    loop: float
    workers: float

    @property
    def cpu(self) -> float:
        """All the pool's CPU seconds."""
        return self.loop + self.workers


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _verifier_ready(pool: RelayPool) -> int:
    """Start the pool's verifier process before the clock starts; its pid once it has settled (its start-up, a
    one-time cost, is not counted against the fetch)."""
    verifier = pool._get_verifier()
    verifier.start()
    checker: Any = verifier._checker
    async with asyncio.timeout(30):
        while checker.pid is None:
            await asyncio.sleep(0.01)
        last = -1.0
        while (now := _process_cpu(checker.pid)) != last:  # still importing
            last = now
            await asyncio.sleep(0.2)
    return int(checker.pid)


async def _fetch(urls: list[str], events: list[Event]) -> Run:
    """Fetch `events` from `urls` through a fresh pool (and so a fresh verifier process)."""
    net = NetworkConfig(eose_timeout=120.0, max_frame_bytes=1 << 20)
    async with RelayPool(network=net) as pool:
        for u in urls:
            pool.add_relay(u)
        for u in urls:
            relay = pool.relay(u)
            assert relay is not None and await relay.wait_connected(10)
        pid = await _verifier_ready(pool)
        w0 = _process_cpu(pid)
        t0 = time.perf_counter()
        c0 = time.thread_time()
        subs = []
        for i in range(0, len(events), _WINDOW):
            window = events[i : i + _WINDOW]
            flt = Filter.make(kinds=[1], since=window[0].created_at, until=window[-1].created_at, limit=_WINDOW)
            subs.append(pool.subscribe(flt, close_on_eose=True))

        async def drain(sub: Subscription) -> int:
            return sum([1 async for _ in sub])

        got = sum(await asyncio.gather(*(drain(s) for s in subs)))
        elapsed = time.perf_counter() - t0
        cpu = time.thread_time() - c0
        workers = _process_cpu(pid) - w0
        late = [u for s in subs for u in s.timed_out]
        if got != len(events) or late:
            raise AssertionError(f"fetched {got} of {len(events)} events (timed out: {late})")
    return Run(elapsed, cpu, workers)


async def _run(quick: bool) -> list[Figure]:
    n_fetch = 1_000 if quick else 20_000
    n_multi = 500 if quick else 10_000
    events = _events(n_fetch)
    multi_events = events[:n_multi]
    relays = await _start_relays(5)
    try:
        urls = [str(await r.url()) for r in relays]
        await _load(urls[0], events)
        await asyncio.gather(*(_load(u, multi_events) for u in urls[1:]))
        repeat = 2 if quick else 5
        # Figure 1: through the pool from urls[0] (it holds every event) vs the bare loop.
        inf = Run(float("inf"), float("inf"), 0.0)
        pool = inf
        t_bare = float("inf")
        for _ in range(repeat):
            pool = min(pool, await _fetch(urls[:1], events), key=lambda r: r.cpu)
            c0 = time.thread_time()
            _bare_verify(events)
            t_bare = min(t_bare, time.thread_time() - c0)
        # Figure 2: the same events from five relays vs one (the windows leave out the rest of urls[0]).
        one = five = inf
        for _ in range(repeat):
            one = min(one, await _fetch(urls[1:2], multi_events), key=lambda r: r.cpu)
            five = min(five, await _fetch(urls, multi_events), key=lambda r: r.cpu)
    finally:
        for r in relays:
            r.shutdown()
    return [
        Figure(
            f"relay: pool fetch of {n_fetch} events / bare verify loop",
            t_bare / pool.cpu,
            0.5,
            True,
            f"CPU: pool {n_fetch / pool.cpu:,.0f} ev/s (event loop alone {n_fetch / pool.loop:,.0f} ev/s, "
            f"verifier process {pool.workers * 1000:.0f} ms),"
            f" bare {n_fetch / t_bare:,.0f} ev/s (pool wall {n_fetch / pool.wall:,.0f} ev/s)",
        ),
        Figure(
            f"relay: 5 relays x {n_multi} same events / 1 relay",
            five.cpu / one.cpu,
            1.5,
            False,
            f"pool CPU one {one.cpu * 1000:.0f} ms, five {five.cpu * 1000:.0f} ms"
            f" (event loop {one.loop * 1000:.0f} / {five.loop * 1000:.0f} ms,"
            f" wall {one.wall * 1000:.0f} / {five.wall * 1000:.0f} ms)",
        ),
    ]


def run(quick: bool) -> list[Figure]:
    """The relay pool figures (see the module docstring)."""
    return asyncio.run(_run(quick))
