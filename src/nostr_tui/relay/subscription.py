"""A logical subscription across relays: one merged stream of (event, relay) and an end-of-stored signal."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

from ..protocol.event import Event
from ..protocol.filters import Filter
from .timeouts import within

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
    while, and what still does not fit is dropped and counted in `dropped`. `on_eose(sub)` is called
    once when the stored events end (every relay sent EOSE, was unreachable or timed out).
    """

    def __init__(
        self,
        sub_id: str,
        filters: tuple[Filter, ...],
        relays: tuple[str, ...] | None,
        close_on_eose: bool,
        on_close: Callable[[Subscription], None],
        limit: int = BUFFER_LIMIT,
        on_eose: Callable[[Subscription], None] | None = None,
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
        self._on_eose = on_eose
        self._timer: asyncio.TimerHandle | None = None
        self._held = 0  # events on their way (being checked) that count against the room

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
        """Wait until every relay has sent EOSE (or was unreachable or timed out), or the buffer is full
        (counting events on their way), or the relays wait for room and nothing more is on its way."""
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
        self.end()
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

    # ------------------------------------------------------------ fed by the pool
    #
    # The pool (never a reader) calls these: `expect` / `relay_done` / `start_eose_timer` keep the end of
    # stored events, `hold` / `release` / `push` the buffer, `needs_room` / `wait_room` the backpressure,
    # `end` the shutdown.

    def expect(self, url: str) -> None:
        """Hold the end of stored events until `url` is done (see `relay_done`); no effect once reached."""
        if not self._eose_done.is_set():
            self._waiting_eose.add(url)

    def relay_done(self, url: str, how: str) -> None:
        """`url` is done with stored events: `how` is "eose", "timeout" or "unreachable" (the list it joins).

        The last relay awaited ends the stored events (`on_eose` is called); a relay not awaited is ignored.
        """
        if url not in self._waiting_eose or self._eose_done.is_set():
            return
        self._waiting_eose.discard(url)
        {"eose": self.eose_relays, "timeout": self.timed_out, "unreachable": self.unreachable}[how].append(url)
        self._check_done()

    def start_eose_timer(self, timeout: float) -> None:
        """Relays still awaited after `timeout` seconds count as timed out. Ends the stored events at once
        when no relay is awaited."""
        if self._timer is None and not self._eose_done.is_set():
            self._timer = asyncio.get_running_loop().call_later(timeout, self._time_out)
        self._check_done()

    def hold(self) -> None:
        """One event for this subscription is on its way (being checked): it counts against the room."""
        self._held += 1
        if len(self._items) + self._held >= self.limit:
            self._full()

    def release(self) -> None:
        """An event counted by `hold` is no longer on its way: it was invalid, a duplicate, did not match, or
        is about to be pushed."""
        if self._held > 0:
            self._held -= 1
            self._room_made()
            if not self._held and not self._space.is_set():
                # The relays wait for room and nothing more is on its way: however short of full the buffer
                # is, only its reader can make that room, so it is woken (it may have taken what was there
                # while the rest was still being checked).
                self._backlog.set()

    def push(self, event: Event, relay: str) -> bool:
        """Buffer one event for the reader; False (and counted in `dropped`) when the buffer is full."""
        items = self._items
        if len(items) >= self.limit:
            self.dropped += 1
            return False
        items.append(Received(event, relay))
        self.delivered += 1
        self._ready.set()
        if len(items) + self._held >= self.limit:
            self._full()
        return True

    @property
    def needs_room(self) -> bool:
        """True while buffered and held events fill the buffer and the reader has not stalled: the relays
        feeding it should `wait_room()` before reading more."""
        return len(self._items) + self._held >= self.limit and not self.stalled

    async def wait_room(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until the reader made room; on a timeout the subscription counts
        as stalled (events that do not fit are dropped at once until it makes room)."""
        if self._space.is_set():
            return True
        try:
            await within(self._space.wait(), timeout)
        except TimeoutError:
            self.stalled = True
            return False
        return True

    def end(self) -> None:
        """Close without telling the pool (the pool's own shutdown); iteration ends after what is buffered."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._eose_done.set()
        self._backlog.set()
        self._space.set()
        self._ready.set()

    # ------------------------------------------------------------ inside

    def _full(self) -> None:
        # The relays pause from here on. A reader waiting for a backlog is woken too: events still being
        # checked may turn out invalid and leave the buffer short of full while its relays wait for room.
        self._space.clear()
        self._backlog.set()

    def _taken(self) -> None:
        if len(self._items) <= self.limit // 2 and self._backlog.is_set() and not self._eose_done.is_set():
            self._backlog.clear()
        self._room_made()

    def _room_made(self) -> None:
        if len(self._items) + self._held <= self.limit // 2 and not self._space.is_set():
            self._space.set()
            self.stalled = False

    def _check_done(self) -> None:
        if self._waiting_eose or self._eose_done.is_set():
            return
        self._eose_done.set()
        self._backlog.set()
        self._ready.set()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._on_eose is not None:
            self._on_eose(self)

    def _time_out(self) -> None:
        self._timer = None
        late = sorted(self._waiting_eose)
        self._waiting_eose.clear()
        self.timed_out.extend(late)
        self._check_done()
