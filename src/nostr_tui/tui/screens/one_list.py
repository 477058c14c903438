"""A heading over one list of notes and the compose pane: the base of the profile and search screens."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from ..widgets.compose import Compose
from ..widgets.note_base import NoteListBase
from ..widgets.note_list import NoteList
from ..widgets.status_bar import StatusBar
from .base import NoteScreen


class OneListScreen(NoteScreen):
    """A heading over one list of notes and the compose pane (a profile, search results)."""

    LIST_ID = "notes"

    def heading(self) -> Static:
        """The widget above the list."""
        raise NotImplementedError

    async def fill(self) -> None:
        """Fill the heading and the list (runs in a worker)."""
        raise NotImplementedError

    def load(self) -> None:
        """(Re)fill in the background."""
        self.run_worker(self.fill(), exit_on_error=False, exclusive=True, group="fill")

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.heading()
        app = self.nostr
        lst = NoteList(id=self.LIST_ID, names=app.name_for, followed_names=app.followed_names(), clock=app.clock,
                       max_width=app.config.ui.max_width, pending=app.pending_label)
        lst.cw_hint = self.cw_hint()
        yield lst
        yield self.make_compose()
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Compose).display = False
        self.query_one(NoteList).focus()
        self.load()

    def note_list(self) -> NoteListBase | None:
        return self.query_one(NoteList)

    def action_back(self) -> None:
        """Back (Esc closes the compose pane first)."""
        if not self.query_one(Compose).display:
            self.app.pop_screen()
