"""Debouncing draft saves: save after a pause in typing, and at least every `max_wait` while typing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class _Pending(Generic[V]):
    value: V
    first: float
    last: float


class Debouncer(Generic[K, V]):
    """Collects the latest value per key and says which are due for saving.

    Pure bookkeeping with an injectable clock: the caller pushes each change, and asks `due()` at
    `next_deadline()` (or on a timer) for the values to save, and `flush()` before exit or send.
    """

    def __init__(self, delay: float = 0.5, max_wait: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.delay = delay
        self.max_wait = max_wait
        self._clock = clock
        self._pending: dict[K, _Pending[V]] = {}

    def push(self, key: K, value: V) -> None:
        """Note a new value for `key` (e.g. the compose text after a key press)."""
        now = self._clock()
        known = self._pending.get(key)
        if known is None:
            self._pending[key] = _Pending(value, now, now)
        else:
            known.value, known.last = value, now

    def _deadline(self, p: _Pending[V]) -> float:
        return min(p.last + self.delay, p.first + self.max_wait)

    def next_deadline(self) -> float | None:
        """When the next value becomes due (clock time), or None when nothing is pending."""
        return min((self._deadline(p) for p in self._pending.values()), default=None)

    def due(self) -> list[tuple[K, V]]:
        """Take the values whose quiet period (or maximum wait) has passed."""
        now = self._clock()
        ready = [k for k, p in self._pending.items() if self._deadline(p) <= now]
        return [(k, self._pending.pop(k).value) for k in ready]

    def flush(self) -> list[tuple[K, V]]:
        """Take every pending value now."""
        out = [(k, p.value) for k, p in self._pending.items()]
        self._pending.clear()
        return out

    def cancel(self, key: K) -> None:
        """Forget the pending value of `key` (the draft was sent or discarded)."""
        self._pending.pop(key, None)

    def __len__(self) -> int:
        return len(self._pending)
