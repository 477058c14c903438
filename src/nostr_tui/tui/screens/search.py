"""Results of a search of the local store: the people whose name, display name or NIP-05 address matches, then
the notes containing every word."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from ...client import Author
from ..safe_text import short_npub, single_line
from ..widgets.nav_table import NavTable
from ..widgets.note_list import NoteList
from ..widgets.status_bar import StatusBar
from .one_list import OneListScreen

MAX_PEOPLE = 8


class SearchScreen(OneListScreen):
    """People first (Enter opens a profile), then notes newest first (Enter opens the thread); Tab moves
    between the two."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="search.back")]

    LIST_ID = "search-list"

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.people: list[Author] = []

    def heading(self) -> Static:
        return Static(Text(f"Search: {single_line(self.text, 60)}"), id="search-title")

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.heading()
        yield NavTable(id="search-people", cursor_type="row", show_header=False)
        lst = NoteList(id=self.LIST_ID, names=self.nostr.name_for, followed_names=self.nostr.followed_names(),
                       clock=self.nostr.clock, max_width=self.nostr.config.ui.max_width,
                       pending=self.nostr.pending_label)
        lst.cw_hint = self.cw_hint()
        yield lst
        yield self.make_compose()
        yield StatusBar(id="status")
        yield Footer()

    async def fill(self) -> None:
        """Query the store's full-text index for people and notes."""
        client = self.nostr.client
        self.people = await client.search.people(self.text, limit=MAX_PEOPLE)
        table = self.query_one("#search-people", DataTable)
        table.clear(columns=True)
        table.add_columns("name", "NIP-05", "npub")
        for author in self.people:
            table.add_row(single_line(author.name, 40), single_line(author.nip05 or "", 50),
                          short_npub(author.pubkey), key=author.pubkey)
        table.display = bool(self.people)
        items = await client.search.notes(self.text, limit=200)
        notes = self.query_one(NoteList)
        notes.empty_text = (f"No note in the local store contains “{single_line(self.text, 60)}”. The search "
                            "looks only at notes already fetched: open Global (3) or a profile to fetch more.")
        notes.set_items(items)
        people = f"{len(self.people)} {'person' if len(self.people) == 1 else 'people'}"
        self.query_one("#search-title", Static).update(
            Text(f"Search: {single_line(self.text, 60)} · {people} and {len(items)} notes in the local store"))
        (table if self.people else notes).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a person opens their profile."""
        event.stop()
        if event.row_key.value is not None:
            self.nostr.open_profile(str(event.row_key.value))
