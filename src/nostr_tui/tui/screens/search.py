"""Results of a full-text search over the local store."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Static

from ..safe_text import single_line
from ..widgets.note_list import NoteList
from .base import OneListScreen


class SearchScreen(OneListScreen):
    """Notes in the store containing every word searched for, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="search.back")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    LIST_ID = "search-list"

    def heading(self) -> Static:
        return Static(Text(f"Search: {single_line(self.text, 60)}"), id="search-title")

    async def fill(self) -> None:
        """Query the store's full-text index."""
        items = await self.nostr.client.search.notes(self.text, limit=200)
        self.query_one(NoteList).set_items(items)
        self.query_one("#search-title", Static).update(
            Text(f"Search: {single_line(self.text, 60)} · {len(items)} notes in the local store"))
