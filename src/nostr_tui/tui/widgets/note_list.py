"""The feed: a virtualised list of notes with a cursor, held-back new notes and paging backwards."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import replace
from datetime import tzinfo

from rich.text import Text
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from ...client.models import NoteCounts, NoteItem
from .note_base import Clock, NoteListBase, PendingLookup
from .note_render import NameLookup, note_strips, to_strips

MAX_COUNTS = 10_000
"""Notes whose newer counts a list remembers at most."""
MAX_SHOWN_KEYS = 5000
"""How many of the newest notes shown a list remembers by key, to tell a late copy from a new note."""
MAX_KEPT = 2000
"""Rows a list keeps below the cursor and the view; older ones are let go (the store has them) and read
again, a page at a time, when the reader scrolls down to them."""


class NoteList(NoteListBase):
    """A feed of notes, newest first, that costs what is on screen however many notes it holds.

    `items` may be any sequence (a list, or a lazy sequence that reads a store page by page); the
    list indexes it and never walks it. Navigation keys are bound here (ids `list.*`); Enter posts
    NoteOpened; the screen binds the note actions and acts on `selected_item`.
    """

    COMPONENT_CLASSES = NoteListBase.COMPONENT_CLASSES | {"note-list--banner", "note-list--empty"}
    DEFAULT_CSS = """
    NoteList > .note-list--banner { background: $accent 30%; color: $text; text-style: bold; }
    NoteList > .note-list--empty { color: $text-muted; }
    """

    class NeedOlder(Message):
        """The cursor (or the view) is near the end: the owner may `append_older` the next page."""

        def __init__(self, widget: NoteList, oldest: NoteItem | None) -> None:
            super().__init__()
            self.widget = widget
            self.oldest = oldest

        @property
        def control(self) -> NoteList:
            """The list that asks."""
            return self.widget

    class NewShown(Message):
        """The held-back new notes were put on top (after `show_new`)."""

    def __init__(
        self,
        items: Sequence[NoteItem] = (),
        *,
        clock: Clock = time.time,
        followed_names: Iterable[str] = (),
        names: NameLookup | None = None,
        ascii: bool = False,
        tz: tzinfo | None = None,
        new_hint: str = "n / .",
        max_width: int = 0,
        pending: PendingLookup | None = None,
        near_end: int = 20,
        max_pending: int = 1000,
        max_kept: int = MAX_KEPT,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            clock=clock, followed_names=followed_names, names=names, ascii=ascii, tz=tz, max_width=max_width,
            pending=pending, name=name, id=id, classes=classes,
        )
        from ._chain import Chain

        self._chain_type = Chain
        self._items: Chain[NoteItem] = Chain(items)
        self._pending: list[NoteItem] = []
        self._pending_keys: set[str] = set()
        self._own_keys: set[str] = set()  # the reader's own notes put in by `insert_own`
        self._shown_keys: set[str] = set()  # keys of the newest notes shown: a late copy is not "new"
        self._max_pending = max(1, max_pending)
        self._max_kept = max(1, max_kept)
        self.let_go = 0  # rows let go below the kept ones (read again from the store when scrolled to)
        self.pending_dropped = 0  # new notes beyond `max_pending`, not held (the store has them)
        self._overrides: dict[str, NoteItem] = {}
        self._versions: dict[str, int] = {}
        self._counts: dict[str, NoteCounts] = {}  # newer counts by note id (any row showing that note)
        self._count_versions: dict[str, int] = {}
        self._new_hint = new_hint
        self._empty_text = ""
        self._near_end = near_end
        self._older_asked = False

    # -- data -------------------------------------------------------------------------------------

    def item_count(self) -> int:
        """How many notes are shown (held-back new notes not counted)."""
        return len(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def item(self, index: int) -> NoteItem:
        """The note at `index`, as last updated."""
        item = self._items[index]
        if self._overrides:
            item = self._overrides.get(item.key, item)
        if self._counts:
            counts = self._counts.get(item.event.id)
            if counts is not None and counts != item.counts:
                item = replace(item, counts=counts)
        return item

    def set_counts(self, counts: Iterable[tuple[str, NoteCounts]]) -> None:
        """New counts for notes (by note id), shown on every row of each (the note and its reposts)."""
        for note_id, value in counts:
            self._counts.pop(note_id, None)
            self._counts[note_id] = value
            self._count_versions[note_id] = self._count_versions.get(note_id, 0) + 1
        while len(self._counts) > MAX_COUNTS:  # the oldest news first: a reload shows those again
            old = next(iter(self._counts))
            del self._counts[old]
            self._count_versions.pop(old, None)
        self.invalidate()

    @property
    def selected_item(self) -> NoteItem | None:
        """The note under the cursor."""
        return self.item(self.cursor) if len(self._items) else None

    @property
    def pending_count(self) -> int:
        """How many new notes are held back behind the "N new notes" line."""
        return len(self._pending)

    @property
    def new_count(self) -> int:
        """How many new notes arrived since the reader last looked (held back or not)."""
        return len(self._pending) + self.pending_dropped

    def set_items(self, items: Sequence[NoteItem]) -> None:
        """Show `items` (newest first), cursor on the first; held-back notes are dropped."""
        self._items = self._chain_type(items)
        self._shown_keys = {items[i].key for i in range(min(len(items), MAX_SHOWN_KEYS))}
        self._pending.clear()
        self._pending_keys.clear()
        self._own_keys.clear()
        self.pending_dropped = 0
        self._overrides.clear()
        self._versions.clear()
        self._counts.clear()
        self._count_versions.clear()
        self._cache.clear()  # the update counts start again: an earlier drawing would match them
        self._older_asked = False
        self._cursor = self._top = self._top_offset = 0
        self.update_virtual_size()
        self._moved()

    def prepend_new(self, items: Sequence[NoteItem]) -> None:
        """Hold back newer notes (newest first) behind a "N new notes" line above the notes shown (which keep
        their place in the list, one row lower).
        Into an empty list they go straight in. At most `max_pending` are held (the newest); the
        others are only counted in `pending_dropped`, for the owner to reload from the store."""
        top = self._top_time()
        # Only what is newer than the top of the list waits behind the line; a late copy, or an older note
        # that arrives after a reload, takes its place in the store's order at the next reload instead.
        fresh = [i for i in items if i.key not in self._pending_keys and i.key not in self._shown_keys
                 and i.key not in self._own_keys and (top is None or i.at >= top)]
        if not fresh:
            return
        if not len(self._items):  # nothing is being read yet: show them at once
            self.set_items(fresh)
            self._let_go()
            return
        was_empty = not self._pending
        self._pending[:0] = fresh
        self._pending_keys.update(i.key for i in fresh)
        if len(self._pending) > self._max_pending:  # a flood: memory stays bounded, the count goes on
            for old in self._pending[self._max_pending:]:
                self._pending_keys.discard(old.key)
            self.pending_dropped += len(self._pending) - self._max_pending
            del self._pending[self._max_pending:]
        self._header = None  # the line takes the top row and the notes move down by one: it covers none of them
        if not was_empty:  # only the count on the "N new notes" line changed: the rows below stay drawn
            self.refresh(Region(0, 0, self.size.width, 1))
            return
        self.invalidate()

    def _top_time(self) -> int | None:
        """When the newest note of the list entered its feed (the reader's own just-sent notes aside)."""
        for index in range(min(len(self._items), len(self._own_keys) + 1)):
            item = self.item(index)
            if item.key not in self._own_keys:
                return item.at
        return None

    def insert_own(self, items: Sequence[NoteItem], *, at: int = 0, select: bool = False) -> None:
        """Show notes the reader just published at once, before the note at `at` (never behind the "N new
        notes" line). The cursor and the view keep what they show, unless `select`: then the cursor goes to
        the first of them."""
        fresh = [i for i in items if i.key not in self._own_keys]
        if not fresh:
            return
        if self._pending_keys & {i.key for i in fresh}:
            self._pending = [p for p in self._pending if p.key not in {i.key for i in fresh}]
            self._pending_keys -= {i.key for i in fresh}
        if not len(self._items):
            self.set_items(fresh)
            self._own_keys.update(i.key for i in fresh)
            return
        self._own_keys.update(i.key for i in fresh)
        at = max(0, min(at, len(self._items)))
        self._items.insert(at, fresh)
        if select:
            self._cursor = at
        elif at <= self._cursor:
            self._cursor += len(fresh)
        if at < self._top or (at == self._top and self._top_offset > 0):
            self._top += len(fresh)  # above the view: what is read stays put
        self.update_virtual_size()
        if select:
            self.move_cursor(at, to_top=at == 0)
        else:
            self._moved()

    def show_new(self) -> None:
        """Put the held-back notes on top and go to the newest."""
        if not self._pending:
            if len(self._items):
                self.move_cursor(0, to_top=True)
            return
        self._items.prepend(self._pending)
        self._shown_keys.update(p.key for p in self._pending)
        if len(self._shown_keys) > MAX_SHOWN_KEYS:
            self._shown_keys = {self._items[i].key for i in range(min(len(self._items), MAX_SHOWN_KEYS))}
        self._pending = []
        self._pending_keys.clear()
        self.pending_dropped = 0
        self.update_virtual_size()
        self._cursor = 0
        self._let_go()
        self.move_cursor(0, to_top=True)
        self.post_message(self.NewShown())

    def _let_go(self) -> None:
        """Bound the rows kept: those more than `max_kept` below the cursor and the view are let go. The
        list then ends earlier, so nearing its end asks for older notes again (NeedOlder), from its new
        last row on."""
        rows = self._rows or []
        last_seen = max(self.cursor, rows[-1][0] if rows else 0)
        keep = last_seen + 1 + self._max_kept
        count = len(self._items)
        if count <= keep:
            return
        self._items.truncate(keep)
        self.let_go += count - keep
        self._older_asked = False
        self.update_virtual_size()

    def append_older(self, items: Sequence[NoteItem]) -> None:
        """Add older notes at the end (the next page); an empty page means there is no more."""
        if not items:
            return
        self._items.append(items)
        self._older_asked = False
        self.update_virtual_size()
        self.invalidate()

    def drop_where(self, hide: Callable[[NoteItem], bool]) -> int:
        """Take out every note (shown or held back) for which `hide` is true; the cursor stays on the note it
        was on, or the next one left. Returns how many were taken out."""
        shown = [self.item(i) for i in range(len(self._items))]
        kept = [i for i in shown if not hide(i)]
        pending = [p for p in self._pending if not hide(p)]
        gone = len(shown) - len(kept) + len(self._pending) - len(pending)
        if not gone:
            return 0
        after = next((shown[i].key for i in range(self.cursor, len(shown)) if not hide(shown[i])), None)
        self._items = self._chain_type(kept)
        self._pending = pending
        self._pending_keys = {p.key for p in pending}
        keys = [i.key for i in kept]
        self._cursor = keys.index(after) if after in keys else max(0, len(kept) - 1)
        self._top, self._top_offset = min(self._top, self._cursor), 0
        self.update_virtual_size()
        self._moved()
        return gone

    def update_item(self, item: NoteItem) -> None:
        """Replace the note with `item.key` (new counts, names) where it is, if it is shown."""
        self._overrides[item.key] = item
        self._versions[item.key] = self._versions.get(item.key, 0) + 1
        if item.key in self._pending_keys:
            self._pending = [item if p.key == item.key else p for p in self._pending]
        self.invalidate()

    # -- rendering --------------------------------------------------------------------------------

    def item_key(self, index: int) -> Hashable:
        """Cache key: note key, its update count, content-warning state and the minute."""
        item = self.item(index)
        key = item.key
        return (key, self._versions.get(key, 0), self._count_versions.get(item.event.id, 0), key in self._revealed,
                self.pending_label(item), self.minute())

    def render_item(self, index: int, width: int) -> list[Strip]:
        """The note's lines and a blank separator line."""
        item = self.item(index)
        strips = note_strips(
            item, self.text_width(width), self.app.console, self.note_context(), self.note_styles(),
            revealed=self.is_revealed(item), pending=self.pending_label(item), cw_hint=self.cw_hint,
        )
        strips.append(Strip([]))
        return strips

    @property
    def empty_text(self) -> str:
        """What the list says while it has no note: why, and what to do."""
        return self._empty_text

    @empty_text.setter
    def empty_text(self, text: str) -> None:
        if text != self._empty_text:
            self._empty_text = text
            self.invalidate()

    def empty_strips(self, width: int) -> list[Strip]:
        """The empty list's explanation, wrapped, below a blank line."""
        if not self._empty_text:
            return []
        style = self.get_component_rich_style("note-list--empty")
        text = Text(self._empty_text, style=style, end="")
        inner = self.text_width(max(1, width - 4))
        return [Strip([]), *(Strip.join([Strip.blank(2), line])
                             for line in to_strips(text, inner, self.app.console, self.app.console.options))]

    def header_strips(self, width: int) -> list[Strip]:
        """The "N new notes" line when notes are held back."""
        count = self.new_count
        if not count:
            return []
        label = f"{count} new note{'s' if count != 1 else ''} (press {self._new_hint})"
        style = self.get_component_rich_style("note-list--banner")
        text = Text(label, style=style, end="", overflow="ellipsis", no_wrap=True)
        line = to_strips(text, width, self.app.console, self.app.console.options)[0]
        return [line.adjust_cell_length(width, style)]

    # -- behaviour --------------------------------------------------------------------------------

    def cursor_moved(self) -> None:
        """Ask for older notes when the cursor or the view nears the end."""
        super().cursor_moved()
        count = len(self._items)
        if self._older_asked or count == 0:
            return
        rows = self._rows or []
        last_seen = max(self.cursor, rows[-1][0] if rows else 0)
        if last_seen >= count - self._near_end:
            self._older_asked = True
            self.post_message(self.NeedOlder(self, self.item(count - 1)))

    def action_show_new(self) -> None:
        """Jump to the held-back new notes."""
        self.show_new()

    def on_click(self, event: events.Click) -> None:
        """A click on the "new notes" line shows them; on a note moves the cursor (twice: opens)."""
        event.prevent_default()
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y < len(self._headers()):
            self.show_new()
            return
        index = self.item_at(offset.y)
        if index is not None:
            self._cursor = index
            self.invalidate()
            if event.chain >= 2:
                self.activate()
