"""Help: every key of the screen it was opened from, with its id for the config's [keymap]."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def bindings_table(screen: Screen[object]) -> Table:
    """Key, what it does, and the binding id, for every active binding of `screen`."""
    table = Table(title=Text("Keys (remap any of them in config.toml's [keymap] by id)"), expand=True)
    table.add_column("key", style="bold")
    table.add_column("does")
    table.add_column("id", style="dim")
    rows: dict[str, tuple[list[str], str, str]] = {}
    for key, active in screen.active_bindings.items():
        b = active.binding
        name = b.id or f"{b.action}:{b.description}"
        keys, _, _ = rows.setdefault(name, ([], b.description or b.action, b.id or ""))
        shown = screen.app.get_key_display(Binding(key, b.action))
        if shown not in keys:
            keys.append(shown)
    for keys, does, binding_id in rows.values():
        table.add_row(Text(", ".join(keys)), Text(does), Text(binding_id))
    return table


class HelpScreen(ModalScreen[None]):
    """A list of keys; Esc or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self.table = bindings_table(screen)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(self.table)

    def action_close(self) -> None:
        """Back."""
        self.dismiss(None)
