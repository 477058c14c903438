"""A logical subscription across relays: one merged stream of (event, relay) and an end-of-stored signal."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

from ..protocol.event import Event
from ..protocol.filters import Filter


class Received(NamedTuple):
    """An event delivered to a subscription, with the relay it first came from."""

    event: Event
    relay: str


class Subscription:
    """Events matching `filters` from the pool's read relays, each delivered once.

    Iterate with `async for event, relay in sub`. With `close_on_eose` the iteration ends once every
    relay has sent EOSE, was unreachable or timed out; otherwise it runs until `close()`.
    """

    def __init__(
        self,
        sub_id: str,
        filters: tuple[Filter, ...],
        relays: tuple[str, ...] | None,
        close_on_eose: bool,
        on_close: Callable[[Subscription], None],
    ) -> None:
        self.id = sub_id
        self.filters = filters
        self.relays = relays  # None: every read relay of the pool, including ones added later
        self.close_on_eose = close_on_eose
        self.eose_relays: list[str] = []
        self.timed_out: list[str] = []
        self.unreachable: list[str] = []
        self.delivered = 0
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
        return self._items.popleft()

    def get_nowait(self) -> list[Received]:
        """Take everything buffered without waiting."""
        out = list(self._items)
        self._items.clear()
        return out

    # ------------------------------------------------------------ driven by the pool

    def _deliver(self, event: Event, relay: str) -> None:
        self._items.append(Received(event, relay))
        self.delivered += 1
        self._ready.set()

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
        self._ready.set()
