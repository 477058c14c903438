"""Your own note or reply shows at once where you sent it from (marked "sending…" until a relay accepts it),
never behind the "N new notes" line; after a reply the pane closes and the cursor stays on the note replied to,
with the reply under it."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from tests.client.conftest import PASSPHRASE, keystore_with
from tests.relay.hostile import Hostile, send_json
from websockets.asyncio.server import ServerConnection

from nostr_tui.config import Config, load_config
from nostr_tui.demo.relay import publish_events
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.thread import ThreadScreen
from nostr_tui.tui.widgets.compose import Compose
from nostr_tui.tui.widgets.note_list import NoteList
from nostr_tui.tui.widgets.thread_view import ThreadView

from .apps import screen_text, wait_for
from .test_app_core import write_config


def demo_author(label: str) -> SecretKey:
    """A demo identity's throwaway key (seeds/make_seeds.py derives them this way, in the open)."""
    return SecretKey(hashlib.sha256(b"nostr-tui demo identity: " + label.encode()).digest())


async def demo_home(pilot: Any, app: NostrApp) -> NoteList:
    await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
    home = app.screen.query_one("#feed-home-list", NoteList)
    await wait_for(pilot, lambda: home.item_count() > 20)
    return home


async def test_a_new_note_is_on_top_with_the_cursor_and_not_behind_the_new_notes_line() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(110, 40)) as pilot:
        home = await demo_home(pilot, app)
        home.move_cursor(5)
        pane = app.screen.query_one(Compose)
        await pilot.press("c")
        await wait_for(pilot, lambda: pane.display)
        await pilot.press(*"written in the first hour", "ctrl+s")
        await wait_for(pilot, lambda: home.item(0).event.content == "written in the first hour")
        # The note can be drawn a moment before the send closes the pane: both follow its outbox write.
        await wait_for(pilot, lambda: not pane.display)
        assert home.cursor == 0 and home.new_count == 0
        await wait_for(pilot, lambda: home.has_focus)  # keys go to the list again (focus moves a message later)
        # A note from someone followed, published after ours, waits behind the line; ours never did.
        await wait_for(pilot, lambda: app.pending_label(home.item(0).event.id) is None)  # accepted
        other = sign_event(demo_author("lena"), 1, "a note from lena, later")
        await publish_events(app.demo_relay.url, [other])
        await wait_for(pilot, lambda: home.new_count == 1)
        assert home.item(0).event.content == "written in the first hour"


async def test_a_reply_from_the_feed_goes_under_the_note_and_the_cursor_stays() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(110, 40)) as pilot:
        home = await demo_home(pilot, app)
        home.move_cursor(3)
        target = home.selected_item
        assert target is not None
        await pilot.press("r", *"replying from the feed", "ctrl+s")
        await wait_for(pilot, lambda: home.item(4).event.content == "replying from the feed")
        assert home.cursor == 3 and home.selected_item is not None and home.selected_item.key == target.key
        await wait_for(pilot, lambda: not app.screen.query_one(Compose).display)  # closed after the outbox write
        assert home.new_count == 0
        await wait_for(pilot, lambda: "replying from the feed" in screen_text(home))  # drawn at the next repaint
        assert home.cursor == 3


async def test_a_reply_in_the_thread_shows_under_its_note_which_keeps_the_cursor() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(110, 40)) as pilot:
        await demo_home(pilot, app)
        await pilot.press("enter")  # the demo's quote note: its discussion
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and bool(app.screen.query(ThreadView)))
        view = app.screen.query_one(ThreadView)
        await wait_for(pilot, lambda: view.item_count() >= 13)
        await pilot.press("j", "j")
        target = view.selected_row
        assert target is not None
        await pilot.press("r", *"an answer in the tree", "ctrl+s")
        mine = lambda: [view.row(i) for i in range(view.item_count())  # noqa: E731
                        if view.row(i).item.event.content == "an answer in the tree"]
        await wait_for(pilot, lambda: len(mine()) == 1)
        await wait_for(pilot, lambda: not app.screen.query_one(Compose).display)  # closed after the outbox write
        assert view.selected_row is not None and view.selected_row.item.event.id == target.item.event.id
        assert mine()[0].parent_id == target.item.event.id
        assert "an answer in the tree" in screen_text(view)  # in view, under the note it answers


async def test_a_note_is_marked_sending_until_a_relay_accepts_it(tmp_path: Path) -> None:
    release = asyncio.Event()

    async def holds(relay: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            await send_json(ws, ["EOSE", frame[1]])
        elif frame[0] == "EVENT":
            await release.wait()
            await send_json(ws, ["OK", frame[1]["id"], True, ""])

    try:
        async with Hostile(holds) as held:
            keystore_with(tmp_path / "data", SecretKey.generate())
            app = NostrApp(load_config(write_config(tmp_path, [held.url])), prompt=lambda text, confirm: PASSPHRASE)
            async with app.run_test(size=(110, 34)) as pilot:
                await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
                home = app.screen.query_one("#feed-home-list", NoteList)
                await pilot.press("c", *"held by the relay", "ctrl+s")
                await wait_for(pilot, lambda: home.item_count() == 1 and "sending…" in screen_text(home))
                assert "held by the relay" in screen_text(home)
                release.set()
                await wait_for(pilot, lambda: "sending…" not in screen_text(home))
                assert "held by the relay" in screen_text(home)
    finally:
        release.set()


async def test_a_reply_in_the_thread_redraws_the_count_and_the_branch_of_the_note_it_answers() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_home(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and bool(app.screen.query(ThreadView)))
        view = app.screen.query_one(ThreadView)
        await wait_for(pilot, lambda: view.item_count() >= 13)
        await pilot.press("j")  # lena's reply, answered by diego (her only reply so far)
        target = view.selected_row
        assert target is not None and target.item.author.name == "lena" and target.child_count == 1
        replies = target.item.counts.replies
        shown = screen_text(view)
        assert f"💬 {replies}  ♥" in shown and "└─ diego" in shown
        await pilot.press("r", *"one more answer", "ctrl+s")
        await wait_for(pilot, lambda: any(view.row(i).item.event.content == "one more answer"
                                          for i in range(view.item_count())))
        # What is drawn follows: lena's count, and diego is no longer her last reply.
        await wait_for(pilot, lambda: f"💬 {replies + 1}  ♥" in screen_text(view))
        await wait_for(pilot, lambda: "├─ diego" in screen_text(view))


async def test_while_typing_the_footer_does_not_offer_the_react_key_and_plus_is_text() -> None:
    from textual.widgets._footer import FooterKey

    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(110, 40)) as pilot:
        home = await demo_home(pilot, app)
        offered = lambda: {k.action for k in app.screen.query(FooterKey)}  # noqa: E731
        await wait_for(pilot, lambda: "react" in offered())
        before = home.item(0).counts
        pane = app.screen.query_one(Compose)
        await pilot.press("c")
        await wait_for(pilot, lambda: pane.display and "send" in offered())
        assert "react" not in offered()
        await pilot.press(*"1+1")
        await wait_for(pilot, lambda: pane.text == "1+1")
        assert home.item(0).counts == before and app.screen is home.screen  # no reaction asked for
        await pilot.press("escape")
        await wait_for(pilot, lambda: not pane.display and "react" in offered())
