"""A Line API list of variable-height items whose cost follows what is on screen, not the item count.

The view is anchored on an item: `(top item, lines of it scrolled above the view)`. Each item is
rendered to lines only when it comes into view, cached per (item key, width) in a bounded LRU.
Moving the cursor, paging and jumping to either end walk at most a screenful of items. The scroll
bar works in items (its position is the top item), so dragging it costs the same as a key press.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

GUTTER = 2


class VirtualList(ScrollView, can_focus=True, inherit_bindings=False):
    """Base of NoteList and ThreadView: items of any height, a cursor, lazy rendering.

    Subclasses implement `item_count`, `item_key` and `render_item`, and may add sticky
    `header_strips` and a per-item `item_style`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
        Binding("enter", "select", "Open", id="list.open"),
    ]
    COMPONENT_CLASSES = {"list--cursor", "list--gutter"}  # noqa: RUF012
    DEFAULT_CSS = """
    VirtualList {
        overflow-x: hidden;
        overflow-y: auto;
        & > .list--cursor { background: $boost; }
        &:focus > .list--cursor { background: $accent 25%; }
        & > .list--gutter { color: $accent; }
    }
    """

    def __init__(
        self,
        *,
        cache_size: int = 2048,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._cursor = 0
        self._top = 0
        self._top_offset = 0
        self._rows: list[tuple[int, int]] | None = None
        self._header: list[Strip] | None = None
        self._cache: LRUCache[Hashable, list[Strip]] = LRUCache(cache_size)
        self.first_paint: float | None = None  # perf_counter when the first full view was drawn
        self.renders = 0

    # -- what subclasses provide ------------------------------------------------------------------

    def item_count(self) -> int:
        """How many items the list has."""
        raise NotImplementedError

    def item_key(self, index: int) -> Hashable:
        """A key that changes whenever item `index` would render differently (width aside)."""
        raise NotImplementedError

    def render_item(self, index: int, width: int) -> list[Strip]:
        """The lines of item `index` at `width` cells."""
        raise NotImplementedError

    def header_strips(self, width: int) -> list[Strip]:
        """Lines that stay at the top of the view (none by default)."""
        return []

    def empty_strips(self, width: int) -> list[Strip]:
        """Lines shown while the list has no item (none by default)."""
        return []

    def item_style(self, index: int) -> Style | None:
        """A style laid under every line of item `index` (besides the cursor's)."""
        return None

    def cursor_moved(self) -> None:
        """Called after the cursor or the view moved."""

    def activate(self) -> None:
        """What Enter does on the cursor item."""

    # -- geometry and layout ----------------------------------------------------------------------

    @property
    def cursor(self) -> int:
        """Index of the item under the cursor."""
        return self._cursor

    @property
    def item_width(self) -> int:
        """Cells available to an item's lines."""
        return max(1, self.scrollable_content_region.width - GUTTER)

    def _headers(self) -> list[Strip]:
        if self._header is None:
            self._header = self.header_strips(self.scrollable_content_region.width)
        return self._header

    @property
    def body_height(self) -> int:
        """Rows available to items (the view's height less the sticky header)."""
        return max(1, self.scrollable_content_region.height - len(self._headers()))

    def item_lines(self, index: int) -> list[Strip]:
        """The (cached) lines of item `index` at the current width."""
        width = self.item_width
        key = (self.item_key(index), width)
        lines = self._cache.get(key)
        if lines is None:
            lines = self.render_item(index, width) or [Strip.blank(width)]
            self.renders += 1
            self._cache[key] = lines
        return lines

    def clear_cache(self) -> None:
        """Forget every rendered item (after a style or option change) and redraw."""
        self._cache.clear()
        self.invalidate()

    def invalidate(self) -> None:
        """Recompute what is in view on the next paint."""
        self._rows = None
        self._header = None
        self.refresh()

    def _visible_rows(self) -> list[tuple[int, int]]:
        """(item, line) for every body row in view, pulling the anchor back if the end is short."""
        if self._rows is None:
            if not self.has_size:
                return []
            self._rows = self._layout(allow_pull=True)
        return self._rows

    def _layout(self, allow_pull: bool) -> list[tuple[int, int]]:
        count = self.item_count()
        height = self.body_height
        if not self.has_size:
            return []
        if count == 0:
            self._top = self._top_offset = 0
            return []
        if self._top >= count:
            self._top, self._top_offset = count - 1, 0
        rows: list[tuple[int, int]] = []
        index, offset = self._top, self._top_offset
        while len(rows) < height and index < count:
            lines = self.item_lines(index)
            offset = min(offset, len(lines) - 1)
            rows.extend((index, k) for k in range(offset, min(len(lines), offset + height - len(rows))))
            index += 1
            offset = 0
        if len(rows) < height and allow_pull and (self._top, self._top_offset) != (0, 0):
            self._anchor_bottom(count - 1)
            return self._layout(allow_pull=False)
        return rows

    def _anchor_bottom(self, index: int) -> None:
        """Put the bottom of item `index` at the bottom of the view (or the first item at the top)."""
        remaining = self.body_height
        while index >= 0:
            height = len(self.item_lines(index))
            if height >= remaining:
                self._top, self._top_offset = index, height - remaining
                return
            remaining -= height
            index -= 1
        self._top = self._top_offset = 0

    def _extent(self, index: int) -> tuple[int, int] | None:
        """Rows (first, past-last) of item `index` from the top of the view; None when it starts
        above the anchor item or below the view (or when there is no such item)."""
        if index < self._top or index >= self.item_count():
            return None
        height = self.body_height
        used = -self._top_offset
        for i in range(self._top, index):
            used += len(self.item_lines(i))
            if used >= height:
                return None
        return used, used + len(self.item_lines(index))

    def scroll_to_item(self, index: int) -> None:
        """Scroll the least needed to show item `index` (its start when it is taller than the view)."""
        if index < self._top or (index == self._top and self._top_offset > 0):
            self._top, self._top_offset = index, 0
        else:
            extent = self._extent(index)
            if extent is None or extent[1] > self.body_height:
                if len(self.item_lines(index)) >= self.body_height:
                    self._top, self._top_offset = index, 0
                else:
                    self._anchor_bottom(index)
        self._moved()

    def scroll_lines(self, delta: int) -> None:
        """Move the view by `delta` lines (down when positive) without moving the cursor."""
        count = self.item_count()
        if count == 0:
            return
        index, offset = min(self._top, count - 1), self._top_offset
        if delta > 0:
            while delta > 0:
                rest = len(self.item_lines(index)) - offset
                if delta < rest:
                    offset += delta
                    break
                if index + 1 >= count:
                    offset = rest + offset - 1
                    break
                delta -= rest
                index, offset = index + 1, 0
        else:
            need = -delta
            while need > 0:
                if offset >= need:
                    offset -= need
                    break
                need -= offset
                offset = 0
                if index == 0:
                    break
                index -= 1
                offset = len(self.item_lines(index))
        self._top, self._top_offset = index, offset
        self._moved()

    @property
    def has_size(self) -> bool:
        """Whether the view has been laid out (items can be measured)."""
        region = self.scrollable_content_region
        return region.width > GUTTER and region.height > 0

    def _moved(self) -> None:
        self._rows = None
        self._header = None
        if not self.has_size:
            return
        self._rows = self._visible_rows()
        self._sync_scroll()
        self.refresh()
        self.cursor_moved()

    def _sync_scroll(self) -> None:
        y = float(self._top)
        self.set_reactive(Widget.scroll_y, y)
        self.set_reactive(Widget.scroll_target_y, y)
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = y

    def update_virtual_size(self) -> None:
        """Size the scroll bar to the item count (call after the count changes); no scroll bar when
        every item fits (only checked when there are fewer items than rows, so it stays cheap)."""
        count = self.item_count()
        view = self.scrollable_content_region.height
        height = count + max(0, view - 1)
        if self.has_size and count <= view:
            body = self.body_height
            lines = 0
            for index in range(count):
                lines += len(self.item_lines(index))
                if lines > body:
                    break
            if lines <= body:
                height = view
        size = Size(self.size.width, height)
        if size != self.virtual_size:
            self.virtual_size = size
            if self.container_size:
                self._scroll_update(size)  # show or hide the scroll bar now

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        """The scroll bar came or went: the width changed, so lay the view out again."""
        self._rows = self._header = None
        self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """The scroll bar or the mouse moved the view: make its position the top item."""
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = new_value
        target = max(0, min(int(new_value), self.item_count() - 1))
        if target != self._top:
            self._top, self._top_offset = target, 0
            self._rows = None
            self.refresh()
            self.cursor_moved()

    # -- cursor -----------------------------------------------------------------------------------

    def move_cursor(self, index: int, *, to_top: bool = False) -> None:
        """Put the cursor on item `index` (clamped) and scroll it into view (to the top if asked)."""
        count = self.item_count()
        if count == 0:
            return
        self._cursor = max(0, min(index, count - 1))
        if to_top:
            self._top, self._top_offset = self._cursor, 0
            self._moved()
        else:
            self.scroll_to_item(self._cursor)

    def action_cursor_down(self) -> None:
        """Next item; within an item that goes on below the view, first scroll through it."""
        height = self.body_height
        extent = self._extent(self._cursor)
        if extent is not None and extent[0] < height < extent[1]:
            self.scroll_lines(min(max(1, height // 2), extent[1] - height))
        else:
            self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        """Previous item; within an item whose start is above the view, first scroll up through it."""
        if self._cursor == self._top and self._top_offset > 0:
            self.scroll_lines(-min(max(1, self.body_height // 2), self._top_offset))
        else:
            self.move_cursor(self._cursor - 1)

    def action_page_down(self) -> None:
        """The next screenful; the cursor goes to its first item."""
        rows = self._visible_rows()
        count = self.item_count()
        if not rows:
            return
        last, line = rows[-1]
        following = last + 1 if line == len(self.item_lines(last)) - 1 else last
        if following >= count:
            self.move_cursor(count - 1)
        elif following == self._cursor:
            self.scroll_lines(self.body_height - 1)
        else:
            self.move_cursor(following, to_top=True)

    def action_page_up(self) -> None:
        """The previous screenful; the cursor goes to its first item."""
        if self._top == 0 and self._top_offset == 0:
            self.move_cursor(0)
            return
        self.scroll_lines(-(self.body_height - 1))
        first = self._top if self._top_offset == 0 else min(self._top + 1, self.item_count() - 1)
        self._cursor = first
        self._moved()

    def action_first(self) -> None:
        """The first item."""
        self.move_cursor(0, to_top=True)

    def action_last(self) -> None:
        """The last item."""
        self.move_cursor(self.item_count() - 1)

    def action_select(self) -> None:
        """Enter on the cursor item."""
        if self.item_count():
            self.activate()

    # -- events -----------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        """Re-wrap for the new size (see `resized`)."""
        self.update_virtual_size()
        self._rows = self._header = None
        self.resized()

    def resized(self) -> None:
        """After a resize: keep the cursor in view."""
        if self.item_count():
            self.scroll_to_item(self._cursor)

    def notify_style_update(self) -> None:
        """Styles changed (theme, CSS): render items again."""
        super().notify_style_update()
        self._cache.clear()
        self._rows = self._header = None

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.prevent_default()
        event.stop()
        self.scroll_lines(3)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.prevent_default()
        event.stop()
        self.scroll_lines(-3)

    def item_at(self, y: int) -> int | None:
        """The item shown on view row `y` (None for header rows and empty space)."""
        row = y - len(self._headers())
        rows = self._visible_rows()
        return rows[row][0] if 0 <= row < len(rows) else None

    # -- painting ---------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """One row of the view: a header line, or a line of an item with the cursor gutter."""
        strip = self._render_row(y)
        if self.first_paint is None and y >= self.scrollable_content_region.height - 1:
            self.first_paint = time.perf_counter()  # the first full view is drawn
        return strip

    def _render_row(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        headers = self._headers()
        if y < len(headers):
            return headers[y].adjust_cell_length(width).apply_style(base)
        rows = self._visible_rows()
        row = y - len(headers)
        if not rows and self.item_count() == 0:
            empty = self.empty_strips(width)
            if row < len(empty):
                return empty[row].adjust_cell_length(width).apply_style(base)
        if row >= len(rows):
            return Strip.blank(width, base)
        index, k = rows[row]
        lines = self.item_lines(index)
        line = lines[min(k, len(lines) - 1)]
        selected = index == self._cursor
        if selected:
            gutter = Segment("▌ ", self.get_component_rich_style("list--gutter", partial=True))
        else:
            gutter = Segment("  ")
        strip = Strip.join([Strip([gutter], 2), line]).adjust_cell_length(width)
        style = self.get_component_rich_style("list--cursor") if selected else self.item_style(index)
        if style is not None:
            strip = strip.apply_style(style)
        return strip.apply_style(base)
