"""On a wide terminal note text keeps a readable width ([ui] max_width, default 100 columns)."""

from __future__ import annotations

from rich.cells import cell_len

from nostr_tui.config import Config, UiConfig
from nostr_tui.demo import seed_thread
from nostr_tui.protocol import nip19
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.thread import ThreadScreen
from nostr_tui.tui.widgets.note_list import NoteList
from nostr_tui.tui.widgets.thread_view import ThreadView

from .apps import screen_lines, wait_for

GUTTER = 2


def widest(lines: list[str]) -> int:
    return max(cell_len(line.rstrip()) for line in lines)


def widest_text(lines: list[str]) -> int:
    """The widest line of text, without the cursor gutter and the thread's tree guides."""
    return max(cell_len(line.rstrip().lstrip(" ▌│├└─")) for line in lines)


async def test_note_text_wraps_at_100_columns_on_a_200_column_terminal() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 20)
        await wait_for(pilot, lambda: widest(screen_lines(home)) > 90)  # long notes do use the width they have
        assert widest(screen_lines(home)) <= GUTTER + 100

        app.open_thread(nip19.note_encode(seed_thread().quote))
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and bool(app.screen.query(ThreadView)))
        view = app.screen.query_one(ThreadView)
        await wait_for(pilot, lambda: view.item_count() >= 13)
        await wait_for(pilot, lambda: widest_text(screen_lines(view)) > 90)
        assert widest_text(screen_lines(view)) <= 100


async def test_a_configured_width_of_0_uses_the_whole_terminal() -> None:
    app = NostrApp(Config(relays=(), ui=UiConfig(max_width=0)), demo=True)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 20)
        app.open_thread(nip19.note_encode(seed_thread().quote))
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and bool(app.screen.query(ThreadView)))
        view = app.screen.query_one(ThreadView)
        await wait_for(pilot, lambda: view.item_count() >= 13)
        await wait_for(pilot, lambda: widest_text(screen_lines(view)) > 150)  # the quote's lines fill the terminal
