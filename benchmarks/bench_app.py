"""The whole app over a real store: 1,000,000 notes in the cache against 10,000 (quick: 10,000 against 100).

Each side is a data directory whose cache holds that many notes by 200 authors the account follows
(unsigned events with random ids: the store keeps what it is given). The app runs headless with no
relays, as it would offline, so what is measured is the store, the client and the screen:

- first paint: from creating the app to the home feed's first full view drawn (best of 3, interleaved);
- scroll step: 40 presses of `j` through the feed, including the pages loaded from the store on the way;
- memory: resident set size (VmRSS, and the peak VmHWM, from /proc/<pid>/status of that process itself) of
  a fresh process that opens the app, paints the feed and scrolls it.

The search index of each store is filled before anything is timed, as it is in a cache used for a while.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import Figure

AUTHORS = 200
NOW = 1_780_000_000


def build_profile(base: Path, notes: int) -> None:
    """A data dir with a read-only account following AUTHORS people and `notes` of their notes cached."""
    from nostr_tui.keystore.store import KeyStore
    from nostr_tui.paths import cache_file, keys_dir
    from nostr_tui.protocol import nip19
    from nostr_tui.protocol.event import Event
    from nostr_tui.protocol.keys import SecretKey
    from nostr_tui.store.cache import EventCache

    me = SecretKey.generate().public_key  # a real key: the key store checks it
    authors = [secrets.token_hex(32) for _ in range(AUTHORS)]
    KeyStore(keys_dir(base), log_n=4).import_key(nip19.npub_encode(me), "reader", lambda p, c: "")
    cache = EventCache.open(cache_file(base), clock=lambda: NOW + 10)
    sig = "00" * 64
    contacts = Event(secrets.token_hex(32), me, NOW, 3, tuple(("p", a) for a in authors), "", sig)
    profiles = [Event(secrets.token_hex(32), a, NOW - 5, 0, (), json.dumps({"name": f"author{i}"}), sig)
                for i, a in enumerate(authors)]
    cache.add([contacts, *profiles])
    batch: list[Event] = []
    for i in range(notes):
        text = f"note {i}: " + "words that wrap across the width of the feed " * (1 + i % 3)
        batch.append(Event(secrets.token_hex(32), authors[i % AUTHORS], NOW - 20 * i, 1, (), text, sig))
        if len(batch) == 5000:
            cache.add(batch)
            batch = []
    cache.add(batch)
    while cache.index_some(50_000):
        pass
    cache.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.close()


async def _open(base: Path, scroll: bool = False) -> tuple[float, float]:
    from nostr_tui.config import Config
    from nostr_tui.tui.app import NostrApp
    from nostr_tui.tui.screens.feed import FeedScreen
    from nostr_tui.tui.widgets.note_list import NoteList

    t0 = time.perf_counter()
    app = NostrApp(Config(relays=(), data_dir=base), data_dir=base, clock=lambda: NOW + 10)
    step = 0.0
    async with app.run_test(size=(100, 40)) as pilot:
        lst: NoteList | None = None
        for _ in range(4000):
            if isinstance(app.screen, FeedScreen) and app.screen.query("#feed-home-list"):
                lst = app.screen.query_one("#feed-home-list", NoteList)
                if lst.item_count() > 0:
                    break
            await asyncio.sleep(0.002)
        assert lst is not None and lst.item_count() > 0, "the feed never filled"
        await pilot.pause()  # the refresh that draws the notes
        paint = time.perf_counter() - t0
        if scroll:
            s0 = time.perf_counter()
            for _ in range(40):
                await pilot.press("j")
            await pilot.pause()
            step = (time.perf_counter() - s0) / 40
            assert lst.cursor >= 30, "the cursor did not move through the feed"
    return paint, step


def _rss_of(base: Path) -> tuple[int, int]:
    """VmRSS and VmHWM of a fresh process that opened the app and scrolled it (read by that process from its
    own /proc/self/status: getrusage's ru_maxrss would report the parent's peak inherited across fork/exec)."""
    code = (
        "import asyncio, json, sys; from pathlib import Path; from benchmarks.bench_app import _open; "
        "from benchmarks.flood_app import memory; "
        "asyncio.run(_open(Path(sys.argv[1]), scroll=True)); print(json.dumps(memory()))"
    )
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    out = subprocess.run([sys.executable, "-c", code, str(base)], capture_output=True, text=True, env=env,
                         check=True, timeout=300)
    mem = json.loads(out.stdout.strip().splitlines()[-1])
    return int(mem["VmRSS"]), int(mem["VmHWM"])


def run(quick: bool) -> list[Figure]:
    """First paint, scroll step and memory with a big store against a small one."""
    big_n, small_n = (10_000, 100) if quick else (1_000_000, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        build_profile(big, big_n)
        build_profile(small, small_n)
        paints: dict[Path, float] = {big: float("inf"), small: float("inf")}
        steps: dict[Path, float] = {big: float("inf"), small: float("inf")}
        for _ in range(3):
            for base in (small, big):
                paint, step = asyncio.run(_open(base, scroll=True))
                paints[base] = min(paints[base], paint)
                steps[base] = min(steps[base], step)
        (rss_small, hwm_small), (rss_big, hwm_big) = _rss_of(small), _rss_of(big)
    return [
        Figure(f"app: first paint of the feed, store of {big_n:,} vs {small_n:,} notes", paints[big] / paints[small],
               1.5, False, f"{paints[big] * 1000:.0f} ms vs {paints[small] * 1000:.0f} ms"),
        Figure(f"app: one scroll step (j), store of {big_n:,} vs {small_n:,} notes", steps[big] / steps[small],
               1.5, False, f"{steps[big] * 1000:.1f} ms vs {steps[small] * 1000:.1f} ms per step"),
        Figure(f"app: resident memory, store of {big_n:,} vs {small_n:,} notes", rss_big / rss_small, 1.3, False,
               f"VmRSS {rss_big / 2**20:.1f} MiB vs {rss_small / 2**20:.1f} MiB, "
               f"peak {hwm_big / 2**20:.1f} MiB vs {hwm_small / 2**20:.1f} MiB"),
    ]
