"""A thread as a tree: guides (│ ├ └), the opened note highlighted, collapse, parent and root keys."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip

from ...client.models import NoteCounts, NoteItem, ThreadRow
from .note_base import Clock, ItemMessage, NoteListBase, PendingLookup
from .note_render import NameLookup, note_strips

INDENT = 3
MIN_TEXT = 24


class ThreadView(NoteListBase):
    """The notes of a thread in tree order (as the client gives them), indented with guides.

    Rows below a collapsed note are hidden and counted ("+ N replies hidden"). The focus row (the
    opened note) is highlighted and the cursor starts on it, with some of its ancestors above.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "parent", "Parent", id="thread.parent"),
        Binding("H", "root", "Root", id="thread.root"),
        Binding("space,z", "toggle_collapse", "Collapse", id="thread.collapse"),
    ]
    COMPONENT_CLASSES = NoteListBase.COMPONENT_CLASSES | {"thread--guide", "thread--focus", "thread--hidden"}
    DEFAULT_CSS = """
    ThreadView {
        & > .thread--guide { color: $text-muted; }
        & > .thread--focus { background: $primary 15%; }
        & > .thread--hidden { color: $text-muted; text-style: italic; }
    }
    """

    class OpenQuoted(ItemMessage):
        """The reader wants the note `quoted` (quoted by `item`) opened."""

        def __init__(self, widget: ThreadView, item: NoteItem, quoted: NoteItem) -> None:
            super().__init__(widget, item)
            self.quoted = quoted

    def __init__(
        self,
        rows: Sequence[ThreadRow] = (),
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
        super().__init__(
            clock=clock, followed_names=followed_names, names=names, ascii=ascii, tz=tz, max_width=max_width,
            pending=pending, name=name, id=id, classes=classes,
        )
        self._all: list[ThreadRow] = []
        self._tree_parent: list[int] = []
        self._tree_last: list[bool] = []
        self._tree_size: list[int] = []
        self._collapsed: set[int] = set()
        self._visible: list[int] = []
        self._versions: dict[str, int] = {}
        self._initial = True
        self.set_rows(rows)

    # -- data -------------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[ThreadRow], *, keep: str | None = None, reveal: str | None = None) -> None:
        """Show a thread (rows in tree order); the cursor goes to the focus row. With `keep` (the id of a note
        shown before) the cursor stays on that note and collapsed branches stay collapsed; `reveal` (a note
        id, e.g. a reply just sent) is brought into view too."""
        collapsed = {self._all[i].item.event.id for i in self._collapsed} if keep else set()
        self._all = list(rows)
        count = len(self._all)
        self._tree_parent = [-1] * count
        self._tree_last = [False] * count
        self._tree_size = [0] * count
        last_child: dict[int, int] = {}
        stack: list[int] = []
        for i, row in enumerate(self._all):
            while stack and self._all[stack[-1]].depth >= row.depth:
                stack.pop()
            self._tree_parent[i] = stack[-1] if stack else -1
            last_child[self._tree_parent[i]] = i
            stack.append(i)
        for child in last_child.values():
            self._tree_last[child] = True
        for i in range(count - 1, -1, -1):
            parent = self._tree_parent[i]
            if parent >= 0:
                self._tree_size[parent] += 1 + self._tree_size[i]
        self._collapsed = {i for i, r in enumerate(self._all) if r.item.event.id in collapsed}
        self._versions.clear()
        self._cache.clear()  # rows moved and branches changed: nothing drawn before still holds
        self._rebuild_visible()
        kept = self._visible_index(keep) if keep else None
        if kept is None:
            self._cursor = next((i for i, r in enumerate(self._all) if r.is_focus), 0)
            self._initial = True
            self.update_virtual_size()
            self._place_focus()
            return
        self.update_virtual_size()
        shown = self._visible_index(reveal) if reveal else None
        if shown is not None:
            self.scroll_to_item(shown)
        self.move_cursor(kept)

    def _visible_index(self, event_id: str | None) -> int | None:
        for index, real in enumerate(self._visible):
            if self._all[real].item.event.id == event_id:
                return index
        return None

    def _rebuild_visible(self) -> None:
        visible: list[int] = []
        i = 0
        while i < len(self._all):
            visible.append(i)
            i += 1 + self._tree_size[i] if i in self._collapsed else 1
        self._visible = visible

    def _place_focus(self) -> None:
        """Cursor on the focus row with up to a third of the view of its ancestors above it."""
        if not self.has_size or not self._visible:
            return
        self._initial = False
        self._top, self._top_offset = self._cursor, 0
        room = self.body_height // 3
        index = self._cursor
        while index > 0 and room > 0:
            height = len(self.item_lines(index - 1))
            if height > room:
                break
            room -= height
            index -= 1
        self._top = index
        self._moved()

    def resized(self) -> None:
        """First layout: show the focus row; later: keep the cursor in view."""
        if self._initial:
            self._place_focus()
        else:
            super().resized()

    def item_count(self) -> int:
        """How many rows are visible (collapsed branches count as one)."""
        return len(self._visible)

    def row(self, index: int) -> ThreadRow:
        """The visible row at `index`."""
        return self._all[self._visible[index]]

    @property
    def selected_row(self) -> ThreadRow | None:
        """The row under the cursor."""
        return self.row(self.cursor) if self._visible else None

    @property
    def selected_item(self) -> NoteItem | None:
        """The note under the cursor."""
        row = self.selected_row
        return row.item if row is not None else None

    def update_item(self, item: NoteItem) -> None:
        """Replace the note with `item.key` (new counts, names) where it is."""
        for i, row in enumerate(self._all):
            if row.item.key == item.key:
                self._all[i] = ThreadRow(
                    item, row.depth, row.parent_id, row.child_count, row.is_focus, row.missing_parent
                )
        self._versions[item.key] = self._versions.get(item.key, 0) + 1
        self.invalidate()

    def set_counts(self, counts: Iterable[tuple[str, NoteCounts]]) -> None:
        """New counts for notes (by note id), on their rows."""
        wanted = dict(counts)
        for i, row in enumerate(self._all):
            value = wanted.get(row.item.event.id)
            if value is not None and value != row.item.counts:
                item = replace(row.item, counts=value)
                self._all[i] = ThreadRow(item, row.depth, row.parent_id, row.child_count, row.is_focus,
                                         row.missing_parent)
                self._versions[item.key] = self._versions.get(item.key, 0) + 1
        self.invalidate()

    # -- rendering --------------------------------------------------------------------------------

    def item_key(self, index: int) -> Hashable:
        """Cache key: row, note update count, collapse and warning state, the minute."""
        real = self._visible[index]
        item = self._all[real].item
        key = item.key
        return (real, key, self._versions.get(key, 0), real in self._collapsed, key in self._revealed,
                self.pending_label(item), self.minute())

    def _guides(self, real: int, levels: int) -> tuple[str, str]:
        """Prefix of the first line and of the other lines of row `real`, `levels` columns wide."""
        ascii_ = self._ascii
        pipe, tee, elbow = ("|  ", "|- ", "`- ") if ascii_ else ("│  ", "├─ ", "└─ ")
        columns: list[str] = []
        ancestor = self._tree_parent[real]
        while ancestor >= 0 and self._tree_parent[ancestor] >= 0:
            columns.append("   " if self._tree_last[ancestor] else pipe)
            ancestor = self._tree_parent[ancestor]
        columns.reverse()
        depth = len(columns) + (1 if self._tree_parent[real] >= 0 else 0)
        if depth == 0:
            return "", ""
        if depth > levels:
            columns = [*columns[: max(0, levels - 2)], "..." if ascii_ else "⋯  "]
        own_first = elbow if self._tree_last[real] else tee
        own_rest = "   " if self._tree_last[real] else pipe
        head = "".join(columns)
        return head + own_first, head + own_rest

    def render_item(self, index: int, width: int) -> list[Strip]:
        """The row's note indented under its guides; "+ N replies hidden" when collapsed."""
        real = self._visible[index]
        row = self._all[real]
        levels = max(1, (width - MIN_TEXT) // INDENT)
        first, rest = self._guides(real, levels)
        inner = self.text_width(max(MIN_TEXT // 2, width - len(first)))
        lines = note_strips(
            row.item, inner, self.app.console, self.note_context(), self.note_styles(),
            revealed=self.is_revealed(row.item), pending=self.pending_label(row.item), cw_hint=self.cw_hint,
        )
        if real in self._collapsed and self._tree_size[real]:
            hidden = self._tree_size[real]
            label = f"+ {hidden} repl{'ies' if hidden != 1 else 'y'} hidden"
            lines.append(Strip([Segment(label, self.get_component_rich_style("thread--hidden", partial=True))]))
        guide = self.get_component_rich_style("thread--guide", partial=True)
        out = [Strip.join([Strip([Segment(first if k == 0 else rest, guide)]), line]) for k, line in enumerate(lines)]
        out.append(Strip([Segment(rest, guide)]))
        return out

    def item_style(self, index: int) -> Style | None:
        """The focus row is highlighted."""
        if self.row(index).is_focus:
            return self.get_component_rich_style("thread--focus")
        return None

    # -- behaviour --------------------------------------------------------------------------------

    def _go_to_real(self, real: int) -> None:
        index = bisect_left(self._visible, real)
        if index < len(self._visible) and self._visible[index] == real:
            self.move_cursor(index)

    def action_parent(self) -> None:
        """Go to the parent of the cursor note."""
        if self._visible:
            parent = self._tree_parent[self._visible[self.cursor]]
            if parent >= 0:
                self._go_to_real(parent)

    def action_root(self) -> None:
        """Go to the top of the cursor note's branch (the thread's root)."""
        if self._visible:
            real = self._visible[self.cursor]
            while self._tree_parent[real] >= 0:
                real = self._tree_parent[real]
            self._go_to_real(real)

    def action_toggle_collapse(self) -> None:
        """Hide or show the replies below the cursor note."""
        if not self._visible:
            return
        real = self._visible[self.cursor]
        if not self._tree_size[real]:
            return
        if real in self._collapsed:
            self._collapsed.discard(real)
        else:
            self._collapsed.add(real)
        self._rebuild_visible()
        self._cursor = bisect_left(self._visible, real)
        self.update_virtual_size()
        self.scroll_to_item(self._cursor)

    def collapsed_count(self) -> int:
        """How many rows are hidden under collapsed notes."""
        return len(self._all) - len(self._visible)

    def action_open_quoted(self) -> None:
        """Ask to open the (first) note the cursor note quotes."""
        item = self.selected_item
        if item is not None and item.quoted:
            self.post_message(self.OpenQuoted(self, item, item.quoted[0]))
