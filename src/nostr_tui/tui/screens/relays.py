"""Relays: live state, counters, last error, NIP-11 info; add, remove, toggle read/write."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ...client import RelayState
from ...config import ConfigError, validate_relay_url
from ..list_changes import run_change
from ..messages import RelayChanged
from ..safe_text import single_line
from ..widgets.nav_table import NavTable
from ..widgets.status_bar import StatusBar
from .modals import ConfirmModal, InputModal

if TYPE_CHECKING:
    from ..app import NostrApp

STATE_STYLE = {
    RelayState.CONNECTED: "green",
    RelayState.CONNECTING: "yellow",
    RelayState.WAITING: "yellow",
    RelayState.FAILED: "red",
    RelayState.DISCONNECTED: "red",
    RelayState.CLOSED: "dim",
}


class RelaysScreen(Screen[None]):
    """One row per relay; the table refreshes every second and on every state change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="relays.back"),
        # priority: the dialog opens as the key arrives, so a URL typed or pasted right after it goes into its
        # field, not to this screen's w, d and r; a confirmation (d, P) still waits for its own y
        Binding("a", "add", "Add", id="relays.add", priority=True),
        Binding("d", "remove", "Remove", id="relays.remove"),
        Binding("r", "toggle_flag('read')", "Toggle read", id="relays.toggle_read"),
        Binding("w", "toggle_flag('write')", "Toggle write", id="relays.toggle_write"),
        Binding("P", "publish", "Publish as my relay list", id="relays.publish"),
    ]

    @property
    def nostr(self) -> NostrApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavTable(id="relays-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="relay-detail")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for col in ("relay", "state", "r/w", "events", "dupes", "invalid", "notices", "ok rtt", "last error / info"):
            table.add_column(col, key=col)
        self.refresh_table()
        self.set_interval(1.0, self.refresh_table)
        table.focus()

    def refresh_table(self) -> None:
        """Redraw every row from the pool's status."""
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        now = self.nostr.clock()
        for st in self.nostr.client.relays.status():
            state = Text(st.state.value, style=STATE_STYLE.get(st.state, ""))
            if st.state is RelayState.WAITING and st.next_retry_at:
                state.append(f" (retry in {max(0, int(st.next_retry_at - now))}s)")
            s = st.stats
            rtt = f"{s.last_ok_rtt * 1000:.0f} ms" if s.last_ok_rtt is not None else "-"
            info = st.reason or (st.info.name if st.info is not None and st.info.name else "")
            table.add_row(
                single_line(st.url, 50), state, ("r" if st.read else "-") + ("w" if st.write else "-"),
                str(s.events), str(s.duplicates), str(s.invalid_total), str(s.notices), rtt,
                single_line(info, 60), key=st.url,
            )
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self.show_detail()

    def show_detail(self) -> None:
        """What is known of the selected relay: its last error, dropped frames by reason, NIP-11 info."""
        url = self._selected_url()
        st = next((s for s in self.nostr.client.relays.status() if s.url == url), None)
        detail = self.query_one("#relay-detail", Static)
        if st is None:
            detail.update("")
            return
        t = Text()
        t.append(single_line(st.url, 80), style="bold")
        if st.reason:
            t.append(f"\nlast error: {single_line(st.reason, 100)}", style="red")
        if st.stats.invalid:
            dropped = ", ".join(f"{single_line(r, 40)} ×{n}" for r, n in st.stats.invalid.most_common(5))
            t.append(f"\ndropped: {dropped}")
        info = st.info
        if info is None:
            t.append("\nNIP-11: no information document (yet)", style="dim")
        else:
            if info.name or info.description:
                t.append(f"\n{single_line(info.name or '', 40)}: {single_line(info.description or '', 100)}")
            if info.software:
                t.append(f"\nsoftware: {single_line(info.software, 60)} {single_line(info.version or '', 20)}")
            if info.supported_nips:
                t.append("\nNIPs: " + ", ".join(str(n) for n in info.supported_nips[:40]))
            lim = info.limitation
            flags = [name for name, on in (("login required", lim.auth_required),
                                           ("payment required", lim.payment_required),
                                           ("restricted writes", lim.restricted_writes)) if on]
            if flags:
                t.append("\n" + ", ".join(flags), style="yellow")
        detail.update(t)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Follow the cursor."""
        self.show_detail()

    def on_relay_changed(self, message: RelayChanged) -> None:
        """Any relay change redraws the table."""
        self.refresh_table()

    def _selected_url(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()

    def action_add(self) -> None:
        """Add a relay (read and write) for this session."""

        def added(url: str | None) -> None:
            if not url:
                return
            try:
                clean = validate_relay_url(url.strip())
            except ConfigError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            try:
                self.nostr.client.relays.add(clean, read=True, write=True)
            except (ConfigError, ValueError) as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.refresh_table()
            self.saved()

        self.app.push_screen(InputModal("Relay URL (wss://…):", placeholder="wss://"), added)

    def action_remove(self) -> None:
        """Remove the selected relay, after a confirmation."""
        url = self._selected_url()
        if url is None:
            return

        async def remove(ok: bool | None) -> None:
            if ok:
                try:
                    await self.nostr.client.relays.remove(url)
                except ConfigError as exc:
                    self.notify(str(exc), severity="error", markup=False)
                self.refresh_table()
                self.saved()

        self.app.push_screen(ConfirmModal(f"Remove {url}?"), remove)

    def action_toggle_flag(self, which: str) -> None:
        """Flip the read or write flag of the selected relay."""
        url = self._selected_url()
        relays = self.nostr.client.relays
        st = next((s for s in relays.status() if s.url == url), None)
        if st is None:
            return
        read, write = st.read, st.write
        if which == "read":
            read = not read
        else:
            write = not write
        try:
            relays.set_flags(st.url, read=read, write=write)
        except ConfigError as exc:
            self.notify(str(exc), severity="error", markup=False)
        self.refresh_table()
        self.saved()

    def saved(self) -> None:
        """Say where the change was kept, and offer to publish the relays as the user's NIP-65 list."""
        where = self.nostr.client.relays.saved_to
        kept = f"Saved to {where}." if where is not None else "Kept for this session (no config file)."
        self.notify(f"{kept} Press P to publish these relays as your relay list.", markup=False, timeout=8)

    def action_publish(self) -> None:
        """Publish the configured relays as the user's NIP-65 list (kind 10002), after a confirmation."""
        client = self.nostr.client
        wanted = client.relays.as_relay_list()
        listed = ", ".join(dict.fromkeys([*wanted.read, *wanted.write])) or "no relays"
        app = self.nostr

        async def publish() -> None:
            await run_change(app, lambda force: client.lists.publish_configured_relays(force=force),
                             done="Relay list published.")

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_worker(publish(), exit_on_error=False, group="publish")

        self.app.push_screen(ConfirmModal(f"Publish your relay list (NIP-65) as: {listed}? It is public."),
                             answered)
