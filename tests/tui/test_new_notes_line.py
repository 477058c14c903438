"""The "N new notes" line sits above the notes: it never covers the top note's first lines."""

from __future__ import annotations

from nostr_tui.config import Config
from nostr_tui.demo.relay import publish_events
from nostr_tui.protocol.event import sign_event
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.widgets.note_list import NoteList

from .apps import screen_lines, wait_for
from .test_own_notes import demo_author


async def test_the_new_notes_line_leaves_the_top_notes_header_in_view() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 20)
        await wait_for(pilot, lambda: "sam ·" in screen_lines(home)[1])
        before = screen_lines(home)
        assert "chen reposted" in before[0] and "sam ·" in before[1]  # the top note: who reposted it, who wrote it
        await publish_events(app.demo_relay.url, [sign_event(demo_author("lena"), 1, "a new note from lena")])
        await wait_for(pilot, lambda: "1 new note" in screen_lines(home)[0])
        after = screen_lines(home)
        assert "chen reposted" in after[1] and "sam ·" in after[2]
        assert after[1:] == before[:-1]
