"""The pool's bounded memory of events already verified: id -> event, relays it was seen on, subscriptions."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..protocol.event import Event


@dataclass(slots=True)
class SeenEntry:
    """One verified event and where it has been seen."""

    event: Event
    relays: list[str]
    subs: set[str] = field(default_factory=set)


class SeenIds:
    """A first-in first-out ring of at most `capacity` entries, keyed by event id.

    The order is kept in a ring of ids beside the dict: forgetting the oldest is O(1). (Taking the first key
    of a dict whose front was deleted from scans the deleted slots: up to the whole table under a flood.)
    """

    def __init__(self, capacity: int = 20_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self._entries: dict[str, SeenEntry] = {}
        self._ring: list[str | None] = [None] * capacity
        self._next = 0

    def get(self, event_id: str) -> SeenEntry | None:
        """The entry for an id, if still remembered."""
        return self._entries.get(event_id)

    def add(self, entry: SeenEntry) -> None:
        """Remember an entry, forgetting the oldest when full (an id already remembered keeps its place)."""
        entries = self._entries
        event_id = entry.event.id
        if event_id in entries:
            entries[event_id] = entry
            return
        ring, at = self._ring, self._next
        oldest = ring[at]
        if oldest is not None:
            del entries[oldest]
        ring[at] = event_id
        entries[event_id] = entry
        self._next = at + 1 if at + 1 < self.capacity else 0

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
        self._ring = [None] * self.capacity
        self._next = 0
