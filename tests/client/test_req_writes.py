"""`nostr-tui req` stores what arrives while the store's writer is busy in one write, not one write per
batch read: a transaction rewrites every index page it touches, so many small writes cost the writer more
per event and keep `req` waiting for them at the end."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from tests.relay.hostile import Hostile, send_json
from websockets.asyncio.server import ServerConnection

from nostr_tui.cli.net_cmds import run_req
from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey

pytestmark = pytest.mark.timeout(60)
KEY = SecretKey.generate()
EVENTS = [sign_event(KEY, 1, f"note {i} of the burst", created_at=1_700_000_000 + i) for i in range(3000)]


async def sends_every_event(relay: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
    if frame[0] == "REQ":
        for event in EVENTS:
            await send_json(ws, ["EVENT", frame[1], event.to_dict()])
        await send_json(ws, ["EOSE", frame[1]])


async def test_events_read_while_the_writer_is_busy_are_stored_in_one_write(client_factory: Any) -> None:
    async with Hostile(sends_every_event) as relay:
        client = await client_factory([relay.url])
        store = client._store
        statements: list[str] = []
        await store.write_cache(lambda c: c.connection.set_trace_callback(statements.append))
        busy = threading.Event()
        # The writer is taken up by something else (a long commit, a prune) until every event has been read.
        other_work = asyncio.ensure_future(store.write_cache(lambda c: busy.wait(20)))
        printed: list[Event] = []

        def on_events(batch: Any) -> None:
            printed.extend(batch)
            if len(printed) == len(EVENTS):
                busy.set()

        assert await run_req(client, [relay.url], Filter.make(kinds=[1]), on_events=on_events) == 0
        assert await other_work and busy.is_set()
        assert sorted(e.id for e in printed) == sorted(e.id for e in EVENTS)
        stored = await store.read_cache(lambda c: c.query(Filter.make(kinds=[1], limit=5000)))
        assert len(stored) == len(EVENTS)  # every event printed is stored before req returns
        writes = [s for s in statements if s.startswith("INSERT INTO events(")]
        # The first batch read went to the writer at once; the rest waited together: 512 rows a statement.
        assert len(writes) <= 1 + -(-len(EVENTS) // 512), len(writes)
