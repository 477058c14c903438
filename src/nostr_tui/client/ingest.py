"""Ingest: the one path from relays to the store. Every subscription of the client is opened here; what
arrives (already deduplicated and verified by the pool, off the event loop) is written to the store by its
single writer thread, in batches, and only then handed on to whoever asked."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..protocol.event import Event
from ..protocol.filters import Filter
from ..relay.pool import RelayPool
from ..relay.subscription import Received, Subscription
from ..store.aio import Store
from ..store.cache import EventCache
from ..store.rules import Relation, ref_rows
from ..store.writes import AddStatus
from .relays import Relays

BATCH_DELAY = 0.05
"""Seconds live events wait so that a burst becomes one batch (one transaction, one notification)."""
SEEN_DELAY = 0.2
MAX_UNSAVED = 4096
"""Events a `Stream` holds for its next write at most; beyond that its reader waits for the write in flight."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a one-shot fetch got, and which relays answered (sent EOSE), timed out or could not be reached."""

    events: list[Event]
    answered: tuple[str, ...] = ()
    timed_out: tuple[str, ...] = ()
    unreachable: tuple[str, ...] = ()

    @property
    def silent(self) -> tuple[str, ...]:
        """Relays asked that did not answer (timed out or unreachable)."""
        return self.timed_out + self.unreachable


