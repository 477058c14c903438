"""Results of a full-text search over the local store."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from ...client.items import build_items
from ..safe_text import single_line
from ..widgets.note_base import NoteListBase
from ..widgets.note_list import NoteList
from ..widgets.status_bar import StatusBar
from .base import NoteScreen


class SearchScreen(NoteScreen):
    """Notes in the store containing every word searched for, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="search.back")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Search: {single_line(self.text, 60)}"), id="search-title")
        app = self.nostr
        yield NoteList(id="search-list", names=app.name_for, followed_names=app.followed_names(), clock=app.clock)
        yield self.make_compose()
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#compose").display = False
        self.query_one(NoteList).focus()
        self.load()

    def note_list(self) -> NoteListBase | None:
        return self.query_one(NoteList)

    @work(exit_on_error=False)
    async def load(self) -> None:
        """Query the store's full-text index."""
        client = self.nostr.client
        ctx = client.item_context()
        items = await client.db.read_cache(lambda c: build_items(c, c.search(self.text, kinds=[1], limit=200), ctx))
        self.query_one(NoteList).set_items(items)
        self.query_one("#search-title", Static).update(
            Text(f"Search: {single_line(self.text, 60)} · {len(items)} notes in the local store"))

    def on_note_list_opened(self, message: NoteList.Opened) -> None:
        """Enter opens the thread."""
        self.nostr.open_thread(message.item.event.id)

    def action_back(self) -> None:
        """Back."""
        if not self.query_one("#compose").display:
            self.app.pop_screen()
