"""A client without `live_counts` (the command line) announces no counts for what it stores; a front end's
client (the default) announces the new reply count of a note as the reply is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.relay.hostile import Hostile, send_json
from websockets.asyncio.server import ServerConnection

from nostr_tui.client import Client, CountsChanged
from nostr_tui.keystore.passphrase import fixed
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey

from .conftest import PASSPHRASE, keystore_with, make_config

pytestmark = pytest.mark.timeout(60)
KEY = SecretKey.generate()
ROOT = sign_event(KEY, 1, "the root note", created_at=1_700_000_000)
REPLY = sign_event(KEY, 1, "a reply", [["e", ROOT.id, "", "root"]], created_at=1_700_000_010)


async def sends_the_thread(relay: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
    if frame[0] == "REQ":
        for event in (ROOT, REPLY):
            await send_json(ws, ["EVENT", frame[1], event.to_dict()])
        await send_json(ws, ["EOSE", frame[1]])


@pytest.mark.parametrize("live_counts", [True, False])
async def test_counts_are_announced_only_by_a_client_with_live_counts(tmp_path: Path, live_counts: bool) -> None:
    async with Hostile(sends_the_thread) as relay:
        keystore_with(tmp_path, None)
        client = Client(make_config(tmp_path, [relay.url]), passphrase=fixed(PASSPHRASE), environ={},
                        live_counts=live_counts)
        await client.start()
        try:
            got = await client.ingest.fetch([Filter.make(kinds=[1])], [relay.url])
            assert {e.id for e in got.events} == {ROOT.id, REPLY.id}
            await client.flush()  # the counts are read and announced by a task of the client's
            counts = [n for n in client.notifications.drain() if isinstance(n, CountsChanged)]
            if live_counts:
                assert [dict(c.counts)[ROOT.id].replies for c in counts] == [1]
            else:
                assert counts == []
            stored = await client.search.query(Filter.make(ids=[REPLY.id]))
            assert [e.id for e in stored] == [REPLY.id]  # stored all the same
        finally:
            await client.close()
