"""`nostr-tui req` end to end, as a whole process, against other clients reading the same events.

A relay of the benchmark's own (req_relay.py, its own process on 127.0.0.1) serves 20,000 signed kind-1 notes
(~740 bytes a frame on average; some with non-ASCII text, some of several kilobytes) from pre-serialized
frames. Each client is its own process, started and timed from outside (wall clock, start to exit), in turn
in every round, so a burst of load on the shared machine hits all of them alike:

- `nostr-tui req -k 1 -l N` with an empty data directory: every event verified, stored, printed;
- nostr-sdk's Python Client `fetch_events` (rust-nostr; verifies every event);
- aionostr's Relay with `Event.verify()` on each event;
- a bare single-core loop: websockets, json.loads, the canonical json.dumps, sha256, libsecp256k1;
- a websockets client that only counts the frames (reported, the floor of reading them);
- `nostr-tui req` from five relays serving the same events against one relay (10,000 events).

The processes run with bytecode caching on and stdout buffered (PYTHONDONTWRITEBYTECODE and PYTHONUNBUFFERED
are removed from their environment), as an installed program runs. Figures are medians over the rounds of
the per-round ratios.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey

from .common import Figure

ROOT = Path(__file__).resolve().parents[1]
WORDS = (
    "nostr relay note zap sats bitcoin freedom hello world thread reply feed client key sign "
    "über café naïve 日本語 テキスト 🎉 ✓ привет мир"
).split()


def make_events(n: int, seed: int = 7) -> list[str]:
    """`n` signed kind-1 notes by 50 authors as JSON lines: mostly 100-300 characters, 2% of about 4 KB,
    a `p` tag each, an `e` tag on 30%, a `t` tag on 10%; created_at rising."""
    rng = random.Random(seed)
    keys = [SecretKey.generate() for _ in range(50)]
    out = []
    for i in range(n):
        r = rng.random()
        words = 600 if r < 0.02 else rng.randint(18, 42)
        content = f"note {i}: " + " ".join(rng.choice(WORDS) for _ in range(words))
        tags = [["p", keys[(i * 7) % 50].public_key]]
        if r > 0.7:
            tags.append(["e", rng.getrandbits(256).to_bytes(32, "big").hex(), "", "root"])
        if r > 0.9:
            tags.append(["t", "bench"])
        out.append(sign_event(keys[i % 50], 1, content, tags, 1_700_000_000 + i).to_json())
    return out


def child_env() -> dict[str, str]:
    """The environment of the measured processes: this tree importable, bytecode cached, stdout buffered."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONUNBUFFERED", None)
    import nostr_tui

    src = str(Path(nostr_tui.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([src, str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


class Relays:
    """Benchmark relay processes, each serving the events of one file; `urls` once started."""

    def __init__(self, events_file: Path, count: int, env: dict[str, str]) -> None:
        self.procs = [
            subprocess.Popen([sys.executable, "-m", "benchmarks.req_relay", str(events_file)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, text=True)
            for _ in range(count)
        ]
        self.urls = [p.stdout.readline().strip() for p in self.procs if p.stdout is not None]
        if len(self.urls) != count or not all(u.startswith("ws://127.0.0.1:") for u in self.urls):
            self.stop()
            raise RuntimeError(f"the benchmark relay did not start: {self.urls}")

    def stop(self) -> None:
        """Stop every relay process."""
        for p in self.procs:
            p.kill()
            p.wait(10)


def timed(cmd: Sequence[str], env: dict[str, str], out: Path, expect: int, timeout: float = 300) -> float:
    """Wall seconds of one process from start to exit; its stdout goes to `out`. Checks what it reported:
    `expect` lines (nostr-tui) or the number it printed (the other clients)."""
    with out.open("wb") as sink:
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=ROOT, stdout=sink, stderr=subprocess.PIPE, timeout=timeout)
        elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}... failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    data = out.read_bytes()
    got = data.count(b"\n") if cmd[2] == "nostr_tui" else int(data.strip() or b"0")
    if got != expect:
        raise RuntimeError(f"{' '.join(cmd[:4])}... got {got} events of {expect}: {proc.stderr.decode()[-500:]}")
    return elapsed


def nostr_tui_req(urls: Sequence[str], n: int, data: Path, config: Path) -> list[str]:
    """The `nostr-tui req` command line for `urls` (the data directory is in the environment)."""
    relays = [arg for u in urls for arg in ("--relay", u)]
    return [sys.executable, "-m", "nostr_tui", "--config", str(config), "req", *relays, "-k", "1", "-l", str(n)]


def run(quick: bool) -> list[Figure]:
    """The req figures (see the module docstring)."""
    n = 2_000 if quick else 20_000
    n_multi = 1_000 if quick else 10_000
    rounds = 1 if quick else 5
    env = child_env()
    with tempfile.TemporaryDirectory(prefix="bench-req-") as d:
        tmp = Path(d)
        events = tmp / "events.jsonl"
        lines = make_events(n)
        events.write_text("\n".join(lines) + "\n", encoding="utf-8")
        frame_bytes = sum(len(line.encode()) + 16 for line in lines) / n
        config = tmp / "config.toml"
        config.write_text("[network]\neose_timeout = 300.0\n")
        relays = Relays(events, 5, env)
        try:
            one, five = relays.urls[:1], relays.urls
            clients = {
                "sdk": [sys.executable, "-m", "benchmarks.req_clients", "sdk", one[0], str(n)],
                "aionostr": [sys.executable, "-m", "benchmarks.req_clients", "aionostr", one[0], str(n)],
                "bare": [sys.executable, "-m", "benchmarks.req_clients", "bare", one[0], str(n)],
                "count": [sys.executable, "-m", "benchmarks.req_clients", "count", one[0], str(n)],
            }
            times: dict[str, list[float]] = {k: [] for k in ("tui", *clients, "tui1", "tui5")}

            def tui(urls: list[str], count: int, key: str) -> None:
                data = tmp / f"data-{key}-{len(times[key])}"
                tui_env = dict(env, NOSTR_TUI_DATA_DIR=str(data))
                times[key].append(timed(nostr_tui_req(urls, count, data, config), tui_env, tmp / "out", count))

            for r in range(rounds + 1):  # the first round warms up (bytecode, disk cache) and is dropped
                tui(one, n, "tui")
                for name, cmd in clients.items():
                    times[name].append(timed(cmd, env, tmp / "out", n))
                tui(one, n_multi, "tui1")
                tui(five, n_multi, "tui5")
                if r == 0:
                    for v in times.values():
                        v.clear()
        finally:
            relays.stop()

    def ratio(a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))

    def median(key: str) -> float:
        return statistics.median(times[key])

    def rate(key: str, count: int = n) -> str:
        return f"{count / statistics.median(times[key]):,.0f}/s"

    detail = f"req {rate('tui')}"
    return [
        Figure(f"req: nostr-tui / nostr-sdk Client, {n:,} events (rate, whole process)", ratio("sdk", "tui"), 0.75,
               True, f"{detail}, nostr-sdk {rate('sdk')}, frames of {frame_bytes:.0f} B"),
        Figure(f"req: nostr-tui / bare single-core verify loop, {n:,} events", ratio("bare", "tui"), 0.6, True,
               f"{detail}, bare loop {rate('bare')}, counting frames only {rate('count')}"),
        Figure(f"req: nostr-tui / aionostr with verify, {n:,} events", ratio("aionostr", "tui"), None, True,
               f"{detail}, aionostr {rate('aionostr')}"),
        Figure(f"req: 5 relays x {n_multi:,} same events / 1 relay (wall, whole process)", ratio("tui5", "tui1"),
               1.5, False, f"one {median('tui1'):.2f} s, five {median('tui5'):.2f} s, wall of the whole process"),
    ]
