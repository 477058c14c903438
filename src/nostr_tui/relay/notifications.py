"""Typed notifications the relay pool emits: connection states, relay messages, auth, publish results."""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass


class RelayState(enum.Enum):
    """Where one relay connection is."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    WAITING = "waiting"  # waiting to retry; see StateChanged.next_retry_at
    CLOSED = "closed"  # closed by the user (removed, or the pool shut down)
    FAILED = "failed"  # given up: retrying cannot help (a malformed URL, ...)


class PublishStatus(enum.Enum):
    """The outcome of publishing one event to one relay."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class StateChanged:
    """A relay changed state. `next_retry_at` (pool clock) is set when WAITING; `reason` says why it dropped."""

    url: str
    state: RelayState
    reason: str = ""
    next_retry_at: float | None = None
    attempt: int = 0


@dataclass(frozen=True, slots=True)
class Notice:
    """A relay sent NOTICE."""

    url: str
    message: str


@dataclass(frozen=True, slots=True)
class SubscriptionClosed:
    """A relay ended or refused one of our subscriptions (CLOSED), with its reason."""

    url: str
    sub_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class AuthRequired:
    """A relay demands NIP-42 login that we may not or cannot give ("relay requires login")."""

    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class AuthResult:
    """We answered a relay's AUTH challenge; `accepted` is the relay's verdict."""

    url: str
    accepted: bool
    message: str = ""


@dataclass(frozen=True, slots=True)
class RelayResult:
    """One relay's answer to a publish."""

    url: str
    status: PublishStatus
    message: str = ""


@dataclass(frozen=True, slots=True)
class PublishFinished:
    """Every relay asked to take an event has answered, timed out or been found unreachable."""

    event_id: str
    results: tuple[RelayResult, ...]

    @property
    def accepted(self) -> bool:
        """True when at least one relay accepted the event."""
        return any(r.status is PublishStatus.ACCEPTED for r in self.results)


@dataclass(frozen=True, slots=True)
class EndOfStored:
    """Every relay of a subscription sent EOSE, was unreachable, or timed out."""

    sub_id: str
    eose: tuple[str, ...]
    timed_out: tuple[str, ...]
    unreachable: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RelayInfoFetched:
    """The result of fetching a relay's NIP-11 document; `info` is None when `error` says why."""

    url: str
    info: object | None
    error: str = ""


Notification = (
    StateChanged
    | Notice
    | SubscriptionClosed
    | AuthRequired
    | AuthResult
    | PublishFinished
    | EndOfStored
    | RelayInfoFetched
)


class NotificationQueue:
    """A bounded buffer of notifications, usable as the pool's callback and read with `async for`.

    When full, the oldest notification is dropped and counted in `dropped`.
    """

    def __init__(self, maxlen: int = 10_000) -> None:
        self._items: deque[Notification] = deque()
        self._maxlen = maxlen
        self._ready = asyncio.Event()
        self.dropped = 0

    def __call__(self, note: Notification) -> None:
        if len(self._items) >= self._maxlen:
            self._items.popleft()
            self.dropped += 1
        self._items.append(note)
        self._ready.set()

    def pending(self) -> list[Notification]:
        """Take every buffered notification without waiting."""
        out = list(self._items)
        self._items.clear()
        self._ready.clear()
        return out

    async def get(self) -> Notification:
        """The next notification, waiting for one."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def __aiter__(self) -> AsyncIterator[Notification]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Notification]:
        while True:
            yield await self.get()
