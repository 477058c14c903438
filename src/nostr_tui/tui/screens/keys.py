"""Accounts: the active one, generate, import, switch, export npub."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ..messages import AccountSwitched
from ..safe_text import single_line
from ..widgets.nav_table import NavTable
from ..widgets.status_bar import StatusBar
from .welcome import WelcomeScreen

if TYPE_CHECKING:
    from ..app import NostrApp


WHOLE_NPUB_WIDTH = 120
"""Terminal columns from which the table shows each npub whole."""


class KeysScreen(Screen[None]):
    """Enter switches to the account under the cursor; g generates, i imports, e copies its npub, p opens its
    profile."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="keys.back"),
        Binding("enter", "use", "Switch to", id="keys.use", priority=True),  # the table would take Enter
        Binding("g,i", "add", "Generate/import", id="keys.add", priority=True),  # the next key reaches its choices
        Binding("e", "export", "Copy npub", id="keys.export"),
        Binding("p", "profile", "Profile", id="keys.profile"),
    ]

    @property
    def nostr(self) -> NostrApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavTable(id="keys-table", cursor_type="row")
        yield Static("", id="keys-note")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for col in ("", "name", "npub", "key"):
            table.add_column(col, key=col or "active")
        self.refresh_table()
        table.focus()

    def refresh_table(self) -> None:
        """One row per account."""
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        whole = self.app.size.width >= WHOLE_NPUB_WIDTH  # narrower: npub1abcdefgh…uvwxyz (e copies it whole)
        for acc in self.nostr.client.session.accounts():
            npub = acc.npub if whole else f"{acc.npub[:13]}…{acc.npub[-6:]}"
            table.add_row("●" if acc.active else "", single_line(acc.name, 24), npub,
                          "read only: log in with a key to reply" if acc.read_only else "encrypted (NIP-49)",
                          key=acc.name)
        if not table.row_count:
            self.query_one("#keys-note", Static).update("No account yet: press g to generate or import one.")
        else:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def on_resize(self) -> None:
        """The npubs are shown whole only where the columns fit."""
        self.refresh_table()

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()

    def action_use(self) -> None:
        """Make the selected account active."""
        name = self._selected()
        if name is not None:
            self.nostr.switch_account(name)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row (the table takes Enter itself): switch to that account."""
        event.stop()
        self.action_use()

    def action_profile(self) -> None:
        """The profile of the account under the cursor (the active account's can be edited there with e)."""
        name = self._selected()
        if name is not None:
            self.nostr.open_profile(self.nostr.client.session.account(name).pubkey)

    def action_add(self) -> None:
        """The generate/import choices."""
        self.app.push_screen(WelcomeScreen(), lambda _: self.refresh_table())

    def action_export(self) -> None:
        """Copy the npub of the account under the cursor, saying which account it is."""
        name = self._selected()
        if name is None:
            return
        account = self.nostr.client.session.account(name)
        self.app.copy_to_clipboard(account.npub)
        which = "the active account" if account.active else "not the active account; Enter switches to it"
        self.query_one("#keys-note", Static).update(
            Text(f"Copied the npub of {single_line(name, 40)} ({which}):\n{account.npub}"))
        self.notify(f"Copied the npub of {name}.", markup=False)

    def on_account_switched(self, message: AccountSwitched) -> None:
        """The active mark follows a switch made anywhere (the palette included)."""
        self.refresh_table()
