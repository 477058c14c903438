"""A read-only sequence made of pieces, so a feed can grow at both ends without copying a lazy source."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")

_MERGE_LIMIT = 4096


class Chain(Sequence[T], Generic[T]):
    """Items of several sequences end to end. A plain list given to it is copied; any other sequence
    (for example one that reads a store page by page) is kept as it is and only indexed."""

    def __init__(self, items: Sequence[T] = ()) -> None:
        self._parts: list[Sequence[T]] = []
        self._ends: list[int] = []
        if len(items):
            self._parts.append(list(items) if isinstance(items, list | tuple) else items)
        self._reindex()

    def _reindex(self) -> None:
        total = 0
        self._ends = []
        for part in self._parts:
            total += len(part)
            self._ends.append(total)

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("chain index out of range")
        part = bisect_right(self._ends, index)
        start = self._ends[part - 1] if part else 0
        return self._parts[part][index - start]

    def prepend(self, items: Sequence[T]) -> None:
        """Put `items` before the first item."""
        if not len(items):
            return
        first = self._parts[0] if self._parts else None
        if type(first) is list and len(first) <= _MERGE_LIMIT:
            self._parts[0] = [*items, *first]
        else:
            self._parts.insert(0, list(items))
        self._reindex()

    def insert(self, index: int, items: Sequence[T]) -> None:
        """Put `items` before the item at `index` (at the end when `index` is the length)."""
        if not len(items):
            return
        size = len(self)
        index = max(0, min(index, size))
        if index == 0:
            self.prepend(items)
            return
        if index == size:
            self.append(items)
            return
        part = bisect_right(self._ends, index - 1)
        start = self._ends[part - 1] if part else 0
        inner = index - start
        piece = self._parts[part]
        if type(piece) is list:
            piece[inner:inner] = list(items)
        else:  # a lazy source is split into two views of itself, never copied
            self._parts[part:part + 1] = [_View(piece, 0, inner), list(items), _View(piece, inner, len(piece))]
        self._reindex()

    def append(self, items: Sequence[T]) -> None:
        """Put `items` after the last item."""
        if not len(items):
            return
        last = self._parts[-1] if self._parts else None
        if type(last) is list:
            last.extend(items)
        else:
            self._parts.append(list(items))
        self._reindex()

    def truncate(self, size: int) -> None:
        """Keep only the first `size` items (the pieces beyond are let go)."""
        size = max(0, size)
        if size >= len(self):
            return
        parts: list[Sequence[T]] = []
        left = size
        for part in self._parts:
            if left <= 0:
                break
            if len(part) <= left:
                parts.append(part)
                left -= len(part)
            else:
                parts.append(list(part[:left]) if type(part) is list else [part[i] for i in range(left)])
                left = 0
        self._parts = parts
        self._reindex()

class _View(Sequence[T], Generic[T]):
    """Items `start` to `stop` of a sequence, read through to it."""

    def __init__(self, items: Sequence[T], start: int, stop: int) -> None:
        self._items, self._start, self._stop = items, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("view index out of range")
        return self._items[self._start + index]
