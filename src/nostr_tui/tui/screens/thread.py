"""The thread screen: the whole conversation as a tree, the opened note highlighted."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from ...client import BadReference, Sending, ThreadRow
from ..messages import ListsUpdated, ThreadChanged
from ..widgets.note_base import NoteListBase, NoteOpened
from ..widgets.status_bar import StatusBar
from ..widgets.thread_view import ThreadView
from .base import NoteScreen


class ThreadScreen(NoteScreen):
    """Ancestors above the opened note, replies below; h parent, H root, space collapse, Q quoted note."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="thread.back"),
        Binding("Q", "open_quoted", "Open quoted", id="thread.open_quoted"),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.focus_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the thread…", id="thread-status")
        app = self.nostr
        yield ThreadView(id="thread", names=app.name_for, followed_names=app.followed_names(), clock=app.clock)
        yield self.make_compose()
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#compose").display = False
        self.query_one(ThreadView).focus()
        self.load()

    def note_list(self) -> NoteListBase | None:
        return self.query_one(ThreadView)

    @work(exit_on_error=False)
    async def load(self) -> None:
        """Rows from the store now; the relays' answer comes as ThreadUpdated."""
        try:
            rows = await self.nostr.client.threads.open(self.ref)
        except BadReference as exc:
            self.query_one("#thread-status", Static).update(str(exc))
            return
        focus = next((r for r in rows if r.is_focus), None)
        self.focus_id = focus.item.event.id if focus else None
        self._show(rows, fetching=True)

    def _show(self, rows: list[ThreadRow], fetching: bool) -> None:
        status = self.query_one("#thread-status", Static)
        if rows:
            self.query_one(ThreadView).set_rows(rows)
            status.update(f"{len(rows)} notes" + (" · asking relays for more…" if fetching else ""))
        else:
            status.update("Not in the cache yet · asking relays…" if fetching else "This note was not found.")

    def on_lists_updated(self, message: ListsUpdated) -> None:
        """A mute takes effect at once: the tree is built again without the muted notes."""
        self.load()

    def on_thread_changed(self, message: ThreadChanged) -> None:
        """The relays' answer: the fuller tree."""
        event = message.event
        if self.focus_id is None or event.focus_id == self.focus_id or self.ref.endswith(event.focus_id):
            self.focus_id = event.focus_id
            self._show(list(event.rows), fetching=False)

    def after_send(self, sending: Sending) -> None:
        """Show the reply in the tree at once (it is in the store already)."""
        self.load()

    def on_note_opened(self, message: NoteOpened) -> None:
        """Enter on another note opens the thread around it."""
        if message.item.event.id != self.focus_id:
            self.nostr.open_thread(message.item.event.id)

    def on_thread_view_open_quoted(self, message: ThreadView.OpenQuoted) -> None:
        """Open the quoted note's thread."""
        self.nostr.open_thread(message.quoted.event.id)

    def action_open_quoted(self) -> None:
        """Open the note quoted by the selected note."""
        self.query_one(ThreadView).action_open_quoted()

    def action_back(self) -> None:
        """Back to where the thread was opened from."""
        if self.query_one("#compose").display:
            return
        self.app.pop_screen()
