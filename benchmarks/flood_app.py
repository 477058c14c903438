"""The TUI under a flood, as its own process: `python -m benchmarks.flood_app URL DATA_DIR SECONDS MARK...`.

The real app (headless, `App.run_test`) with a read-only account and the flooding relay as its only relay
shows the Global feed, where the flood arrives as live notes. For SECONDS (or until the last MARK) it presses
`j` / `k` every 50 ms and times each press until the cursor moved; when the relay's count of valid events
received passes each MARK it reads its own resident set size (VmRSS and VmHWM). Prints one JSON object: the
memory at each mark, the key latencies, the events received (printed before the app quits).
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from pathlib import Path


def memory(pid: int | str = "self") -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (its peak) of a process, in bytes, from /proc/<pid>/status: the
    process's own figures (getrusage's ru_maxrss would carry a parent's peak across fork and exec)."""
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


def make_account(data: Path) -> None:
    """A read-only account (a real public key: the key store checks it)."""
    from nostr_tui.keystore.store import KeyStore
    from nostr_tui.paths import keys_dir
    from nostr_tui.protocol import nip19
    from nostr_tui.protocol.keys import SecretKey

    me = SecretKey.generate().public_key
    KeyStore(keys_dir(data), log_n=4).import_key(nip19.npub_encode(me), "reader", lambda p, c: "")


async def flood(url: str, data: Path, seconds: float, marks: list[int]) -> dict[str, object]:
    """Run the app against the flood; see the module docstring."""
    from nostr_tui.config import Config, KeysConfig, RelayConfig
    from nostr_tui.tui.app import NostrApp
    from nostr_tui.tui.screens.feed import FeedScreen
    from nostr_tui.tui.widgets.note_list import NoteList

    make_account(data)
    config = Config(relays=(RelayConfig(url),), data_dir=data, keys=KeysConfig(log_n=4))
    app = NostrApp(config, data_dir=data)
    latencies: list[float] = []
    rss: dict[str, dict[str, int]] = {}
    received = 0
    async with app.run_test(size=(120, 40)) as pilot:
        loop = asyncio.get_running_loop()
        end = loop.time() + 30
        while not (isinstance(app.screen, FeedScreen) and app.screen.query("#feed-home-list")):
            assert loop.time() < end, "the feed screen never opened"
            await pilot.pause(0.05)
        await pilot.press("3")  # Global
        glob = app.screen.query_one("#feed-global-list", NoteList)
        while glob.item_count() < 10:
            assert loop.time() < end, "no flood arrived"
            await pilot.pause(0.05)
        start = time.monotonic()
        pending = sorted(marks)
        while pending and time.monotonic() - start < seconds:
            received = app.client.relays.status()[0].stats.events
            while pending and received >= pending[0]:
                rss[str(pending.pop(0))] = memory()
            before = glob.cursor
            t0 = time.perf_counter()
            app.simulate_key("j" if len(latencies) % 20 < 10 else "k")  # a real key press, without Pilot's wait
            while glob.cursor == before and time.perf_counter() - t0 < 5:
                await asyncio.sleep(0.002)
            latencies.append(time.perf_counter() - t0)
            await asyncio.sleep(0.05)
        received = app.client.relays.status()[0].stats.events
        result = {"rss": rss, "latencies": latencies, "received": received, "seconds": time.monotonic() - start}
        print(json.dumps(result), flush=True)  # before quitting: how long quitting takes is not measured here
        watchdog(asyncio.get_running_loop(), QUIT_WAIT)
    return result


QUIT_WAIT = 30.0
"""Seconds the app may take to quit after the flood before what it still waits for is written to stderr."""


def awaiting(coro: object) -> str:
    """Where a suspended coroutine waits: each coroutine of its await chain, innermost last."""
    places = []
    while coro is not None and len(places) < 20:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            places.append(f"{frame.f_code.co_qualname} ({Path(frame.f_code.co_filename).name}:{frame.f_lineno})")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return " -> ".join(places) or repr(coro)


def watchdog(loop: asyncio.AbstractEventLoop, after: float) -> None:
    """If the process is still running `after` seconds from now, write the stack of every task to stderr."""

    def show() -> None:
        print(f"the app has not quit {after:.0f} s after the flood; its tasks:", file=sys.stderr)
        for task in asyncio.all_tasks(loop):
            print(f"task {task.get_name()}: {awaiting(task.get_coro())}", file=sys.stderr)

    def wait() -> None:
        time.sleep(after)
        loop.call_soon_threadsafe(show)

    threading.Thread(target=wait, daemon=True).start()


if __name__ == "__main__":
    asyncio.run(flood(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), [int(m) for m in sys.argv[4:]]))
