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
    """A first-in first-out ring of at most `capacity` entries, keyed by event id."""

    def __init__(self, capacity: int = 20_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self._entries: dict[str, SeenEntry] = {}

    def get(self, event_id: str) -> SeenEntry | None:
        """The entry for an id, if still remembered."""
        return self._entries.get(event_id)

    def add(self, entry: SeenEntry) -> None:
        """Remember an entry, forgetting the oldest when full."""
        entries = self._entries
        entries[entry.event.id] = entry
        if len(entries) > self.capacity:
            del entries[next(iter(entries))]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
