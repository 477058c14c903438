"""Client benchmarks: thread trees that grow linearly, and a home feed that opens as fast from a big store.

Events are built with random hex ids and dummy signatures (the tree and the store take what they are given).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from nostr_tui.client import Client
from nostr_tui.client.conversation import thread_rows
from nostr_tui.client.items import ItemContext
from nostr_tui.client.threads import build_tree
from nostr_tui.config import Config, KeysConfig
from nostr_tui.keystore.passphrase import fixed
from nostr_tui.keystore.store import KeyStore
from nostr_tui.paths import cache_file
from nostr_tui.protocol import nip19
from nostr_tui.protocol.event import Event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.store import EventCache

from .common import Figure

T0 = 1_600_000_000
SIG = "0" * 128


def _hex(rng: random.Random) -> str:
    return rng.getrandbits(256).to_bytes(32, "big").hex()


def thread_events(n: int, rng: random.Random) -> list[Event]:
    """A root and `n - 1` replies, each to a random earlier note (marked NIP-10 tags with authors)."""
    authors = [_hex(rng) for _ in range(200)]
    root = Event(_hex(rng), authors[0], T0, 1, (), "the root", SIG)
    notes = [root]
    for i in range(1, n):
        parent = notes[int(len(notes) * rng.random() ** 0.5)]  # recent notes get more replies
        tags: tuple[tuple[str, ...], ...] = (("e", root.id, "", "root", root.pubkey),)
        if parent is not root:
            tags += (("e", parent.id, "", "reply", parent.pubkey),)
        tags += (("p", parent.pubkey),)
        notes.append(Event(_hex(rng), rng.choice(authors), T0 + i, 1, tags, f"reply number {i}", SIG))
    rng.shuffle(notes)
    return notes


def paired(batch: Callable[[], object], big: Callable[[], object], k: int, repeat: int) -> tuple[float, float, float]:
    """(median over rounds of big time / one small time, best small time, best big time).

    Each round times `batch` (k small runs) and `big` back to back, so a burst of machine load hits both;
    the median ratio of the rounds ignores the odd disturbed round.
    """
    ratios, smalls, bigs = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        batch()
        t1 = time.perf_counter()
        big()
        t2 = time.perf_counter()
        smalls.append((t1 - t0) / k)
        bigs.append(t2 - t1)
        ratios.append(bigs[-1] / smalls[-1])
    return statistics.median(ratios), min(smalls), min(bigs)


def bench_tree(small: int, big: int, repeat: int) -> Figure:
    rng = random.Random(1)
    k = big // small
    # k different small threads, built one after another: as much distinct data as the big one, so the
    # comparison is not flattered by a small tree staying in the CPU cache.
    smalls = [thread_events(small, rng) for _ in range(k)]
    small_roots = [next(e.id for e in evs if not e.tags) for evs in smalls]
    big_events = thread_events(big, rng)
    big_root = next(e.id for e in big_events if not e.tags)
    ratio, t_small, t_big = paired(
        lambda: [build_tree(evs, r) for evs, r in zip(smalls, small_roots, strict=True)],
        lambda: build_tree(big_events, big_root),
        k, repeat,
    )
    times = {small: t_small, big: t_big}
    assert len(build_tree(big_events, big_root)) == big
    return Figure(
        f"build_tree: {big:,} vs {small:,} notes (linear: <= 12x)",
        ratio, 12.0, False,
        f"{times[small] * 1000:.1f} ms vs {times[big] * 1000:.1f} ms",
    )


def bench_rows(tmp: Path, small: int, big: int) -> Figure:
    rng = random.Random(2)
    caches, roots = {}, {}
    for n in (small, big):
        events = thread_events(n, rng)
        roots[n] = next(e for e in events if not e.tags).id
        caches[n] = EventCache.open(tmp / f"thread-{n}.sqlite3")
        caches[n].add(events)
        assert len(thread_rows(caches[n], roots[n], ItemContext())) == n
    k = big // small  # the small thread is read k times in a row, so both sides take about as long
    ratio, t_small, t_big = paired(
        lambda: [thread_rows(caches[small], roots[small], ItemContext()) for _ in range(k)],
        lambda: thread_rows(caches[big], roots[big], ItemContext()),
        k, 5,
    )
    times = {small: t_small, big: t_big}
    for cache in caches.values():
        cache.close()
    return Figure(
        f"thread rows from the store: {big:,} vs {small:,} notes (<= 12x)",
        ratio, 12.0, False,
        f"{times[small] * 1000:.1f} ms vs {times[big] * 1000:.1f} ms",
    )


def fill_store(base: Path, n: int, me: str, authors: list[str], followed: list[str], rng: random.Random) -> None:
    """A store of `n` notes by `authors` over ~n*10 s, and my follow list."""
    base.mkdir(parents=True, exist_ok=True)
    cache = EventCache.open(cache_file(base))
    cache.add([Event(_hex(rng), me, T0, 3, tuple(("p", pk) for pk in followed), "", SIG)])
    batch: list[Event] = []
    for _ in range(n):
        batch.append(Event(_hex(rng), rng.choice(authors), T0 + rng.randrange(n * 10), 1, (), "gm", SIG))
        if len(batch) == 20_000:
            cache.add(batch)
            batch = []
    cache.add(batch)
    cache.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.close()


async def _open_home(base: Path, me: str, repeat: int) -> float:
    """Best time of opening the home feed's first page through a started client (no relays)."""
    keystore = KeyStore(base / "keys", log_n=4)
    if keystore.active() is None:
        keystore.import_key(nip19.npub_encode(me), "me", fixed(""))
    client = Client(Config(relays=(), keys=KeysConfig(log_n=4)), data_dir=base)
    await client.start()
    try:
        best = float("inf")
        for _ in range(repeat):
            feed = client.feeds.open("home")
            t0 = time.perf_counter()
            page = await feed.first_page()
            best = min(best, time.perf_counter() - t0)
            assert len(page) == 50, len(page)
            await client.feeds.close_all()
        return best
    finally:
        await client.close()


def bench_home(tmp: Path, small: int, big: int) -> Figure:
    rng = random.Random(3)
    me = SecretKey.generate().public_key  # the account needs a real public key
    authors = [_hex(rng) for _ in range(2000)]
    followed = authors[:300]
    times = {}
    for n in (small, big):
        base = tmp / f"home-{n}"
        fill_store(base, n, me, authors, followed, rng)
        times[n] = asyncio.run(_open_home(base, me, 7))
    return Figure(
        f"home feed first page, 300 follows: store of {big:,} vs {small:,} events",
        times[big] / times[small], 3.0, False,
        f"{times[small] * 1000:.1f} ms vs {times[big] * 1000:.1f} ms",
    )


def run(quick: bool) -> list[Figure]:
    """Tree building and thread rows at two sizes; the home feed from a small and a big store."""
    with tempfile.TemporaryDirectory(prefix="bench-client-") as d:
        tmp = Path(d)
        tree = bench_tree(200 if quick else 1_000, 2_000 if quick else 10_000, 5)
        rows = bench_rows(tmp, 200 if quick else 1_000, 2_000 if quick else 10_000)
        home = bench_home(tmp, 2_000 if quick else 10_000, 20_000 if quick else 1_000_000)
        return [tree, rows, home]