def _by_relay(received: Sequence[Received]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for r in received:
        out.setdefault(r.relay, []).append(r.event)
    return out


COUNTED_KINDS = frozenset({1, 6, 7, 16})


def counted_for(events: Sequence[Event], statuses: Sequence[AddStatus]) -> set[str]:
    """The notes whose counts the newly stored events change (a reply's parent, a reaction's or repost's note)."""
    out: set[str] = set()
    for event, status in zip(events, statuses, strict=True):
        if status is AddStatus.STORED and event.kind in COUNTED_KINDS and any(t[:1] == ("e",) for t in event.tags):
            out.update(target for target, rel, _ in ref_rows(event, 0) if rel != Relation.QUOTE)
    return out


def _save(cache: EventCache, by_relay: dict[str, list[Event]], seen: Sequence[tuple[str, str]],
          counted: bool) -> set[str]:
    changed: set[str] = set()
    with cache.transaction():
        for relay, events in by_relay.items():
            statuses = cache.add(events, relay=relay)
            if counted:
                changed |= counted_for(events, statuses)
        _record_seen(cache, seen)
    return changed


def _save_own(cache: EventCache, events: list[Event], counted: bool) -> set[str]:
    statuses = cache.add(events)
    return counted_for(events, statuses) if counted else set()


def _record_seen(cache: EventCache, seen: Sequence[tuple[str, str]]) -> None:
    """Note in the cache that events it holds were also received from these relays."""
    cache.add_seen(seen)


@dataclass(eq=False)
class Stream:
    """A subscription read in batches (`async for batch in stream`), each stored as it goes.

    After the iteration: `answered`, `timed_out`, `unreachable` say how the relays did, `received` counts."""

    _ingest: Ingest
    _sub: Subscription
    _release: contextlib.AsyncExitStack
    received: int = 0
    _unsaved: list[Received] = field(default_factory=list)
    _writing: asyncio.Future[None] | None = None
    _failed: list[asyncio.Future[None]] = field(default_factory=list)

    @property
    def answered(self) -> tuple[str, ...]:
        """Relays that sent EOSE."""
        return tuple(self._sub.eose_relays)

    @property
    def timed_out(self) -> tuple[str, ...]:
        """Relays that did not send EOSE in time."""
        return tuple(self._sub.timed_out)

    @property
    def unreachable(self) -> tuple[str, ...]:
        """Relays that could not be reached."""
        return tuple(self._sub.unreachable)

    def __aiter__(self) -> AsyncIterator[list[Received]]:
        return self._batches()

    async def _batches(self) -> AsyncIterator[list[Received]]:
        sub = self._sub
        try:
            async for first in sub:
                batch = [first, *sub.get_nowait()]
                self.received += len(batch)
                await self._store(batch)
                yield batch
        finally:
            await self.close()

    async def _store(self, batch: list[Received]) -> None:
        """Store `batch`: with the one write in flight, or as soon as it is done, together with whatever else
        arrived meanwhile. One write of many events costs the writer less per event than many small ones: a
        transaction rewrites every index page it touched, and each statement waits its turn for Python's GIL
        beside the busy event loop. The reader waits only when `MAX_UNSAVED` events are not yet given."""
        self._unsaved += batch
        while len(self._unsaved) >= MAX_UNSAVED and self._writing is not None:
            await asyncio.wait([self._writing])
        self._write()

    def _write(self) -> None:
        if self._writing is None and self._unsaved:
            received, self._unsaved = self._unsaved, []
            self._writing = asyncio.ensure_future(self._ingest.store(received))
            self._writing.add_done_callback(self._written)

    def _written(self, write: asyncio.Future[None]) -> None:
        self._writing = None
        if write.cancelled() or write.exception() is not None:
            self._failed.append(write)  # raised by close(); a live stream keeps no record of writes that worked
        self._write()

    async def close(self) -> None:
        """Stop the subscription and wait until everything received is in the store."""
        self._sub.close()
        await self._release.aclose()
        while self._writing is not None:
            await asyncio.wait([self._writing])
        failed, self._failed = self._failed, []
        if failed:
            await asyncio.gather(*failed)


class Watch:
    """A live subscription: each batch that arrives is stored, then handed to `on_new` (in order)."""

    def __init__(self, ingest: Ingest, subs: list[Subscription], on_new: Callable[[list[Received]], Awaitable[None]],
                 name: str) -> None:
        self._ingest = ingest
        self._subs = subs
        self._on_new = on_new
        self._task = asyncio.get_running_loop().create_task(self._run(), name=name)

    async def _run(self) -> None:
        try:
            await asyncio.gather(*(self._consume(sub) for sub in self._subs))
        finally:
            for sub in self._subs:
                sub.close()

    async def _consume(self, sub: Subscription) -> None:
        while not sub.eose:  # what the relays hold arrives as one batch (or a full buffer's worth)
            await sub.wait_backlog()
            backlog = sub.get_nowait()
            if backlog:
                await self._take(backlog)
        async for first in sub:
            await asyncio.sleep(BATCH_DELAY)  # a burst of live events becomes one batch
            await self._take([first, *sub.get_nowait()])

    async def _take(self, received: list[Received]) -> None:
        await self._ingest.store(received)
        await self._on_new(received)

    async def close(self) -> None:
        """Stop the subscriptions."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


class Ingest:
    """Relays -> (pool: deduplicate, verify on worker threads) -> store (one writer) -> the asker."""

    def __init__(self, pool: RelayPool, store: Store, relays: Relays,
                 spawn: Callable[[Awaitable[Any]], asyncio.Task[Any]]) -> None:
        self._pool = pool
        self._store = store
        self._relays = relays
        self._spawn = spawn
        self._seen: list[tuple[str, str]] = []
        self._seen_task: asyncio.Task[Any] | None = None
        self._counts_listeners: list[Callable[[set[str]], None]] = []
        self._closing = False

    # -- writing -------------------------------------------------------------------------------

    def on_counts_changed(self, listener: Callable[[set[str]], None]) -> None:
        """Call `listener(note_ids)` after stored events changed those notes' reply, reaction or repost counts."""
        self._counts_listeners.append(listener)

    def _counts_changed(self, note_ids: set[str]) -> None:
        if note_ids:
            for listener in self._counts_listeners:
                listener(note_ids)

    async def store(self, received: Sequence[Received]) -> None:
        """Save events from relays (grouped by relay, one transaction) with the relays they were also seen on."""
        by_relay = _by_relay(received)
        seen, self._seen = self._seen, []
        counted = bool(self._counts_listeners)  # nobody listening: the notes changed are not worked out
        self._counts_changed(await self._store.write_cache(lambda c: _save(c, by_relay, seen, counted)))

    async def add_own(self, events: Iterable[Event]) -> None:
        """Save events the user made here (before any relay has them)."""
        batch = list(events)
        counted = bool(self._counts_listeners)
        self._counts_changed(await self._store.write_cache(lambda c: _save_own(c, batch, counted)))

    def seen(self, event_id: str, url: str) -> None:
        """An event already received turned up on another relay (the pool's callback); recorded in a batch."""
        self._seen.append((event_id, url))
        if self._seen_task is None and not self._closing:
            self._seen_task = self._spawn(self._flush_seen())

    async def _flush_seen(self) -> None:
        try:
            await asyncio.sleep(SEEN_DELAY)
            seen, self._seen = self._seen, []
            if seen:
                await self._store.write_cache(lambda c: _record_seen(c, seen))
        finally:
            self._seen_task = None

    # -- reading from relays -------------------------------------------------------------------

    async def _open(self, filters: Sequence[Filter], relays: Iterable[str] | None, *, close_on_eose: bool,
                    timeout: float | None, stack: contextlib.AsyncExitStack) -> Subscription:
        chosen = None if relays is None else await stack.enter_async_context(self._relays.borrowed(relays))
        return self._pool.subscribe(list(filters), relays=chosen, close_on_eose=close_on_eose, eose_timeout=timeout)

    async def fetch(self, filters: Sequence[Filter], relays: Iterable[str] | None = None,
                    timeout: float | None = None) -> FetchResult:
        """Ask relays once (the read relays, or `relays`, borrowed when new) until each sent EOSE, could not be
        reached or `timeout` (default: the config's) passed; store what came back and return it."""
        if not filters or self._closing:
            return FetchResult([])
        async with contextlib.AsyncExitStack() as stack:
            sub = await self._open(filters, relays, close_on_eose=True, timeout=timeout, stack=stack)
            out: list[Received] = []
            try:
                async for r in sub:
                    out.append(r)
            finally:
                sub.close()
        if out:
            await self.store(out)
        return FetchResult([r.event for r in out], tuple(sub.eose_relays), tuple(sub.timed_out),
                           tuple(sub.unreachable))

    async def stream(self, filters: Sequence[Filter], relays: Iterable[str] | None = None, *,
                     live: bool = False, timeout: float | None = None) -> Stream:
        """Read matching events in batches as they arrive, each batch stored; ends after EOSE unless `live`."""
        stack = contextlib.AsyncExitStack()
        sub = await self._open(filters, relays, close_on_eose=not live, timeout=timeout, stack=stack)
        return Stream(self, sub, stack)

    def watch(self, plan: Sequence[tuple[Sequence[Filter], Sequence[str] | None]],
              on_new: Callable[[list[Received]], Awaitable[None]], *, name: str = "watch") -> Watch:
        """Live subscriptions (filters on the read relays when the relays are None, else on those relays):
        stored events reach `on_new` in batches until `close()`."""
        subs = [self._pool.subscribe(list(f), relays=None if r is None else list(r)) for f, r in plan if f]
        return Watch(self, subs, on_new, name)

    def seen_on(self, event_id: str) -> tuple[str, ...]:
        """Relays the pool received an event from, while it remembers it."""
        return self._pool.seen_on(event_id)

    def close(self) -> None:
        """No new work from here on."""
        self._closing = True
