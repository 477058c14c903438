"""The outbox: every event not yet accepted everywhere it should go, each relay's state, retry, discard, copy."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ...client import ClientError, DeliveryState, OutboxItem, RelayState, RelayStatus
from ..messages import OutboxCount, PublishReceipt, RelayChanged
from ..safe_text import clean_text, single_line
from ..widgets.nav_table import NavTable
from ..widgets.note_render import relative_time
from ..widgets.status_bar import StatusBar
from .modals import ConfirmModal

if TYPE_CHECKING:
    from ..app import NostrApp

KIND_NAMES = {0: "profile", 1: "note", 3: "follow list", 5: "deletion", 6: "repost", 7: "reaction",
              10000: "mute list", 10002: "relay list"}
DOWN = (RelayState.WAITING, RelayState.FAILED, RelayState.DISCONNECTED, RelayState.CLOSED)


def delivery_text(d: DeliveryState, relay: RelayStatus | None, now: float) -> tuple[str, str, str]:
    """(mark, state, style) of one relay's delivery: accepted, rejected with the reason, unreachable, waiting
    to retry, being sent."""
    if d.state == "accepted":
        return "✓", "accepted", "green"
    if d.state == "rejected":
        return "✗", f"rejected: {single_line(d.message, 100) or 'no reason given'}", "red"
    tries = f"tried {d.attempts} time{'s' if d.attempts != 1 else ''}" if d.attempts else "not tried yet"
    if relay is None or relay.state in DOWN:
        why = single_line(relay.reason, 60) if relay is not None and relay.reason else "not connected"
        again = ""
        if relay is not None and relay.state is RelayState.WAITING and relay.next_retry_at:
            again = f"; reconnecting in {max(0, int(relay.next_retry_at - now))}s"
        return "⨯", f"unreachable: {why} ({tries}{again})", "red"
    if relay.state is RelayState.CONNECTING:
        return "…", f"waiting to retry: connecting ({tries})", "yellow"
    if d.attempts:
        return "…", f"waiting to retry: no answer yet ({tries}; r retries now)", "yellow"
    return "…", "sending", "yellow"


def summary(item: OutboxItem) -> str:
    """How an event stands overall: unsent, or accepted by some and pending on the others."""
    accepted = sum(1 for d in item.deliveries if d.state == "accepted")
    rejected = sum(1 for d in item.deliveries if d.state == "rejected")
    parts = ["unsent" if item.unsent else f"accepted by {accepted}"]
    if item.pending:
        parts.append(f"pending on {item.pending}")
    if rejected:
        parts.append(f"rejected by {rejected}")
    return ", ".join(parts)


class OutboxScreen(Screen[None]):
    """One row per waiting event; the relays' states of the one under the cursor below the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="outbox.back"),
        Binding("r", "retry", "Retry now", id="outbox.retry"),
        Binding("d", "discard", "Discard", id="outbox.discard"),
        Binding("y", "copy", "Copy text", id="outbox.copy"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[OutboxItem] = []

    @property
    def nostr(self) -> NostrApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="outbox-title")
        yield NavTable(id="outbox-table", cursor_type="row")
        yield Static("", id="outbox-detail")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for col in ("written", "what", "state"):
            table.add_column(col, key=col)
        self.reload()
        self.set_interval(1.0, self.show_detail)  # "reconnecting in Ns" counts down
        table.focus()

    @work(exit_on_error=False, exclusive=True, group="outbox")
    async def reload(self) -> None:
        """Read the outbox again and redraw."""
        try:
            self.items = await self.nostr.client.publisher.outbox()
        except ClientError as exc:
            self.query_one("#outbox-title", Static).update(Text(str(exc), style="red"))
            return
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        now = self.nostr.clock()
        for item in self.items:
            ev = item.event
            what = KIND_NAMES.get(ev.kind, f"kind {ev.kind}")
            text = single_line(clean_text(ev.content), 60) if ev.kind == 1 else ""
            table.add_row(relative_time(int(item.added_at), now), f"{what}: {text}" if text else what,
                          summary(item), key=ev.id)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        title = (f"{len(self.items)} waiting · r retry now · d discard · y copy the text"
                 if self.items else "Nothing waiting: every event you made was accepted by all of its relays.")
        self.query_one("#outbox-title", Static).update(title)
        self.show_detail()

    def selected(self) -> OutboxItem | None:
        """The event under the cursor."""
        table = self.query_one(DataTable)
        if not table.row_count or not 0 <= table.cursor_row < len(self.items):
            return None
        return self.items[table.cursor_row]

    def show_detail(self) -> None:
        """Each relay's state for the selected event."""
        item = self.selected()
        detail = self.query_one("#outbox-detail", Static)
        if item is None:
            detail.update("")
            return
        relays = {s.url: s for s in self.nostr.client.relays.status()}
        now = self.nostr.clock()
        t = Text(end="")
        for i, d in enumerate(item.deliveries):
            mark, state, style = delivery_text(d, relays.get(d.relay), now)
            if i:
                t.append("\n")
            t.append(f"{mark} ", style=style)
            t.append(single_line(d.relay, 60))
            t.append(f"  {state}", style=style)
        detail.update(t)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Follow the cursor."""
        self.show_detail()

    def on_outbox_count(self, message: OutboxCount) -> None:
        """The outbox changed."""
        self.reload()

    def on_publish_receipt(self, message: PublishReceipt) -> None:
        """A relay answered."""
        self.reload()

    def on_relay_changed(self, message: RelayChanged) -> None:
        """A relay came or went: its deliveries say so."""
        self.show_detail()

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()

    @work(exit_on_error=False, group="outbox-retry")
    async def action_retry(self) -> None:
        """Send the selected event again, now, to every relay that has not accepted it."""
        item = self.selected()
        if item is None:
            return
        self.notify("Trying again…", markup=False)
        try:
            await self.nostr.client.publisher.retry_now(item.event.id)
        except ClientError as exc:
            self.notify(str(exc), severity="error", markup=False)
        self.reload()

    def action_discard(self) -> None:
        """Take the selected event out of the outbox, after a confirmation."""
        item = self.selected()
        if item is None:
            return
        what = KIND_NAMES.get(item.event.kind, "event")
        question = (f"Discard this {what}? It is sent to no more relays ({summary(item)}); "
                    "relays that accepted it keep it.")

        async def answered(ok: bool | None) -> None:
            if ok:
                try:
                    await self.nostr.client.publisher.discard(item.event.id)
                except ClientError as exc:
                    self.notify(str(exc), severity="error", markup=False)
                self.reload()

        self.app.push_screen(ConfirmModal(question), answered)

    def action_copy(self) -> None:
        """Copy the selected event's text (to post it elsewhere, or keep it before discarding)."""
        item = self.selected()
        if item is None:
            return
        self.app.copy_to_clipboard(item.event.content)
        self.notify("Copied its text." if item.event.content else "It has no text; nothing was copied.",
                    markup=False)
