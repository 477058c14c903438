"""A logical subscription across relays: one merged stream of (event, relay) and an end-of-stored signal."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

from ..protocol.event import Event
from ..protocol.filters import Filter

BUFFER_LIMIT = 5000
"""Events a subscription holds for its reader at most; the relays pause (then drop and count) beyond it."""


class Received(NamedTuple):
    """An event delivered to a subscription, with the relay it first came from."""

    event: Event
    relay: str


class Subscription:
    """Events matching `filters` from the pool's read relays, each delivered once.

    Iterate with `async for event, relay in sub`. With `close_on_eose` the iteration ends once every
    relay has sent EOSE, was unreachable or timed out; otherwise it runs until `close()`.
    At most `limit` events wait for the reader: a full buffer makes the relays pause reading for a
    while, and what still does not fit is dropped and counted in `dropped`.
    """

    def __init__(
        self,
        sub_id: str,
        filters: tuple[Filter, ...],
        relays: tuple[str, ...] | None,
        close_on_eose: bool,
        on_close: Callable[[Subscription], None],
        limit: int = BUFFER_LIMIT,
    ) -> None:
        self.id = sub_id
        self.filters = filters
        self.relays = relays  # None: every read relay of the pool, including ones added later
        self.close_on_eose = close_on_eose
        self.eose_relays: list[str] = []
        self.timed_out: list[str] = []
        self.unreachable: list[str] = []
        self.delivered = 0
        self.limit = max(1, limit)
        self.dropped = 0  # events that arrived while the buffer was full
        self.stalled = False  # the reader did not make room in time: drop at once until it does
        self._space = asyncio.Event()
        self._space.set()
        self._backlog = asyncio.Event()
        self._waiting_eose: set[str] = set()
        self._eose_done = asyncio.Event()
        self._items: deque[Received] = deque()
        self._ready = asyncio.Event()
        self._closed = False
        self._on_close = on_close
        self._timer: asyncio.TimerHandle | None = None

    @property
    def closed(self) -> bool:
        """True after `close()` (or the pool's shutdown)."""
        return self._closed

    @property
    def eose(self) -> bool:
        """True once every relay has sent EOSE, was unreachable or timed out."""
        return self._eose_done.is_set()

    async def wait_eose(self) -> None:
        """Wait until every relay has sent EOSE, was unreachable or timed out."""
        await self._eose_done.wait()

    async def wait_backlog(self) -> None:
        """Wait until every relay has sent EOSE (or was unreachable or timed out) or the buffer is full."""
        await self._backlog.wait()

    @property
    def buffered(self) -> int:
        """Events waiting for the reader."""
        return len(self._items)

    @property
    def full(self) -> bool:
        """True while the buffer holds `limit` events."""
        return len(self._items) >= self.limit

    def close(self) -> None:
        """Stop the subscription on every relay; iteration ends after what is already buffered."""
        if self._closed:
            return
        self._end()
        self._on_close(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Received:
        while not self._items:
            if self._closed or (self.close_on_eose and self._eose_done.is_set()):
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        item = self._items.popleft()
        self._taken()
        return item

    def get_nowait(self) -> list[Received]:
        """Take everything buffered without waiting."""
        out = list(self._items)
        self._items.clear()
        self._taken()
        return out

    # ------------------------------------------------------------ driven by the pool

    def _deliver(self, event: Event, relay: str) -> bool:
        """Buffer one event for the reader; False (and counted) when the buffer is full."""
        items = self._items
        if len(items) >= self.limit:
            self.dropped += 1
            return False
        items.append(Received(event, relay))
        self.delivered += 1
        self._ready.set()
        if len(items) >= self.limit:
            self._space.clear()
            self._backlog.set()
        return True

    def _taken(self) -> None:
        if len(self._items) <= self.limit // 2 and not self._space.is_set():
            self._space.set()
            self.stalled = False
            if not self._eose_done.is_set():
                self._backlog.clear()

    async def _wait_space(self, timeout: float) -> bool:
        """Wait (bounded) until the reader made room; on a timeout the subscription counts as stalled."""
        if self._space.is_set():
            return True
        try:
            await asyncio.wait_for(self._space.wait(), timeout)
        except TimeoutError:
            self.stalled = True
            return False
        return True

    def _expect(self, url: str) -> None:
        if not self._eose_done.is_set():
            self._waiting_eose.add(url)

    def _relay_done(self, url: str, how: str) -> bool:
        """Record that `url` finished its stored events ("eose", "timeout", "unreachable"); True on the last."""
        if url not in self._waiting_eose or self._eose_done.is_set():
            return False
        self._waiting_eose.discard(url)
        {"eose": self.eose_relays, "timeout": self.timed_out, "unreachable": self.unreachable}[how].append(url)
        return self._check_done()

    def _check_done(self) -> bool:
        if self._waiting_eose or self._eose_done.is_set():
            return False
        self._eose_done.set()
        self._backlog.set()
        self._ready.set()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return True

    def _time_out(self) -> list[str]:
        self._timer = None
        late = sorted(self._waiting_eose)
        self._waiting_eose.clear()
        self.timed_out.extend(late)
        return late

    def _end(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._eose_done.set()
        self._backlog.set()
        self._space.set()
        self._ready.set()
