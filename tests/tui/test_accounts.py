"""The accounts screen (K): Enter switches, the active mark follows any switch, e says which npub it copied."""

from __future__ import annotations

from typing import Any

from textual.command import CommandPalette
from textual.widgets import DataTable, Input, Static

from nostr_tui.config import Config
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.keys import KeysScreen
from nostr_tui.tui.widgets.note_list import NoteList
from nostr_tui.tui.widgets.status_bar import StatusBar

from .apps import wait_for
from .test_app_screens import first_command


async def open_accounts(pilot: Any, app: NostrApp) -> Any:
    await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
    await app.client.session.generate("second")
    await pilot.press("K")
    await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
    table = app.screen.query_one(DataTable)
    await wait_for(pilot, lambda: table.row_count == 2)
    return table


def active_mark(table: Any) -> list[str]:
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count) if table.get_row_at(i)[0] == "●"]


async def test_enter_switches_to_the_account_under_the_cursor() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_accounts(pilot, app)
        assert active_mark(table) == ["demo"]
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: app.client.session.account_name == "second")
        await wait_for(pilot, lambda: active_mark(table) == ["second"])
        assert table.cursor_row == 1  # the cursor stays where it was
        bar = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: bar.account == "second")


async def test_the_active_mark_follows_a_switch_made_from_the_palette() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_accounts(pilot, app)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette) and isinstance(app.focused, Input))
        await pilot.press(*"second")
        await wait_for(pilot, lambda: "second" in first_command(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.client.session.account_name == "second")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen) and active_mark(table) == ["second"])


async def test_e_copies_the_npub_of_the_account_under_the_cursor_and_says_which() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_accounts(pilot, app)
        note = app.screen.query_one("#keys-note", Static)
        await pilot.press("e")
        demo = app.client.session.account("demo")
        await wait_for(pilot, lambda: app.clipboard == demo.npub)
        assert "Copied the npub of demo (the active account)" in str(note.render())
        await pilot.press("j", "e")
        second = app.client.session.account("second")
        await wait_for(pilot, lambda: app.clipboard == second.npub)
        shown = str(note.render())
        assert "Copied the npub of second (not the active account" in shown and second.npub in shown
        assert app.client.session.account_name == "demo"  # copying does not switch


async def test_at_80_columns_every_column_of_the_accounts_table_fits() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_accounts(pilot, app)
        await pilot.pause()
        lines = [table.render_line(y).text for y in range(table.size.height)]
        shown = "\n".join(lines)
        demo = app.client.session.account("demo")
        assert "encrypted (NIP-49)" in shown  # the last column is not cut off
        assert f"{demo.npub[:13]}…{demo.npub[-6:]}" in shown
        await pilot.press("e")  # the whole npub is still what e copies, and shown below
        await wait_for(pilot, lambda: app.clipboard == demo.npub)


async def test_p_opens_the_accounts_profile_where_e_edits_it_and_the_editor_fits_80x24() -> None:
    from nostr_tui.tui.screens.profile import ProfileScreen
    from nostr_tui.tui.screens.profile_edit import ProfileEditor

    from .test_small_terminal import fits

    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_accounts(pilot, app)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        assert app.screen.pubkey == app.client.session.pubkey  # the active account's (the cursor's row)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileEditor) and bool(app.screen.query(".dialog")))
        await wait_for(pilot, lambda: app.screen.query_one(".dialog").region.area > 0)
        fits(app, may_scroll=True)  # seven fields: at 80x24 the editor scrolls rather than clip
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))


async def test_your_own_profile_offers_editing_and_not_following_or_muting_yourself() -> None:
    from textual.widgets._footer import FooterKey

    from nostr_tui.tui.screens.profile import ProfileScreen

    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_accounts(pilot, app)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        offered = lambda: {k.action for k in app.screen.query(FooterKey)}  # noqa: E731
        await wait_for(pilot, lambda: "edit" in offered())
        assert "follow" not in offered() and "mute_person" not in offered()
        card = app.screen.query_one("#profile-card", Static)
        await wait_for(pilot, lambda: "Your profile · e to edit it" in str(card.render()))
        assert "follow" not in str(card.render())
        await pilot.press("f", "m")  # nothing to confirm: you do not follow or mute yourself
        assert isinstance(app.screen, ProfileScreen)
