"""Relays that send garbage (invalid JSON, bad signatures, wrong ids, events from the far future, EOSE twice,
OK for events never sent) or stall: every bad frame is counted and shown on the relays screen, nothing bad is
stored or shown, the resume point stays sane, an unanswered note stays in the outbox, keys keep working."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.relay.hostile import Hostile, send_json
from tests.support.waiting import wait_for
from textual.widgets import DataTable
from websockets.asyncio.server import ServerConnection

from nostr_tui.client import RelayState
from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay.pool import TOO_FAR_AHEAD
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.relays import RelaysScreen
from nostr_tui.tui.widgets.note_list import NoteList
from nostr_tui.tui.widgets.status_bar import StatusBar

from .conftest import (
    FAST_NETWORK,
    LocalRelayProcess,
    Recorder,
    config_for,
    count_fault,
    make_client,
    seed_store,
    unsent,
)

ME, FRIEND = SecretKey.generate(), SecretKey.generate()


def contacts() -> Event:
    return sign_event(ME, 3, "", [["p", FRIEND.public_key]], int(time.time()) - 1000)


async def home(pilot: Any, app: NostrApp) -> NoteList:
    await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query("#feed-home-list")))
    return app.screen.query_one("#feed-home-list", NoteList)


async def test_every_bad_frame_is_counted_shown_on_the_relays_screen_and_kept_out(tmp_path: Path) -> None:
    now = int(time.time())
    good = [sign_event(FRIEND, 1, f"good note {i}", [], now - 100 + i) for i in range(2)]
    future = sign_event(FRIEND, 1, "from next year", [], now + 365 * 86400)
    tampered = sign_event(FRIEND, 1, "tampered", [], now - 50)
    flipped_sig = ("0" if tampered.sig[0] != "0" else "1") + tampered.sig[1:]
    bad_frames: list[Callable[[str], str]] = [
        lambda sub: "this is not JSON",
        lambda sub: json.dumps(["EVENT", sub, dict(tampered.to_dict(), sig=flipped_sig)]),  # invalid signature
        lambda sub: json.dumps(["EVENT", sub, dict(tampered.to_dict(), content="changed")]),  # wrong id
        lambda sub: json.dumps(["EVENT", sub, future.to_dict()]),  # a year ahead (valid signature)
        lambda sub: json.dumps(["EOSE", sub]),  # the second EOSE
        lambda sub: json.dumps(["OK", "ab" * 32, True, ""]),  # OK for an event never sent
        lambda sub: json.dumps(["EVENT", sub, tampered.to_dict()])[:-30],  # cut short
    ]

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "EVENT":  # never the right OK: only one for an id that was never sent
            await send_json(ws, ["OK", "cd" * 32, True, ""])
            return
        wants_new = frame[0] == "REQ" and any(1 in (f.get("kinds") or []) and "until" not in f for f in frame[2:])
        if not wants_new:  # other questions (profiles, older pages) get an honest empty answer
            if frame[0] == "REQ":
                await send_json(ws, ["EOSE", frame[1]])
            return
        sub = frame[1]
        for e in good:
            await send_json(ws, ["EVENT", sub, e.to_dict()])
        await send_json(ws, ["EOSE", sub])
        if h.connections == 1:
            for make in bad_frames:
                await ws.send(make(sub))
            await asyncio.sleep(0.3)
            await ws.close()  # the client must come back with a sane `since`

    config = config_for(tmp_path / "me", [])
    await seed_store(config, ME, [contacts()])
    async with Hostile(script) as relay:
        config = config_for(tmp_path / "me", [relay.url])
        recorder = Recorder(record_received=False)
        client = make_client(config, ME, recorder.connect, interactive=True)
        app = NostrApp(config, client=client)
        async with app.run_test(size=(140, 40)) as pilot:
            notes = await home(pilot, app)
            await wait_for(pilot, lambda: relay.connections == 2 and notes.item_count() == 2)
            count_fault("hostile relay: bad frames", len(bad_frames))
            count_fault("relay closing the connection")
            stats = client.relays.status()[0].stats
            assert dict(stats.invalid) == {
                "not valid JSON": 2,
                "bad signature": 1,
                "id does not match content": 1,
                TOO_FAR_AHEAD: 1,
                "repeated EOSE": 1,
                "OK for an event not sent": 1,
            }
            assert sorted(notes.item(i).event.content for i in range(2)) == ["good note 0", "good note 1"]
            assert notes.pending_count == 0
            assert await client._store.read_cache(lambda c: c.get(future.id)) is None  # never stored

            # The home subscription came back resuming from the newest real note, not from next year.
            resumed = [r for r in recorder.reqs(relay.url) if any(FRIEND.public_key in (f.get("authors") or [])
                                                                  for f in r[2:])]
            assert len(resumed) >= 2 and all(f.get("since", 0) <= now for r in resumed for f in r[2:])

            # A note sent to this relay gets only an OK for another id: it stays in the outbox.
            await pilot.press("c")
            await pilot.press(*"does it arrive?")
            await pilot.press("ctrl+s")
            bar = app.screen.query_one(StatusBar)
            await wait_for(pilot, lambda: bar.unsent == 1)
            await pilot.press("escape")
            assert (await unsent(client))[0].event.content == "does it arrive?"
            assert client.relays.status()[0].stats.invalid["OK for an event not sent"] == 2

            # The relays screen shows every dropped frame.
            await pilot.press("R")
            await wait_for(pilot, lambda: isinstance(app.screen, RelaysScreen))
            table = app.screen.query_one(DataTable)
            await wait_for(pilot, lambda: table.row_count == 1)
            row = table.get_row_at(0)
            assert str(row[5]) == str(client.relays.status()[0].stats.invalid_total) == str(len(bad_frames) + 1)


async def test_stalled_relays_do_not_hold_up_the_feed_the_keys_or_the_outbox(
    relay_procs: Callable[..., Awaitable[LocalRelayProcess]], tmp_path: Path
) -> None:
    handlers: list[asyncio.Task[Any]] = []

    async def accept_and_say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await reader.read()
        finally:
            writer.close()

    async def never_answer(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        return

    tcp = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    tcp_url = f"ws://127.0.0.1:{tcp.sockets[0].getsockname()[1]}"
    good = await relay_procs()
    now = int(time.time())
    net = replace(FAST_NETWORK, connect_timeout=0.5, eose_timeout=1.0, publish_timeout=1.0)
    try:
        async with Hostile(never_answer) as silent:
            config = config_for(tmp_path / "me", [good.url, silent.url, tcp_url], network=net)
            await seed_store(config, ME, [contacts()])
            friend = make_client(config_for(tmp_path / "friend", [good.url]), FRIEND)
            await friend.start()
            for i in range(30):
                await friend.publisher.broadcast(sign_event(FRIEND, 1, f"note {i}", [], now - 100 + i), [good.url])
            await friend.close()
            client = make_client(config, ME, interactive=True)
            app = NostrApp(config, client=client)
            async with app.run_test(size=(140, 40)) as pilot:
                count_fault("relay accepting the socket and never answering", 2)
                notes = await home(pilot, app)
                await wait_for(pilot, lambda: notes.item_count() == 30)
                loop = asyncio.get_running_loop()
                latencies = []
                for key in "jjjjjkkkkk":
                    before, t0 = notes.cursor, loop.time()
                    app.simulate_key(key)
                    await wait_for(pilot, lambda b=before: notes.cursor != b, timeout=1.0)  # type: ignore[misc]
                    latencies.append(loop.time() - t0)
                assert max(latencies) < 1.0
                states = {s.url: s for s in client.relays.status()}
                await wait_for(pilot, lambda: client._pool.relay(tcp_url).state is not RelayState.CONNECTED  # type: ignore[union-attr]
                            and "timed out" in client._pool.relay(tcp_url).last_reason)  # type: ignore[union-attr]
                assert states[silent.url].state is RelayState.CONNECTED  # connected, answering nothing

                await pilot.press("c")
                await pilot.press(*"to three relays")
                await pilot.press("ctrl+s")
                bar = app.screen.query_one(StatusBar)
                await wait_for(pilot, lambda: bar.partial == 1)
                (entry,) = await unsent(client)
                pending = sorted(d.relay for d in entry.deliveries if d.state == "pending")
                assert pending == sorted([silent.url, tcp_url])  # the good relay took it; the rest will retry
    finally:
        tcp.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await tcp.wait_closed()
