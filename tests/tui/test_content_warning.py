"""A note behind a content warning names the key that shows it, and the footer offers that key on it."""

from __future__ import annotations

from typing import Any

import pytest

from nostr_tui.config import Config
from nostr_tui.demo.relay import publish_events
from nostr_tui.protocol.event import sign_event
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.widgets.note_list import NoteList

from .apps import screen_text, wait_for
from .test_own_notes import demo_author


def footer_keys(app: NostrApp) -> dict[str, str]:
    return {k.key: k.description for k in app.screen.query("FooterKey").results() if hasattr(k, "description")}


@pytest.mark.parametrize(("keymap", "key"), [({}, "x"), ({"note.content_warning": "w"}, "w")])
async def test_the_warning_names_its_key_and_the_footer_shows_it_on_that_note(keymap: dict[str, str],
                                                                              key: str) -> None:
    app = NostrApp(Config(relays=(), keymap=keymap), demo=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home: Any = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 20)
        assert key not in footer_keys(app)  # the top note has no warning: no such key offered
        hidden = sign_event(demo_author("lena"), 1, "the butler did it", [["content-warning", "spoilers"]])
        await publish_events(app.demo_relay.url, [hidden])
        await wait_for(pilot, lambda: home.new_count == 1)
        await pilot.press("n")
        await wait_for(pilot, lambda: home.selected_item is not None and home.selected_item.event.id == hidden.id)
        assert f"Content warning: spoilers — press {key} to show it" in screen_text(home)
        assert "the butler did it" not in screen_text(home)
        await wait_for(pilot, lambda: footer_keys(app).get(key) == "Show/hide CW")
        await pilot.press(key)
        await wait_for(pilot, lambda: "the butler did it" in screen_text(home))
        await pilot.press("j")
        await wait_for(pilot, lambda: key not in footer_keys(app))
