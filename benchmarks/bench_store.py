"""Event cache benchmarks: batched inserts (alone and beside a busy thread), the home-feed page as the cache
grows, a 1,000-reply thread.

Events are built directly with random hex (the cache stores what it is given), so generation is cheap.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from nostr_tui.protocol.event import Event
from nostr_tui.store import EventCache
from nostr_tui.store.aio import Store
from nostr_tui.store.rules import keyed_in

from .common import Figure, best_of, interleaved

WORDS = "nostr relay note zap sats bitcoin freedom hello world thread reply feed client key sign".split()
T0 = 1_600_000_000
INSERT_TARGET = 40_000
"""Events per second the cache must store with every index (the issue's figure; the only absolute one)."""


def _hex(rng: random.Random) -> str:
    return rng.getrandbits(256).to_bytes(32, "big").hex()


def make_events(n: int, authors: list[str], rng: random.Random, span: int) -> list[Event]:
    """`n` events by random authors: 60% notes, 10% reposts, 30% reactions, spread over `span` seconds."""
    out = []
    for _ in range(n):
        r = rng.random()
        kind = 1 if r < 0.6 else 6 if r < 0.7 else 7
        tags: tuple[tuple[str, ...], ...]
        if kind == 1:
            tags = (("p", rng.choice(authors)),)
            content = " ".join(rng.choices(WORDS, k=6))
        else:
            tags = (("e", _hex(rng)), ("p", rng.choice(authors)))
            content = "+" if kind == 7 else ""
        out.append(Event(_hex(rng), rng.choice(authors), T0 + rng.randrange(span), kind, tags, content, "0" * 128))
    return out


def fill(cache: EventCache, events: list[Event], batch: int) -> float:
    """Add events in batches; returns seconds taken."""
    t0 = time.perf_counter()
    for i in range(0, len(events), batch):
        cache.add(events[i : i + batch])
    return time.perf_counter() - t0


def plain_insert(path: Path, events: list[Event], batch: int) -> float:
    """The same rows into a table with no index at all, same batches: the floor for inserting."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE events (id, pubkey, created_at, kind, tags, content, sig)")
    t0 = time.perf_counter()
    for i in range(0, len(events), batch):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(e.id, e.pubkey, e.created_at, e.kind, json.dumps(e.tags), e.content, e.sig)
             for e in events[i : i + batch]],
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


async def _through_writer(tmp: Path, events: list[Event]) -> float:
    """Seconds to store `events` the way a fetch does: batches of 256 given to the store's writer thread, up to
    8 writes in flight, until every one is stored and in the search index."""
    store = Store(tmp / "writer.sqlite3", tmp / "writer-state.sqlite3")
    await store.start()
    try:
        t0 = time.perf_counter()
        in_flight: list[asyncio.Future[object]] = []
        for i in range(0, len(events), 256):
            batch = events[i : i + 256]
            in_flight.append(asyncio.ensure_future(store.write_cache(lambda c, b=batch: c.add(b))))
            if len(in_flight) >= 8:
                await in_flight.pop(0)
        await asyncio.gather(*in_flight)
        while await store.read_cache(lambda c: c.unindexed()):
            await asyncio.sleep(0.01)
        return time.perf_counter() - t0
    finally:
        await store.close()


def _keep_busy(stop: threading.Event, events: list[Event]) -> None:
    """What the event loop does while the writer stores: decode event frames and hash them, in Python."""
    frames = [json.dumps(["EVENT", "s", e.to_dict()]) for e in events[:200]]
    while not stop.is_set():
        for frame in frames:
            obj = json.loads(frame)[2]
            hashlib.sha256(json.dumps([0, obj["pubkey"], obj["created_at"], obj["kind"], obj["tags"],
                                       obj["content"]]).encode()).digest()


@contextmanager
def busy_thread(events: list[Event]) -> Iterator[None]:
    """Another thread keeping the interpreter busy meanwhile, as the event loop does during a fetch."""
    stop = threading.Event()
    busy = threading.Thread(target=_keep_busy, args=(stop, events), daemon=True)
    busy.start()
    try:
        yield
    finally:
        stop.set()
        busy.join()


def bench_busy(tmp: Path, n: int) -> Figure:
    rng = random.Random(3)
    authors = [_hex(rng) for _ in range(5000)]
    events = make_events(n, authors, rng, span=n * 10)
    alone_cache = EventCache.open(tmp / "alone.sqlite3")
    alone = n / fill(alone_cache, events, 1000)
    alone_cache.close()
    busy_cache = EventCache.open(tmp / "busy.sqlite3")
    with busy_thread(events):
        busy = n / fill(busy_cache, events, 1000)
    busy_cache.close()
    return Figure(
        f"insert {n:,} events beside a busy Python thread / alone", busy / alone, None, True,
        f"{busy:,.0f} events/s beside a thread decoding and hashing frames (as the event loop does), "
        f"{alone:,.0f}/s alone",
    )


def bench_insert(tmp: Path, n: int) -> tuple[Figure, EventCache]:
    rng = random.Random(1)
    authors = [_hex(rng) for _ in range(5000)]
    events = make_events(n, authors, rng, span=n * 10)
    cache = EventCache.open(tmp / "insert.sqlite3")
    t_store = fill(cache, events, 1000)
    t0 = time.perf_counter()
    while cache.index_some():  # the search index, filled behind the writes, is part of the cost
        pass
    t_index = time.perf_counter() - t0
    t_plain = plain_insert(tmp / "plain.sqlite3", events, 1000)
    t_writer = asyncio.run(_through_writer(tmp, events))
    rate = n / (t_store + t_index)
    fig = Figure(
        f"insert {n:,} events, every index and the search index / {INSERT_TARGET:,}/s",
        rate / INSERT_TARGET, 1.0, True,
        f"{rate:,.0f} events/s with every index ({n / t_store:,.0f}/s before the search index; "
        f"{n / t_writer:,.0f}/s through the store's writer as a fetch gives them), "
        f"{n / t_plain:,.0f} events/s into a table without indexes",
    )
    return fig, cache


def bench_feed(tmp: Path, small: int, big: int) -> Figure:
    rng = random.Random(2)
    authors = [_hex(rng) for _ in range(5000)]
    followed = authors[:500]
    caches = []
    for n in (small, big):
        cache = EventCache.open(tmp / f"feed-{n}.sqlite3")
        fill(cache, make_events(n, authors, rng, span=n * 10), 20_000)
        cache.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        caches.append((cache, n))

    def pages_of(cache: EventCache, n: int) -> Callable[[], None]:
        first = cache.feed(followed, limit=50)
        middle = cache.feed(followed, limit=50, before=(T0 + n * 5, "f" * 64))
        assert len(first) == 50 and len(middle) == 50

        def pages() -> None:
            cache.feed(followed, limit=50)
            cache.feed(followed, limit=50, before=(middle[-1].created_at, middle[-1].id))

        return pages

    # Both caches open at once and their pages read alternately: a burst of load hits both sides alike.
    t_small, t_big = interleaved(pages_of(*caches[0]), pages_of(*caches[1]), 9)
    for cache, _ in caches:
        cache.close()
    return Figure(
        f"home-feed page, 500 authors: {big:,} vs {small:,} events",
        t_big / t_small, 3.0, False,
        f"{t_small * 500:.1f} ms vs {t_big * 500:.1f} ms per page",
    )


def bench_thread(cache: EventCache) -> list[Figure]:
    rng = random.Random(3)
    pk = _hex(rng)
    root = Event(_hex(rng), pk, T0, 1, (), "the root", "0" * 128)
    replies = [Event(_hex(rng), _hex(rng), T0 + 1 + i, 1, (("e", root.id, "", "root"),), f"reply {i}", "0" * 128)
               for i in range(1000)]
    cache.add([root, *replies])
    conn = cache.connection
    wanted = json.dumps([root.id] + [r.id for r in replies])
    rowids = [r[0] for r in conn.execute(
        f"SELECT n FROM events WHERE {keyed_in('id', ':w')}", {"w": wanted})]
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    loaded = cache.thread(root.id)
    conn.set_trace_callback(None)
    passes = len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
    assert len(loaded) == 1001

    def by_rowid() -> None:
        rows = conn.execute(
            "SELECT id, pubkey, created_at, kind, tags, content, sig FROM events "
            "WHERE n IN (SELECT value FROM json_each(?)) ORDER BY created_at, id", (json.dumps(rowids),)).fetchall()
        [Event(a, b, c, d, tuple(tuple(t) for t in json.loads(e)), f, g) for a, b, c, d, e, f, g in rows]

    t_thread, t_rows = interleaved(lambda: cache.thread(root.id), by_rowid, 7)
    ratio = t_thread / t_rows if passes == 1 else float("inf")
    with busy_thread([root, *replies]):
        t_busy = best_of(lambda: cache.thread(root.id), 7)
    return [
        Figure(
            "1,000-reply thread by root id vs the same rows by rowid",
            ratio, 2.0, False, f"{passes} statement, {t_thread * 1000:.1f} ms vs {t_rows * 1000:.1f} ms",
        ),
        Figure(
            "1,000-reply thread read beside a busy Python thread / alone", t_busy / t_thread, None, False,
            f"{t_busy * 1000:.1f} ms beside a thread decoding and hashing frames, {t_thread * 1000:.1f} ms alone",
        ),
    ]


def run(quick: bool) -> list[Figure]:
    """Insert throughput, feed scaling and thread loading; quick uses small sizes."""
    with tempfile.TemporaryDirectory(prefix="bench-store-") as d:
        tmp = Path(d)
        insert_fig, cache = bench_insert(tmp, 5_000 if quick else 100_000)
        thread_figs = bench_thread(cache)
        cache.close()
        busy_fig = bench_busy(tmp, 2_000 if quick else 20_000)
        feed_fig = bench_feed(tmp, 2_000 if quick else 10_000, 20_000 if quick else 1_000_000)
        return [insert_fig, busy_fig, feed_fig, *thread_figs]

