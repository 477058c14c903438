"""An empty feed says why and what to do: Home with no follows, Mentions with none, every relay down."""

from __future__ import annotations

from pathlib import Path

from tests.client.conftest import keystore_with
from tests.support.ports import PortHold

from nostr_tui.config import load_config
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.widgets.note_list import NoteList

from .apps import screen_text, wait_for
from .test_app_core import local_relay, write_config


async def test_home_with_no_follows_and_mentions_with_none_say_what_to_do(tmp_path: Path) -> None:
    relay, url = await local_relay()
    try:
        keystore_with(tmp_path / "data", SecretKey.generate())
        app = NostrApp(load_config(write_config(tmp_path, [url])))
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
            await wait_for(pilot, lambda: app.relays_connected == 1)
            home = app.screen.query_one("#feed-home-list", NoteList)
            await wait_for(pilot, lambda: "You follow no one yet" in screen_text(home))
            assert "press 3" in screen_text(home) and "press f to follow" in screen_text(home)
            await pilot.press("2")
            mentions = app.screen.query_one("#feed-mentions-list", NoteList)
            await wait_for(pilot, lambda: "No one has mentioned you" in screen_text(mentions))
    finally:
        relay.shutdown()


async def test_every_feed_says_when_every_relay_is_down(tmp_path: Path) -> None:
    with PortHold() as one, PortHold() as two:  # bound, not listening: connections are refused
        keystore_with(tmp_path / "data", SecretKey.generate())
        app = NostrApp(load_config(write_config(tmp_path, [one.url, two.url])))
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
            home = app.screen.query_one("#feed-home-list", NoteList)
            await wait_for(pilot, lambda: "No relay is connected (0 of 2)" in screen_text(home))
            assert "relays screen (R)" in screen_text(home)
            await pilot.press("3")
            global_ = app.screen.query_one("#feed-global-list", NoteList)
            await wait_for(pilot, lambda: "No relay is connected (0 of 2)" in screen_text(global_))
