"""The whole app as a newcomer uses it: --demo against a real seeded relay, driven through its keys."""

from __future__ import annotations

import asyncio
import sys

from nostr_tui.config import Config
from nostr_tui.demo import seed_thread
from nostr_tui.protocol import nip19
from nostr_tui.tui.app import SWITCH_INTERVAL, NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.thread import ThreadScreen
from nostr_tui.tui.widgets.compose import Compose
from nostr_tui.tui.widgets.note_list import NoteList
from nostr_tui.tui.widgets.thread_view import ThreadView

from .apps import screen_text, wait_for


async def test_the_demo_opens_on_the_seed_thread_and_enter_opens_its_discussion() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 20)
        await wait_for(pilot, lambda: "Remember when China" in screen_text(home))
        first_screen = screen_text(home)
        # No id to know, no word to guess: the quote note is there, with the Missive it quotes.
        assert "Remember when China just used to copy everything?" in first_screen
        assert "For those following the pitched battle over AI" in first_screen
        thread = seed_thread()
        assert home.selected_item is not None and home.selected_item.event.id == thread.quote

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and bool(app.screen.query(ThreadView)))
        view = app.screen.query_one(ThreadView)
        await wait_for(pilot, lambda: view.item_count() >= 13)
        rows = [view.row(i) for i in range(view.item_count())]
        assert rows[0].item.event.id == thread.quote and rows[0].is_focus
        assert {r.item.event.id for r in rows[1:]} >= set(thread.discussion)
        assert max(r.depth for r in rows) >= 2  # a tree, not a flat list


async def test_the_app_takes_the_interpreter_in_short_turns_and_gives_the_interval_back() -> None:
    # Under a flood the store's writer and the event loop share the GIL: with Python's 5 ms turns key presses
    # wait behind the writer's (benchmarks/bench_flood.py measures it). A process that runs the app, then
    # something else, gets its own interval back.
    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        assert sys.getswitchinterval() == SWITCH_INTERVAL
    assert sys.getswitchinterval() == before


async def test_demo_feed_thread_and_reply(demo_port_held: int) -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        assert app.demo_relay.port != demo_port_held  # the preferred port was taken: the demo chose another
        feed = app.screen
        home = feed.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 20)
        assert app.client.session.account_name == "demo" and not app.client.session.read_only

        # The seed thread opens from the palette's reference handling, as a tree under the quote.
        quote_id = seed_thread().quote
        app.open_thread(nip19.note_encode(quote_id))
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and bool(app.screen.query(ThreadView)))
        view = app.screen.query_one(ThreadView)
        await wait_for(pilot, lambda: view.item_count() >= 13)
        rows = [view.row(i) for i in range(view.item_count())]
        focus = next(r for r in rows if r.is_focus)
        assert focus.item.event.id == quote_id and focus.depth == 0
        assert any(r.depth == 2 for r in rows)  # "And the Americans have forgotten it." under its parent
        before = view.item_count()

        # r replies to the selected note; ctrl+s sends; the reply appears in the thread.
        await pilot.press("j", "r")
        await pilot.press(*"from a terminal")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: view.item_count() == before + 1)
        me = app.client.session.pubkey
        mine = [view.row(i) for i in range(view.item_count()) if view.row(i).item.event.pubkey == me]
        assert [r.item.event.content for r in mine] == ["from a terminal"]
        assert mine[0].depth >= 1

        # Esc goes back to the feed.
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))


async def test_draft_is_saved_as_typed_and_comes_back() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 0)
        target = home.selected_item
        assert target is not None
        await pilot.press("r")
        await pilot.press(*"half a thought")
        key = f"reply:{target.event.id}"

        async def saved() -> str | None:
            return await app.client.drafts.get(key) or None

        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        while await saved() != "half a thought":
            assert loop.time() < end, "the draft was not saved while typing"
            await pilot.pause(0.1)
        # Esc closes the pane; r on the same note brings the text back.
        await pilot.press("escape")
        await pilot.press("r")
        pane = app.screen.query_one(Compose)
        await wait_for(pilot, lambda: pane.text == "half a thought")
