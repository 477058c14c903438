"""What NoteList and ThreadView share: note styles from CSS, the clock, the message for opening a note."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import tzinfo

from rich.style import Style
from textual.message import Message
from textual.widget import Widget

from ...client.models import NoteCounts, NoteItem
from ..safe_text import normalize_names
from .note_render import NameLookup, NoteContext, NoteStyles
from .virtual_list import VirtualList

Clock = Callable[[], float]
PendingLookup = Callable[[str], "str | None"]

NOTE_COMPONENTS = {
    "note--name",
    "note--verified",
    "note--marker",
    "note--time",
    "note--meta",
    "note--warning",
    "note--link",
    "note--mention",
    "note--quote",
    "note--mine",
    "note--pending",
}

NOTE_CSS = """
NoteListBase {
    & > .note--name { text-style: bold; color: $text; }
    & > .note--verified { color: $success; }
    & > .note--marker { color: $error; text-style: bold; }
    & > .note--time { color: $text-muted; }
    & > .note--meta { color: $text-muted; }
    & > .note--warning { color: $warning; }
    & > .note--link { color: $text-accent; text-style: underline; }
    & > .note--mention { color: $text-accent; }
    & > .note--quote { color: $text-muted; }
    & > .note--mine { color: $accent; text-style: bold; }
    & > .note--pending { color: $warning; text-style: italic; }
}
"""


class ItemMessage(Message):
    """A message about one note, sent by a NoteList or ThreadView; the screen decides what to do."""

    def __init__(self, widget: Widget, item: NoteItem) -> None:
        super().__init__()
        self.widget = widget
        self.item = item

    @property
    def control(self) -> Widget:
        """The list that sent the message."""
        return self.widget


class NoteOpened(ItemMessage):
    """Enter (or a double click) on a note: the screen opens it (its thread, or re-centres on it)."""


class NoteHighlighted(ItemMessage):
    """The cursor moved to another note (the screen may show or hide keys that depend on it)."""


class NoteListBase(VirtualList):
    """A VirtualList of notes: styles from CSS, the clock, follows and name lookup, the cursor note.

    The note actions (reply, react, profile, ...) are the screen's: it binds their keys and acts on
    `selected_item`. Subclasses define `selected_item`. `max_width` (columns, 0: none) keeps text lines
    readable on a wide terminal.
    """

    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | NOTE_COMPONENTS
    DEFAULT_CSS = NOTE_CSS

    def __init__(
        self,
        *,
        clock: Clock = time.time,
        followed_names: Iterable[str] = (),
        names: NameLookup | None = None,
        ascii: bool = False,
        tz: tzinfo | None = None,
        max_width: int = 0,
        pending: PendingLookup | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.max_width = max(0, max_width)
        self._pending_of = pending
        self.cw_hint = " — press Enter to show"  # how a hidden note says it can be shown (the screen's key)
        self._highlighted: str | None = None
        self._clock = clock
        self._followed = normalize_names(followed_names)
        self._names = names
        self._ascii = ascii
        self._tz = tz
        self._revealed: set[str] = set()

    @property
    def selected_item(self) -> NoteItem | None:
        """The note under the cursor (None when the list is empty)."""
        raise NotImplementedError

    def note_styles(self) -> NoteStyles:
        """The styles notes are drawn with, from this widget's component classes."""

        def get(name: str) -> Style:
            return self.get_component_rich_style(name, partial=True)

        return NoteStyles(
            name=get("note--name"),
            verified=get("note--verified"),
            marker=get("note--marker"),
            time=get("note--time"),
            meta=get("note--meta"),
            warning=get("note--warning"),
            link=get("note--link"),
            mention=get("note--mention"),
            quote=get("note--quote"),
            mine=get("note--mine"),
            pending=get("note--pending"),
        )

    def pending_label(self, item: NoteItem) -> str | None:
        """How far a note the reader just sent has got ("sending…"), None for every other note."""
        return self._pending_of(item.event.id) if self._pending_of is not None else None

    def cursor_moved(self) -> None:
        """Tell the screen when the cursor is on another note."""
        item = self.selected_item
        key = item.key if item is not None else None
        if key != self._highlighted:
            self._highlighted = key
            if item is not None:
                self.post_message(NoteHighlighted(self, item))

    def text_width(self, width: int) -> int:
        """The width a note's text is wrapped to in `width` cells: at most `max_width` (0: no limit)."""
        return min(width, self.max_width) if self.max_width else width

    def note_context(self) -> NoteContext:
        """Clock reading, follows and options for rendering notes now."""
        return NoteContext(
            now=self._clock(), followed_names=self._followed, ascii=self._ascii, names=self._names, tz=self._tz
        )

    def minute(self) -> int:
        """The current minute: part of every cache key, so relative times stay right."""
        return int(self._clock() // 60)

    def on_mount(self) -> None:
        """Refresh relative times while the list is shown."""
        self.set_interval(30, self.clear_cache_if_stale)
        self._minute_seen = self.minute()

    def clear_cache_if_stale(self) -> None:
        """Redraw when the minute changed (relative times move on)."""
        minute = self.minute()
        if minute != getattr(self, "_minute_seen", minute):
            self._minute_seen = minute
            self.invalidate()

    def set_followed_names(self, names: Iterable[str]) -> None:
        """The names of people followed, to mark others who use the same name."""
        self._followed = normalize_names(names)
        self.clear_cache()

    def toggle_content_warning(self) -> bool:
        """Show or hide the content behind the cursor note's warning; False when it has none."""
        item = self.selected_item
        if item is None or item.content_warning is None:
            return False
        if item.key in self._revealed:
            self._revealed.discard(item.key)
        else:
            self._revealed.add(item.key)
        self.invalidate()
        return True

    def is_revealed(self, item: NoteItem) -> bool:
        """Whether `item` has no hidden content (no warning, or its content was shown)."""
        return item.content_warning is None or item.key in self._revealed

    def set_counts(self, counts: Iterable[tuple[str, NoteCounts]]) -> None:
        """New counts for notes (by note id): every row of each note shows them (a note and its reposts)."""
        raise NotImplementedError

    def links(self, item: NoteItem) -> tuple[str, ...]:
        """The http(s) links in a note's content, in order, made inert (no control or bidi characters)."""
        from ..safe_text import clean_text
        from .note_render import content_pieces

        cleaned = clean_text(item.event.content)
        return tuple(text for kind, text, _ in content_pieces(cleaned) if kind == "url")

    def activate(self) -> None:
        """Enter: show content behind a warning, else open the note."""
        item = self.selected_item
        if item is None:
            return
        if not self.is_revealed(item):
            self._revealed.add(item.key)
            self.invalidate()
        else:
            self.post_message(NoteOpened(self, item))
