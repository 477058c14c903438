"""One read of the relays that survives a dropped connection: a relay that was connected and drops before its
EOSE (a restart, a frame too large for the connection) is reconnected by the pool with its own backoff; the
read waits for it within the EOSE deadline and asks it again, handing on each event once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

from ..protocol.filters import Filter
from ..relay.notifications import RelayState
from ..relay.pool import RelayPool
from ..relay.subscription import Received, Subscription
from .relays import Relays

MAX_RETRIES = 3
"""Times one read asks a relay again after its connection dropped (one that drops each time is given up)."""

Subscribe = Callable[[list[Filter], "list[str] | None", bool, float], Subscription]
"""Opens one subscription: (filters, relays or None for the read relays, close on EOSE, EOSE timeout)."""


class Reading:
    """The subscriptions of one read: `filters` on `relays` (None: the read relays) until every relay sent EOSE,
    could not be reached or `timeout` passed; with `live`, one subscription that runs until `close()`.

    Iterate for batches of events. Afterwards `answered`, `timed_out` and `unreachable` say how each relay did
    (a relay that dropped and answered after reconnecting counts as answered)."""

    def __init__(self, pool: RelayPool, relays: Relays, subscribe: Subscribe, filters: Sequence[Filter],
                 chosen: Sequence[str] | None, timeout: float, *, live: bool = False) -> None:
        self._pool = pool
        self._relays = relays
        self._open = subscribe
        self._filters = list(filters)
        self._chosen = None if chosen is None else list(chosen)
        self._live = live
        loop = asyncio.get_running_loop()
        self._deadline = loop.time() + timeout
        self._was_up: set[str] = set()
        self._connects: dict[str, int] = {}
        self._retries: dict[str, int] = {}
        self.answered: list[str] = []
        self.timed_out: list[str] = []
        self.unreachable: list[str] = []
        self._seen: set[str] = set()
        self._closed = False
        self._sub: Subscription | None = self._subscribe(self._chosen, timeout)

    def _subscribe(self, relays: list[str] | None, timeout: float) -> Subscription:
        targets = relays if relays is not None else self._pool.read_urls()
        status = {s.url: s for s in self._pool.status()}
        for url in targets:  # how each relay stood as this round began
            if url in status:
                self._connects[url] = status[url].stats.connects
                (self._was_up.add if status[url].state is RelayState.CONNECTED else self._was_up.discard)(url)
        return self._open(self._filters, relays, not self._live, max(0.0, timeout))

    def _remaining(self) -> float:
        return self._deadline - asyncio.get_running_loop().time()

    def _dropped(self, url: str) -> bool:
        """Whether the relay's connection dropped during this round (rather than it never answering, or
        refusing the subscription while connected), and it has not been asked too often already."""
        now = next((s for s in self._pool.status() if s.url == url), None)
        if now is None or self._retries.get(url, 0) >= MAX_RETRIES:
            return False
        reconnected = now.stats.connects > self._connects.get(url, 0)
        if now.state is RelayState.CONNECTED:
            return reconnected
        return url in self._was_up or reconnected

    def __aiter__(self) -> AsyncIterator[list[Received]]:
        return self._batches()

    async def _batches(self) -> AsyncIterator[list[Received]]:
        waiting: set[str] = set()
        while self._sub is not None:
            sub = self._sub
            async for first in sub:
                batch = [first, *sub.get_nowait()]
                if not self._live:
                    batch = [r for r in batch if r.event.id not in self._seen]
                    self._seen.update(r.event.id for r in batch)
                if batch:
                    yield batch
            self._sub = None
            sub.close()
            self.answered += [u for u in sub.eose_relays if u not in self.answered]
            self.timed_out += sub.timed_out
            for url in sub.unreachable:
                (waiting.add if self._dropped(url) else self.unreachable.append)(url)
            if self._live or self._closed or not waiting:
                break
            back = await self._relays.wait_connected(sorted(waiting), self._remaining())
            if not back or self._closed:
                break
            waiting -= set(back)
            for url in back:
                self._retries[url] = self._retries.get(url, 0) + 1
            self._sub = self._subscribe(back, self._remaining())
        self.unreachable += sorted(waiting)

    def close(self) -> None:
        """Stop reading (what is buffered is dropped)."""
        self._closed = True
        sub, self._sub = self._sub, None
        if sub is not None:
            sub.close()
