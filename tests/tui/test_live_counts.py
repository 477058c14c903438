"""Counts follow what happens: after a reaction, a repost or a reply every row of that note (the note and its
reposts, in every tab and in the thread) shows the new counts, and "(you)" marks what the reader did."""

from __future__ import annotations

from typing import Any

from nostr_tui.client import NoteItem
from nostr_tui.config import Config
from nostr_tui.demo import seed_thread
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.modals import ConfirmModal
from nostr_tui.tui.screens.thread import ThreadScreen
from nostr_tui.tui.widgets.note_list import NoteList
from nostr_tui.tui.widgets.thread_view import ThreadView

from .apps import screen_text, wait_for


def rows_of(lst: NoteList, note_id: str) -> list[NoteItem]:
    return [lst.item(i) for i in range(lst.item_count()) if lst.item(i).event.id == note_id]


async def confirm(pilot: Any, app: NostrApp, key: str) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
    await pilot.press("y")


async def test_a_reaction_and_a_repost_update_every_row_of_the_note_in_every_tab_and_the_thread() -> None:
    quote = seed_thread().quote
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        feed = app.screen
        home = feed.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 20)
        await pilot.press("3")  # Global holds the quote note itself (reposts are not in it)
        global_ = feed.query_one("#feed-global-list", NoteList)
        await wait_for(pilot, lambda: len(rows_of(global_, quote)) == 1)
        await pilot.press("1")

        def both_reposts() -> bool:  # the two reposts of the quote: page until both are loaded
            if len(rows_of(home, quote)) >= 2:
                return True
            home.action_last()
            return False

        await wait_for(pilot, both_reposts)
        before = rows_of(home, quote)[0].counts
        assert not before.reacted and not before.reposted

        # In the thread: + on the quote (the focus row).
        home.move_cursor(0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and bool(app.screen.query(ThreadView)))
        view = app.screen.query_one(ThreadView)
        await wait_for(pilot, lambda: view.item_count() >= 13)
        assert view.selected_item is not None and view.selected_item.event.id == quote
        await confirm(pilot, app, "plus")
        await wait_for(pilot, lambda: view.selected_item is not None and view.selected_item.counts.reacted)
        assert view.selected_item is not None
        assert view.selected_item.counts.reactions == before.reactions + 1
        assert "(you)" in screen_text(view)
        # ... and the feed under it: both reposts of the quote in Home, the quote in Global.
        for row in [*rows_of(home, quote), *rows_of(global_, quote)]:
            assert row.counts.reactions == before.reactions + 1 and row.counts.reacted

        # t on the quote, back in the feed: every row counts one more repost, marked as yours.
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is feed)
        home.move_cursor(0)
        await confirm(pilot, app, "t")
        await wait_for(pilot, lambda: all(r.counts.reposted for r in rows_of(global_, quote)))
        for row in [*rows_of(home, quote), *rows_of(global_, quote)]:
            assert row.counts.reposts == before.reposts + 1 and row.counts.reacted
        home.move_cursor(0)
        await wait_for(pilot, lambda: screen_text(home).count("(you)") >= 2)  # ♥ n (you)  ↻ n (you)


async def test_a_reply_counts_at_once_on_the_note_replied_to_in_the_feed_and_the_thread() -> None:
    discussion = seed_thread().discussion
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 20)
        target = next(i for i in range(home.item_count()) if home.item(i).event.id == discussion[-1])
        before = home.item(target).counts.replies
        home.move_cursor(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and bool(app.screen.query(ThreadView)))
        view = app.screen.query_one(ThreadView)
        await wait_for(pilot, lambda: view.item_count() >= 13)
        await pilot.press("r", *"a reply that counts", "ctrl+s")
        await wait_for(pilot, lambda: any(view.row(i).item.event.id == discussion[-1]
                                          and view.row(i).item.counts.replies == before + 1
                                          for i in range(view.item_count())))
        await wait_for(pilot, lambda: rows_of(home, discussion[-1])[0].counts.replies == before + 1)
