"""The TUI under a sustained flood: memory levels off and key presses are answered.

A relay of the benchmark's own (flood_relay.py) offers 20,000 distinct signed notes a second for 150 s as
live events of the Global feed; the app runs headless in a process of its own (flood_app.py). Figures:

- resident memory after 300,000 events received / after 100,000 (what the feeds keep of notes that are not
  on screen is bounded: the store has them), target <= 1.3;
- key-press latency p99 during the flood / 100 ms (`j`/`k` every 50 ms, each timed until the cursor
  moved), target <= 1.

The notes are signed once (on both cores) and kept in the user's cache directory for later runs.
Quick: 20 s, marks at 10,000 and 30,000 events. BENCH_FLOOD_SECONDS sets another duration.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .bench_req import ROOT, child_env
from .common import Figure

RATE = 20_000
QUIT_TIMEOUT = 60.0
"""Seconds the app is given to quit once it reported (what it still waits for is shown when it does not)."""


def _sign_part(args: tuple[int, int, int]) -> list[str]:
    from nostr_tui.protocol.event import sign_event
    from nostr_tui.protocol.keys import SecretKey

    start, count, seed = args
    keys = [SecretKey.from_hex(f"{seed * 1000 + k + 1:064x}") for k in range(40)]
    words = "flood note relay zap hello world nostr ünïcødé 日本 🎉".split()
    out = []
    for i in range(start, start + count):
        text = f"flood note {i}: " + " ".join(words[(i * 7 + j) % len(words)] for j in range(12 + i % 30))
        out.append(sign_event(keys[i % 40], 1, text, [["t", "flood"]], 1_700_000_000 + i).to_json())
    return out


def flood_events(count: int) -> Path:
    """A file of `count` distinct signed notes (made once, then reused from the cache directory)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nostr-tui-bench"
    path = cache / f"flood-{count}.jsonl"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    step = 10_000
    parts = [(s, min(step, count - s), 1) for s in range(0, count, step)]
    with multiprocessing.get_context("spawn").Pool(os.cpu_count() or 2) as pool:
        lines = [line for part in pool.map(_sign_part, parts) for line in part]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def run(quick: bool) -> list[Figure]:
    """The flood figures (see the module docstring)."""
    seconds, marks, count = (20.0, [10_000, 30_000], 60_000) if quick else (150.0, [100_000, 300_000], 400_000)
    seconds = float(os.environ.get("BENCH_FLOOD_SECONDS", seconds))
    events = flood_events(count)
    env = child_env()
    relay = subprocess.Popen([sys.executable, "-m", "benchmarks.flood_relay", str(events), str(RATE)], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert relay.stdout is not None
        url = relay.stdout.readline().strip()
        with tempfile.TemporaryDirectory(prefix="bench-flood-") as d, tempfile.TemporaryFile("w+") as err:
            app = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.flood_app", url, d, str(seconds), *map(str, marks)],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True,
            )
            assert app.stdout is not None
            try:  # the result line is printed before the app quits; the whole run is bounded in time
                out, _ = app.communicate(timeout=seconds + 60 + QUIT_TIMEOUT)
                quit_note = ""
            except subprocess.TimeoutExpired:
                app.kill()
                out, _ = app.communicate(timeout=10)
                quit_note = f"; the app had not finished {seconds + 60 + QUIT_TIMEOUT:.0f} s after it started (killed)"
            line = out.splitlines()[0] if out.strip() else ""
            err.seek(0)
            stderr = err.read()
        if not line.strip():
            raise RuntimeError(f"the flooded app failed ({app.returncode}): {stderr[-1500:]}")
        if quit_note:
            print(f"   the flooded app's last words: {stderr[-3000:]}", file=sys.stderr)
        result = json.loads(line)
    finally:
        relay.kill()
        relay.wait(10)
    rss = {mark: m["VmRSS"] for mark, m in result["rss"].items()}
    peak = result["rss"].get(str(marks[-1]), {}).get("VmHWM", 0)
    lat = sorted(result["latencies"])
    received = result["received"]
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("inf")
    low, high = str(marks[0]), str(marks[-1])
    if high not in rss:
        raise RuntimeError(f"only {received:,} events arrived in {seconds:.0f} s (RSS taken at {sorted(rss)})")
    rate = received / result["seconds"]
    return [
        Figure(f"flood: resident memory after {marks[-1]:,} / {marks[0]:,} events (TUI, {RATE:,}/s offered)",
               rss[high] / rss[low], 1.3, False,
               f"{rss[low] / 2**20:.0f} MiB -> {rss[high] / 2**20:.0f} MiB; {received:,} events taken at "
               f"{rate:,.0f}/s; peak {peak / 2**20:.0f} MiB{quit_note}"),
        Figure("flood: key-press latency p99 / 100 ms", p99 / 0.100, 1.0, False,
               f"p99 {p99 * 1000:.0f} ms, median {lat[len(lat) // 2] * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms,"
               f" {len(lat)} presses"),
    ]
