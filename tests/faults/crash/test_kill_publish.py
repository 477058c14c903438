"""A client killed with SIGKILL while publishing to a relay that hangs: every note is either still a draft or in
the outbox (never neither, never both), and the outbox is delivered when the relay comes back."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from tests.support.relays import RelayProcess

from nostr_tui.paths import state_file
from nostr_tui.protocol.event import parse_event_json

from .conftest import (
    PASSPHRASE,
    StallServer,
    eventually,
    integrity,
    keystore_with,
    query_relay,
    read_line,
    sigkill,
    spawn,
    write_config,
)

# When the client is killed: seconds after "send", or (None) once the note is in the outbox on disk.
DELAYS: tuple[float | None, ...] = (0.0, 0.002, 0.01, 0.05, None)


def drafts_and_outbox(data: Path) -> tuple[dict[str, str], dict[str, tuple[str, str, set[str]]]]:
    """Drafts (key -> text) and outbox (id -> (content, signature check, pending relays)) in the state file."""
    conn = sqlite3.connect(str(state_file(data)))
    try:
        drafts = dict(conn.execute("SELECT key, text FROM drafts").fetchall())
        outbox = {}
        for eid, raw in conn.execute("SELECT id, event FROM outbox"):
            event = parse_event_json(raw)  # verifies id and signature
            pending = {r for (r,) in conn.execute(
                "SELECT relay FROM deliveries WHERE id = ? AND state = 'pending'", (eid,))}
            outbox[eid] = (event.content, event.sig, pending)
    finally:
        conn.close()
    return drafts, outbox


async def test_killed_while_publishing_nothing_is_lost_and_it_is_delivered_later(
    tmp_path: Path, stall_server: StallServer
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    keystore_with(data)
    url = stall_server.url
    config = write_config(tmp_path / "config.toml", data, [(url, False, True, False)], slow=True)

    texts = {f"new{i}": f"note written before kill {i}" for i in range(len(DELAYS))}
    for (key, text), delay in zip(texts.items(), DELAYS, strict=True):
        proc = await asyncio.to_thread(spawn, "_publish_child.py", str(config), key, text)
        assert await asyncio.to_thread(read_line, proc) == "READY"
        if delay is None:
            await eventually(lambda t=text: t in {c for c, _, _ in drafts_and_outbox(data)[1].values()}, timeout=20)
        else:
            await asyncio.sleep(delay)
        left = sigkill(proc, "SIGKILL while publishing")
        assert "RETURNED" not in left  # the relay never answered: it was killed mid-publish

        assert integrity(state_file(data)) == "ok"
        drafts, outbox = drafts_and_outbox(data)
        contents = {c for c, _, _ in outbox.values()}
        for k, t in list(texts.items())[: list(texts).index(key) + 1]:
            assert (drafts.get(k) == t) != (t in contents), f"{t!r}: in the draft and the outbox, or in neither"
    print(f"killed mid-publish: {len(contents)} in the outbox, {len(texts) - len(contents)} still drafts")
    assert texts["new4"] in contents
    assert all(pending == {url} for _, _, pending in outbox.values())
    in_outbox = {c for c, _, _ in outbox.values()}

    # The relay comes back on the same address; the next start delivers the outbox on connect.
    relay = RelayProcess(hold=await stall_server.hand_over())
    try:
        await relay.start()
        await deliver_the_outbox_on_start(tmp_path, data, url, outbox, in_outbox, set(texts.values()))
    finally:
        await relay.close()


async def deliver_the_outbox_on_start(tmp_path: Path, data: Path, url: str, outbox: dict[str, Any],
                                      in_outbox: set[str], texts: set[str]) -> None:
    """A client started on the same data delivers every note of the outbox to `url`, unchanged."""
    from nostr_tui.client import Client
    from nostr_tui.config import load_config
    from nostr_tui.keystore.passphrase import fixed

    client = Client(load_config(write_config(tmp_path / "config2.toml", data, [(url, False, True, False)])),
                         passphrase=fixed(PASSPHRASE))
    await client.start()
    try:
        async def delivered() -> bool:
            return not [item for item in await client.publisher.outbox() if item.pending]

        await eventually(delivered, timeout=15)
        held = await query_relay(url, {"ids": sorted(outbox)})
        assert {e["content"] for e in held} == in_outbox
        assert {e["id"]: e["sig"] for e in held} == {i: s for i, (_, s, _) in outbox.items()}  # the same events
        drafts_left = await client.drafts.all()
        assert {d.text for d in drafts_left} | in_outbox == texts
    finally:
        await client.close()
