"""Notifications the client sends to front ends (the TUI's pump turns each into a Textual message)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..relay.notifications import RelayResult, RelayState
from .models import Author, NoteCounts, NoteItem, ThreadRow

if TYPE_CHECKING:
    from .session import AccountInfo


@dataclass(frozen=True, slots=True)
class RelayStatusChanged:
    """A relay's connection state changed; `connected`/`total` summarise the pool."""

    url: str
    state: RelayState
    reason: str
    next_retry_at: float | None
    connected: int
    total: int


@dataclass(frozen=True, slots=True)
class FeedNew:
    """New notes arrived for a feed (newest first); a front end holds them until the reader asks. `own`: a note
    the user just published (in the outbox, maybe on no relay yet), to show at once."""

    feed: str
    items: tuple[NoteItem, ...]
    own: bool = False


@dataclass(frozen=True, slots=True)
class CountsChanged:
    """Notes got replies, reactions or reposts (the user's own included): their counts now, by note id."""

    counts: tuple[tuple[str, NoteCounts], ...]


@dataclass(frozen=True, slots=True)
class ThreadUpdated:
    """A thread being shown has more notes (its rows in tree order)."""

    focus_id: str
    rows: tuple[ThreadRow, ...]


@dataclass(frozen=True, slots=True)
class ProfileUpdated:
    """What is known about a person changed (e.g. a NIP-05 check finished): show `author` wherever
    notes by `pubkey` are on screen."""

    pubkey: str
    author: Author


@dataclass(frozen=True, slots=True)
class PublishProgress:
    """One relay answered (or failed) for an event the user published."""

    event_id: str
    result: RelayResult
    pending: int  # relays still to answer


@dataclass(frozen=True, slots=True)
class OutboxChanged:
    """The outbox changed: `unsent` events no relay has accepted yet, `partial` accepted by some relays but
    still pending on others (`pending_relays` relays, counted once each)."""

    unsent: int
    partial: int = 0
    pending_relays: int = 0


@dataclass(frozen=True, slots=True)
class AccountChanged:
    """Another account is active (None: none is)."""

    account: AccountInfo | None


@dataclass(frozen=True, slots=True)
class ListsChanged:
    """The user's follows, mutes or relay list changed (feeds, names and marks follow)."""

    follows: int
    mutes: int


@dataclass(frozen=True, slots=True)
class Message:
    """Something to tell the person: a relay NOTICE, a closed subscription, a login demand, a store notice."""

    text: str
    level: str = "info"  # info | warning | error


ClientEvent = (
    RelayStatusChanged
    | FeedNew
    | CountsChanged
    | ThreadUpdated
    | ProfileUpdated
    | PublishProgress
    | OutboxChanged
    | Message
    | AccountChanged
    | ListsChanged
)


class Notifications:
    """A bounded queue of client notifications for one consumer.

    At most `maxlen` notifications, holding at most `max_notes` notes in their FeedNew batches, wait
    for the consumer; beyond either bound the oldest are dropped and counted in `dropped` (the notes
    stay in the store, so a feed reloaded from it still shows them).
    """

    def __init__(self, maxlen: int = 5000, max_notes: int = 10_000) -> None:
        """A queue for one consumer, bounded by `maxlen` notifications and `max_notes` queued notes."""
        self._items: deque[ClientEvent] = deque()
        self._maxlen = maxlen
        self._max_notes = max_notes
        self._notes = 0  # notes held in queued FeedNew batches
        self._ready = asyncio.Event()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: ClientEvent) -> None:
        """Add a notification (never blocks)."""
        self._items.append(item)
        if isinstance(item, FeedNew):
            self._notes += len(item.items)
        if len(self._items) > self._maxlen:
            self._forget(self._items.popleft())
        if self._notes > self._max_notes:  # a slow consumer during a flood: keep the newest notes
            kept: deque[ClientEvent] = deque()
            for queued in self._items:
                if isinstance(queued, FeedNew) and self._notes > self._max_notes and queued is not item:
                    self._forget(queued)
                else:
                    kept.append(queued)
            self._items = kept
        self._ready.set()

    def _forget(self, item: ClientEvent) -> None:
        self.dropped += 1
        if isinstance(item, FeedNew):
            self._notes -= len(item.items)

    def _taken(self, item: ClientEvent) -> ClientEvent:
        if isinstance(item, FeedNew):
            self._notes -= len(item.items)
        return item

    async def get(self) -> ClientEvent:
        """The next notification, waiting for one."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._taken(self._items.popleft())

    def drain(self) -> list[ClientEvent]:
        """Everything queued now, without waiting."""
        out = list(self._items)
        self._items.clear()
        self._notes = 0
        return out
