"""Outbox, drafts and cache survive a writer killed with SIGKILL in the middle of writing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nostr_tui.protocol.filters import Filter
from nostr_tui.store import EventCache, StateStore

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from nostr_tui.protocol.event import sign_event
    from nostr_tui.protocol.keys import SecretKey
    from nostr_tui.store import EventCache, StateStore

    base, start = Path(sys.argv[1]), int(sys.argv[2])
    key = SecretKey.from_hex("33" * 32)
    state = StateStore.open(base / "state.sqlite3")
    cache = EventCache.open(base / "cache.sqlite3")
    i = start
    while True:
        ev = sign_event(key, 1, f"note {i} " + "x" * 500, [["t", "kill"]], 1_700_000_000 + i)
        state.save_draft(f"k{i % 3}", f"text {i}")
        state.outbox_add(ev, ["wss://r.example"])
        cache.add([ev], relay="wss://r.example")
        print(i, flush=True)
        i += 1
    """
)


def run_and_kill(base: Path, start: int, at_least: int) -> int:
    """Start the writer, let it commit `at_least` rounds, SIGKILL it; returns the last reported round."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(base), str(start)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    last = start - 1
    try:
        assert proc.stdout is not None
        while last < start + at_least and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            last = int(line)
        time.sleep(0.05)  # let it get into the middle of further writes
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL, err
    for line in out.splitlines():
        if line.strip().isdigit():
            last = int(line)
    assert last >= start + at_least, err
    return last


@pytest.mark.timeout(120)
def test_everything_committed_survives_sigkill(tmp_path: Path) -> None:
    last = -1
    for _ in range(3):
        last = run_and_kill(tmp_path, last + 1, 50)
        state = StateStore.open(tmp_path / "state.sqlite3")
        cache = EventCache.open(tmp_path / "cache.sqlite3")
        try:
            assert state.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert cache.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            outbox = {e.event.content.split()[1] for e in state.outbox_entries()}
            assert {str(i) for i in range(last + 1)} <= outbox
            for j in range(3):
                newest_reported = max(i for i in range(last + 1) if i % 3 == j)
                draft = state.get_draft(f"k{j}")
                assert draft is not None and int(draft.text.split()[1]) >= newest_reported
            cached = {e.content.split()[1] for e in cache.query(Filter.make(tags={"t": ["kill"]}))}
            assert {str(i) for i in range(last + 1)} <= cached
            assert len(cache.query(Filter.make(search="NOTE"))) == len(cached)
        finally:
            state.close()
            cache.close()
