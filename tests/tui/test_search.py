"""Search covers people as well as notes ("Morning Missive" finds the author), from the palette and the search
screen; a broken npub or note string in the palette says it is invalid instead of becoming a text search."""

from __future__ import annotations

from typing import Any

from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input

from nostr_tui.config import Config
from nostr_tui.demo import demo_identities
from nostr_tui.protocol import nip19
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.profile import ProfileScreen
from nostr_tui.tui.screens.search import SearchScreen
from nostr_tui.tui.widgets.note_list import NoteList

from .apps import wait_for


def missive() -> str:
    return next(i.pubkey for i in demo_identities() if i.display_name == "China Morning Missive")


async def palette(pilot: Any, text: str, expect: str) -> list[str]:
    """Type `text` into the command palette; the options it offers once one of them contains `expect`."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette) and isinstance(app.focused, Input))
    await pilot.press(*text)

    def options() -> list[str]:
        if not isinstance(app.screen, CommandPalette):
            return []
        return [str(o.prompt) for o in app.screen.query_one(CommandList).options]

    await wait_for(pilot, lambda: any(expect in o for o in options()))
    return options()


async def started(pilot: Any, app: NostrApp) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
    home = app.screen.query_one("#feed-home-list", NoteList)
    await wait_for(pilot, lambda: home.item_count() > 20)


async def test_the_palette_finds_a_person_by_their_display_name_and_opens_the_profile() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        options = await palette(pilot, "Morning Missive", "Open profile missive")
        assert options and "Open profile missive · desk@morningmissive.example" in options[0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        assert app.screen.pubkey == missive()


async def test_the_search_screen_lists_people_first_then_notes() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        app.open_search("Morning Missive")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen) and bool(app.screen.query("#search-people")))
        people = app.screen.query_one("#search-people", DataTable)
        await wait_for(pilot, lambda: people.row_count >= 1)
        assert str(people.get_row_at(0)[0]) == "missive"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        assert app.screen.pubkey == missive()


async def test_a_broken_reference_in_the_palette_says_it_is_invalid() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        good = nip19.npub_encode(missive())
        broken = good[:-1] + ("q" if good[-1] != "q" else "p")  # one character off: the checksum fails
        options = await palette(pilot, broken, "Not a valid npub:")
        assert options and options[0].startswith("Not a valid npub:")
        assert not any("Search the local store" in o for o in options)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))
        options = await palette(pilot, "note1nothingofthesort", "Not a valid note id:")
        assert options and options[0].startswith("Not a valid note id:")
