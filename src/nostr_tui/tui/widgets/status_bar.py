"""The status bar: active account, relays connected out of configured, unsent notes."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..safe_text import single_line


class StatusBar(Widget):
    """One line: `alice · relays 2/3 connected · 1 unsent · 1 note pending on 2 relays (O)`: `unsent` notes no
    relay accepted, `partial` ones some relays did (still pending on `pending_relays`). It redraws itself."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        dock: bottom;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    StatusBar.-offline { color: $warning; }
    """

    account: reactive[str] = reactive("")
    read_only: reactive[bool] = reactive(False)
    relays_connected: reactive[int] = reactive(0)
    relays_total: reactive[int] = reactive(0)
    unsent: reactive[int] = reactive(0)
    partial: reactive[int] = reactive(0)
    pending_relays: reactive[int] = reactive(0)

    def set_relays(self, connected: int, total: int) -> None:
        """How many relays are connected out of how many are configured."""
        self.relays_connected, self.relays_total = connected, total

    def watch_relays_connected(self, value: int) -> None:
        """Mark the bar when no relay is connected."""
        self.set_class(value == 0, "-offline")

    def render(self) -> Text:
        """The bar's text (names are made inert, never read as markup)."""
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        name = single_line(self.account, 40) if self.account else "no account"
        text.append(name, style="bold")
        if self.read_only:
            text.append(" (read-only)")
        text.append(f" · relays {self.relays_connected}/{self.relays_total} connected")
        if self.unsent:
            text.append(f" · {self.unsent} unsent", style="bold")
        if self.partial:
            notes = f"{self.partial} note{'s' if self.partial != 1 else ''}"
            relays = f"{self.pending_relays} relay{'s' if self.pending_relays != 1 else ''}"
            text.append(f" · {notes} pending on {relays}")
        if self.unsent or self.partial:
            text.append(" (O)", style="dim")
        return text
