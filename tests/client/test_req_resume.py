"""A one-shot `nostr-tui req` whose relay drops the connection before EOSE (a restart, a frame larger than the
connection accepts) is reconnected with the pool's backoff within the EOSE timeout and asked again: every
event is printed, each once, instead of "no relay answered"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.relay.hostile import Hostile, send_json
from websockets.asyncio.server import ServerConnection

from nostr_tui.protocol.event import parse_event, sign_event
from nostr_tui.protocol.keys import SecretKey

from .test_client_cli import Cli

KEY = SecretKey.generate()
EVENTS = [sign_event(KEY, 1, f"stored note {i}", created_at=1_700_000_000 + i) for i in range(6)]


def once_then_fine(first_connection: str, sent_first: int) -> Any:
    """A relay whose first connection sends `sent_first` events and then breaks (`first_connection`: how);
    later connections send every event and EOSE."""

    async def script(relay: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] != "REQ":
            return
        sub = frame[1]
        if relay.connections == 1:
            for event in EVENTS[:sent_first]:
                await send_json(ws, ["EVENT", sub, event.to_dict()])
            if first_connection == "restart":
                await ws.close(1012, "service restart")
            else:  # one frame larger than the client's max_frame_bytes: it drops the connection itself
                await send_json(ws, ["NOTICE", "x" * 300_000])
            return
        for event in EVENTS:
            await send_json(ws, ["EVENT", sub, event.to_dict()])
        await send_json(ws, ["EOSE", sub])

    return script


@pytest.mark.parametrize(("how", "sent_first"), [("restart", 0), ("restart", 2), ("oversized frame", 2)])
async def test_req_resumes_after_the_relay_drops_before_eose(tmp_path: Path, how: str, sent_first: int) -> None:
    async with Hostile(once_then_fine(how, sent_first)) as relay:
        cli = Cli(tmp_path, [relay.url])
        config = tmp_path / "config" / "nostr-tui" / "config.toml"
        config.write_text(config.read_text().replace(
            "[network]\n", "[network]\nbackoff_initial = 0.2\nmax_frame_bytes = 100000\n"))
        status, lines, err = await cli("req", "-k", "1")
        assert status == 0, err
        assert "no relay answered" not in err
        assert sorted(line["id"] for line in lines) == sorted(e.id for e in EVENTS)  # each once
        assert {parse_event(line) for line in lines} == set(EVENTS)  # the signed events as the relay sent them
        assert relay.connections >= 2
