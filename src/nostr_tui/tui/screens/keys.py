"""Accounts: the active one, generate, import, switch, export npub."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ...client import ClientError
from ..messages import AccountSwitched
from ..widgets.nav_table import NavTable
from ..widgets.status_bar import StatusBar
from .welcome import WelcomeScreen

if TYPE_CHECKING:
    from ..app import NostrApp


class KeysScreen(Screen[None]):
    """Enter switches account; g generates, i imports, e shows the npub (copied to the clipboard)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="keys.back"),
        Binding("enter", "use", "Switch to", id="keys.use"),
        Binding("g,i", "add", "Generate/import", id="keys.add"),
        Binding("e", "export", "Export npub", id="keys.export"),
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
        table.clear()
        for acc in self.nostr.client.session.accounts():
            table.add_row("●" if acc.active else "", acc.name, acc.npub,
                          "read only: log in with a key to reply" if acc.read_only else "encrypted (NIP-49)",
                          key=acc.name)
        if not table.row_count:
            self.query_one("#keys-note", Static).update("No account yet: press g to generate or import one.")

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()

    @work(exit_on_error=False)
    async def action_use(self) -> None:
        """Make the selected account active."""
        name = self._selected()
        if name is None:
            return
        try:
            await self.nostr.client.session.use(name)
        except ClientError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.nostr.update_status()
        self.refresh_table()
        self.notify(f"Now using {name}. Feeds reload when you go back.", markup=False)

    def action_add(self) -> None:
        """The generate/import choices."""
        self.app.push_screen(WelcomeScreen(), lambda _: self.refresh_table())

    def action_export(self) -> None:
        """Show the npub and copy it."""
        name = self._selected()
        if name is None:
            return
        npub = self.nostr.client.session.account(name).npub
        self.app.copy_to_clipboard(npub)
        self.query_one("#keys-note", Static).update(f"{name}: {npub} (copied)")

    def on_account_switched(self, message: AccountSwitched) -> None:
        """The active mark follows a switch made anywhere (the palette included)."""
        self.refresh_table()
