"""Every relay down: the app starts, shows the cached feed and each relay's state, queues a new note in the
outbox, keeps it across a restart of the app, and delivers it once the relays are back."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support.relays import query_relay
from tests.support.waiting import wait_for
from textual.widgets import DataTable

from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.relays import RelaysScreen
from nostr_tui.tui.widgets.compose import Compose
from nostr_tui.tui.widgets.note_list import NoteList
from nostr_tui.tui.widgets.status_bar import StatusBar

from .conftest import LocalRelayProcess, config_for, count_outage_events, make_client, unsent

StartRelay = Callable[..., Awaitable[LocalRelayProcess]]


async def feed_list(pilot: Any, app: NostrApp) -> NoteList:
    await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query("#feed-home-list")))
    return app.screen.query_one("#feed-home-list", NoteList)


async def test_offline_start_shows_the_cache_queues_and_delivers_after_a_restart(
    relay_procs: StartRelay, tmp_path: Path
) -> None:
    relays = [await relay_procs(), await relay_procs()]
    urls = [r.url for r in relays]
    me, friend = SecretKey.generate(), SecretKey.generate()
    config = config_for(tmp_path / "me", urls)
    now = int(time.time())
    notes = [sign_event(friend, 1, f"cached note {i}", [], now - 600 + i) for i in range(5)]
    contacts = sign_event(me, 3, "", [["p", friend.public_key]], now - 900)

    # An earlier session, online: the friend's notes and my follows reach the store through the relays.
    friend_client = make_client(config_for(tmp_path / "friend", urls), friend)
    await friend_client.start()
    for note in notes:
        await friend_client.publisher.broadcast(note, urls)
    await friend_client.close()
    earlier = make_client(config, me)
    await earlier.start()
    follows = await earlier.notes.publish(3, "", [list(t) for t in contacts.tags], created_at=contacts.created_at)
    await follows.results()
    await earlier.lists.load()
    assert len(await earlier.feeds.open("home").fetch_page()) == 5
    await earlier.close()
    for relay in relays:
        await relay.kill()

    # Offline: the cached feed, each relay's state, a note queued in the outbox.
    app = NostrApp(config, client=make_client(config, me, interactive=True))
    async with app.run_test(size=(120, 40)) as pilot:
        home = await feed_list(pilot, app)
        await wait_for(pilot, lambda: home.item_count() == 5)
        assert [home.item(i).event.content for i in range(5)] == [f"cached note {i}" for i in range(4, -1, -1)]
        bar = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: bar.relays_total == 2)
        assert bar.relays_connected == 0 and "relays 0/2 connected" in str(bar.render())

        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RelaysScreen))
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        for row in range(2):
            cells = [str(c) for c in table.get_row_at(row)]
            assert cells[1].startswith(("waiting", "connecting")), cells
        await wait_for(pilot, lambda: all("connection refused" in str(table.get_row_at(r)[-1]) for r in range(2)))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))

        await pilot.press("c")
        await pilot.press(*"written offline")
        await pilot.press("ctrl+s")
        bar = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: bar.unsent == 1)
        assert "1 unsent" in str(bar.render())
        # Safe in the outbox: the pane closed, and the note is in the feed, marked as not sent yet.
        assert not app.screen.query_one(Compose).display
        await wait_for(pilot, lambda: home.item(0).event.content == "written offline"
                       and app.pending_label(home.item(0).event.id) == "not sent yet: in the outbox (O)")

    # The app restarts, still offline: the outbox is intact.
    client = make_client(config, me, interactive=True)
    app = NostrApp(config, client=client)
    async with app.run_test(size=(120, 40)) as pilot:
        await feed_list(pilot, app)
        bar = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: bar.unsent == 1)
        (queued,) = await unsent(client)
        assert queued.event.content == "written offline"
        assert sorted(d.relay for d in queued.deliveries) == sorted(urls)

        # The relays come back (empty: their stores were in memory); the outbox delivers to both.
        for relay in relays:
            await relay.start()
        # Delivered everywhere: nothing unsent, and nothing still pending on a relay (one accepting is enough
        # for `unsent` to drop to 0).
        await wait_for(pilot, lambda: bar.unsent == 0 and bar.partial == 0 and bar.relays_connected == 2)
        held = [await query_relay(url, {"ids": [queued.event.id]}) for url in urls]
        assert [[h["id"] for h in got] for got in held] == [[queued.event.id]] * 2
    count_outage_events(2, sum(len(h) for h in held))  # one note for each of two relays
