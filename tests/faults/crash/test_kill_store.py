"""A client killed with SIGKILL while the store is writing: the files open (WAL recovery), pass the integrity
check, hold only whole, verifiable events, whole batches, and everything the client was told was saved."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path

from nostr_tui.paths import cache_file, state_file
from nostr_tui.protocol.event import parse_event, parse_event_json

from ._store_child import BATCH
from .conftest import integrity, read_line, sigkill, spawn

KILLS = 5


def stored(cache: Path) -> list[dict[str, object]]:
    """Every event row of the cache, as the raw object a relay would have sent."""
    conn = sqlite3.connect(str(cache))
    try:
        rows = conn.execute("SELECT id, pubkey, created_at, kind, tags, content, sig FROM events").fetchall()
    finally:
        conn.close()
    return [{"id": r[0], "pubkey": r[1], "created_at": r[2], "kind": r[3], "tags": json.loads(r[4]),
             "content": r[5], "sig": r[6]} for r in rows]


def test_store_killed_mid_write_keeps_whole_verified_batches(tmp_path: Path) -> None:
    rng = random.Random(8)
    reported: set[int] = set()
    next_batch = 0
    wal_seen = 0
    for _ in range(KILLS):
        proc = spawn("_store_child.py", str(tmp_path), str(next_batch))
        want = rng.randint(3, 12)
        got = 0
        while got < want:
            reported.add(int(read_line(proc)))
            got += 1
        time.sleep(rng.uniform(0.0, 0.15))  # somewhere in the middle of the following writes
        reported |= {int(x) for x in sigkill(proc, "SIGKILL while the store writes")}
        wal = Path(f"{cache_file(tmp_path)}-wal")
        wal_seen += wal.exists() and wal.stat().st_size > 0

        # Reopened from scratch (WAL recovery): both files are sound.
        assert integrity(cache_file(tmp_path)) == "ok"
        assert integrity(state_file(tmp_path)) == "ok"
        events = stored(cache_file(tmp_path))
        batches: dict[int, int] = {}
        for obj in events:
            event = parse_event(obj, verify_sig=True)  # id and signature: nothing half-written
            b = int(event.content.split()[1])
            batches[b] = batches.get(b, 0) + 1
        assert all(n == BATCH for n in batches.values()), "a batch was saved in part"
        assert reported <= set(batches), "a batch the client was told was saved is missing"
        next_batch = max(batches) + 1

        conn = sqlite3.connect(str(state_file(tmp_path)))
        outbox = [parse_event_json(row[0]) for row in conn.execute("SELECT event FROM outbox")]
        conn.close()
        firsts = {int(e.content.split()[1]) for e in outbox}
        assert all(e.content.split()[3] == "0" for e in outbox)
        assert reported <= firsts, "an outbox entry the client was told was saved is missing"
    assert wal_seen >= 1, "no kill left a WAL to recover from"
