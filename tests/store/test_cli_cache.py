"""`nostr-tui cache stats|prune|rebuild` as a person runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nostr_tui.protocol import nip19
from nostr_tui.protocol.filters import Filter
from nostr_tui.store import EventCache, StateStore

from .conftest import make_event, pubkey_of


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NOSTR_TUI_DATA_DIR=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    return subprocess.run([sys.executable, "-m", "nostr_tui", "cache", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_stats_prune_and_rebuild(tmp_path: Path) -> None:
    data = tmp_path / "data"
    me = pubkey_of(1)
    cache = EventCache.open(data / "cache.sqlite3")
    cache.add([make_event(me, 1, 1, content="mine"), make_event(me, 2, 3, [["p", pubkey_of(2)]]),
               make_event(pubkey_of(2), 3, 0, content="{}")])
    cache.add([make_event(pubkey_of(9), 10 + i, 1, content="x" * 500) for i in range(200)])
    cache.add([make_event(pubkey_of(9), 500, 7, content="+")])
    cache.close()
    state = StateStore.open(data / "state.sqlite3")
    state.save_draft("new", "keep")
    state.close()
    state_bytes = (data / "state.sqlite3").read_bytes()

    out = run(tmp_path, "stats")
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["events"] == 204 and stats["by_kind"] == {"0": 1, "1": 201, "3": 1, "7": 1}
    assert stats["disk_bytes"] > 0 and stats["max_cache_bytes"] == 512 * 1024 * 1024

    out = run(tmp_path, "prune", "--max-mb", "0", "--protect", nip19.npub_encode(me))
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["deleted"] == 201 and report["events_after"] == 3
    assert report["after_bytes"] < report["before_bytes"] and report["within_cap"] is False
    cache = EventCache.open(data / "cache.sqlite3")
    assert {e.kind for e in cache.query(Filter())} == {0, 1, 3}
    cache.close()

    (data / "cache.sqlite3").write_bytes(b"broken" * 1000)
    for name in ("cache.sqlite3-wal", "cache.sqlite3-shm"):
        (data / name).unlink(missing_ok=True)
    out = run(tmp_path, "stats")
    assert out.returncode == 1 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and "nostr-tui cache rebuild" in out.stderr
    out = run(tmp_path, "rebuild")
    assert out.returncode == 0, out.stderr
    assert "cache.sqlite3.corrupt-" in json.loads(out.stdout)["notice"]
    assert json.loads(run(tmp_path, "stats").stdout)["events"] == 0
    assert (data / "state.sqlite3").read_bytes() == state_bytes


def test_bad_protect_value_is_one_line(tmp_path: Path) -> None:
    EventCache.open(tmp_path / "data" / "cache.sqlite3").close()
    out = run(tmp_path, "prune", "--protect", "nobody")
    assert out.returncode == 1 and "--protect" in out.stderr and "Traceback" not in out.stderr
