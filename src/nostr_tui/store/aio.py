"""The async face of the store: one writer thread batching writes into transactions, reader threads
for cache queries. The event loop never runs SQL; every method is awaited."""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from .. import paths
from ..protocol.event import Event
from ..protocol.filters import Filter
from .cache import EventCache
from .errors import StoreError
from .prune import PruneReport
from .reads import CacheStats, Counts
from .rules import Relation
from .state import Draft, OutboxEntry, StateStore
from .writes import INDEX_CHUNK, AddStatus

T = TypeVar("T")
Target = Literal["cache", "state"]

INDEX_IDLE = 0.05
"""Seconds without writes after which the writer moves stored notes into the search index."""
GATHER = 0.03
"""Seconds the writer gathers writes into one commit at most, when the previous commit was less than this ago."""
GATHER_GAP = 0.002
"""Seconds without a new write after which the writer stops gathering and commits."""
INDEX_EVERY = 1.0
"""Seconds between chunks of the search index while writes keep coming (search reads the rest meanwhile)."""


@dataclass
class _Op:
    target: Target
    fn: Callable[[Any], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    alone: bool = False  # runs outside the batch transaction (prune, rebuild)


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.cancelled():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class Store:
    """The cache and the state file behind awaitables, for the client.

    Writes from any number of callers are queued to one writer thread, which commits whatever is
    waiting as one transaction per file (each call in its own savepoint, so one failure does not
    undo the others) and only then resolves the callers' awaits. Cache queries run on reader
    threads with their own connections.
    """

    def __init__(
        self,
        cache_path: Path,
        state_path: Path,
        *,
        clock: Callable[[], float] = time.time,
        rebuild_corrupt_cache: bool = True,
        readers: int = 1,
        batch_max: int = 1000,
    ) -> None:
        self.cache_path = cache_path
        self.state_path = state_path
        self.notice: str | None = None
        self._clock = clock
        self._rebuild = rebuild_corrupt_cache
        self._batch_max = batch_max
        self._queue: queue.SimpleQueue[_Op | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._cache: EventCache | None = None
        self._state: StateStore | None = None
        self._pool = ThreadPoolExecutor(max_workers=max(1, readers), thread_name_prefix="store-read")
        self._local = threading.local()
        self._readers: list[EventCache] = []
        self._readers_lock = threading.Lock()
        self._generation = 0
        self._closed = False
        self._index_due = False  # stored notes wait for the search index (writer thread only)
        self._indexed_at = 0.0
        self._committed_at = 0.0

    @classmethod
    async def open(
        cls,
        data_dir: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
        rebuild_corrupt_cache: bool = True,
        readers: int = 1,
    ) -> Store:
        """Open both files under `data_dir` (default: the platformdirs data dir).

        A damaged cache is moved aside and rebuilt (`notice` then says so) unless
        `rebuild_corrupt_cache` is False, in which case CacheCorruptError is raised. A damaged state
        file always raises StateCorruptError and is left untouched.
        """
        store = cls(
            paths.cache_file(data_dir), paths.state_file(data_dir), clock=clock,
            rebuild_corrupt_cache=rebuild_corrupt_cache, readers=readers,
        )
        await store.start()
        return store

    async def start(self) -> None:
        """Open the files on the writer thread; raises what opening raised."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        self._thread = threading.Thread(target=self._writer, args=(loop, ready), name="store-writer", daemon=True)
        self._thread.start()
        try:
            await ready
        except BaseException:
            await asyncio.to_thread(self._thread.join, 10.0)
            self._pool.shutdown(wait=False)
            self._closed = True
            raise

    async def close(self) -> None:
        """Commit what is queued, stop the threads and close every connection."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 30.0)
        await asyncio.to_thread(self._pool.shutdown, True)
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- the writer thread ----------------------------------------------------------------------

    def _writer(self, loop: asyncio.AbstractEventLoop, ready: asyncio.Future[None]) -> None:
        try:
            self._state = StateStore.open(self.state_path, clock=self._clock)
            self._cache = EventCache.open(self.cache_path, clock=self._clock, rebuild_if_corrupt=self._rebuild)
            self.notice = self._cache.notice
        except BaseException as exc:
            if self._state is not None:
                self._state.close()
            loop.call_soon_threadsafe(_settle, ready, False, exc)
            return
        loop.call_soon_threadsafe(_settle, ready, True, None)
        self._index_due = self._cache.unindexed() > 0
        stop = False
        while not stop:
            if self._index_due:
                try:
                    first = self._queue.get(timeout=INDEX_IDLE)
                except queue.Empty:  # nothing to write: fill the search index, chunk after chunk, until a write comes
                    while self._index_due and self._queue.empty():
                        self._index_chunk()
                    continue
            else:
                first = self._queue.get()
            if first is None:
                break
            batch = [first]
            # While writes keep coming (the last commit was moments ago), take the ones that follow each other
            # closely into the same commit: one commit writes every index page the batch touched, so fewer,
            # larger commits cost less per event. A writer that waits for its answer before writing again
            # (a fetch's stream, each live subscription) sends nothing more meanwhile: the wait ends after a
            # gap of GATHER_GAP, not GATHER, so it is not kept idle after each commit.
            busy = time.monotonic() - self._committed_at < GATHER
            until = time.monotonic() + GATHER
            while len(batch) < self._batch_max:
                try:
                    wait = min(GATHER_GAP, until - time.monotonic()) if busy else 0.0
                    nxt = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._run_batch(batch)
            self._committed_at = time.monotonic()
            if any(op.target == "cache" for op in batch):
                self._index_due = True
                if time.monotonic() - self._indexed_at >= INDEX_EVERY:  # writes keep coming: index anyway
                    self._index_chunk()
        self._cache.close()
        self._state.close()

    def _index_chunk(self) -> None:
        """Move a chunk of stored notes into the search index (on the writer thread, in its own transaction)."""
        assert self._cache is not None
        self._indexed_at = time.monotonic()
        try:
            moved = self._cache.index_some(INDEX_CHUNK)
        except (StoreError, sqlite3.Error):  # a full or damaged file: the writes report it; search still reads
            moved = 0
        if moved < INDEX_CHUNK:
            self._index_due = False

    def _target(self, target: Target) -> EventCache | StateStore:
        obj = self._cache if target == "cache" else self._state
        assert obj is not None
        return obj

    def _run_batch(self, batch: list[_Op]) -> None:
        segment: list[_Op] = []
        for op in [*batch, None]:
            if op is not None and not op.alone:
                segment.append(op)
                continue
            for target in ("cache", "state"):
                group = [o for o in segment if o.target == target]
                if group:
                    self._run_group(target, group)
            segment = []
            if op is not None:
                self._run_group(op.target, [op], alone=True)

    def _run_group(self, target: Target, ops: list[_Op], alone: bool = False) -> None:
        db = self._target(target)
        results: list[tuple[_Op, bool, Any]] = []
        try:
            if alone:
                try:
                    results.append((ops[0], True, ops[0].fn(db)))
                except Exception as exc:
                    results.append((ops[0], False, exc))
            else:
                with db.transaction():
                    for op in ops:
                        try:
                            with db.transaction():
                                results.append((op, True, op.fn(db)))
                        except Exception as exc:
                            results.append((op, False, exc))
        except Exception as exc:  # the commit itself failed: nothing in the group was saved
            results = [(op, False, exc) for op in ops]
        for op, ok, value in results:
            try:
                op.loop.call_soon_threadsafe(_settle, op.future, ok, value)
            except RuntimeError:  # the caller's loop is gone
                pass

    async def _submit(self, target: Target, fn: Callable[[Any], T], alone: bool = False) -> T:
        if self._closed:
            raise RuntimeError("the store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Op(target, fn, loop, future, alone))
        return await future

    async def write_cache(self, fn: Callable[[EventCache], T]) -> T:
        """Run `fn(cache)` on the writer thread inside the current batch transaction."""
        return await self._submit("cache", fn)

    async def state(self, fn: Callable[[StateStore], T]) -> T:
        """Run `fn(state)` on the writer thread inside the current batch transaction (reads too)."""
        return await self._submit("state", fn)

    # -- readers --------------------------------------------------------------------------------

    def _reader(self) -> EventCache:
        local = self._local
        cache: EventCache | None = getattr(local, "cache", None)
        if cache is None or getattr(local, "generation", -1) != self._generation:
            if cache is not None:
                cache.close()
            cache = EventCache.open_reader(self.cache_path, clock=self._clock)
            local.cache, local.generation = cache, self._generation
            with self._readers_lock:
                self._readers.append(cache)
        return cache

    async def read_cache(self, fn: Callable[[EventCache], T]) -> T:
        """Run `fn(cache)` on a reader thread with its own connection (sees committed data only)."""
        if self._closed:
            raise RuntimeError("the store is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: fn(self._reader()))

    # -- cache ----------------------------------------------------------------------------------

    async def add(
        self, events: Iterable[Event], *, relay: str | None = None, sync_key: str | None = None
    ) -> list[AddStatus]:
        """Store received events; see `EventCache.add`. Resolves once committed."""
        batch = list(events)
        return await self.write_cache(lambda c: c.add(batch, relay=relay, sync_key=sync_key))

    async def set_sync(self, relay: str, key: str, newest: int) -> None:
        """Record a subscription's resume point; see `EventCache.set_sync`."""
        await self.write_cache(lambda c: c.set_sync(relay, key, newest))

    async def query(self, filters: Filter | Iterable[Filter]) -> list[Event]:
        """Events matching the filters, newest first; see `EventCache.query`."""
        flts = filters if isinstance(filters, Filter) else list(filters)
        return await self.read_cache(lambda c: c.query(flts))

    async def feed(
        self, authors: Iterable[str], *, kinds: Iterable[int] = (1, 6),
        before: tuple[int, str] | None = None, limit: int = 50,
    ) -> list[Event]:
        """A home-feed page; see `EventCache.feed`."""
        a, k = list(authors), list(kinds)
        return await self.read_cache(lambda c: c.feed(a, kinds=k, before=before, limit=limit))

    async def thread(self, root_id: str, *, kinds: Iterable[int] | None = None) -> list[Event]:
        """A whole thread, oldest first; see `EventCache.thread`."""
        k = None if kinds is None else list(kinds)
        return await self.read_cache(lambda c: c.thread(root_id, kinds=k))

    async def related(self, note_id: str, relation: Relation) -> list[Event]:
        """Replies, reactions, reposts or quotes of a note; see `EventCache.related`."""
        return await self.read_cache(lambda c: c.related(note_id, relation))

    async def counts(self, note_ids: Iterable[str]) -> dict[str, Counts]:
        """Counts for many notes at once; see `EventCache.counts`."""
        ids = list(note_ids)
        return await self.read_cache(lambda c: c.counts(ids))

    async def profiles(self, pubkeys: Iterable[str]) -> dict[str, Event]:
        """Kind-0 metadata by pubkey; see `EventCache.profiles`."""
        pks = list(pubkeys)
        return await self.read_cache(lambda c: c.profiles(pks))

    async def search(self, text: str, *, kinds: Iterable[int] | None = None, limit: int = 50) -> list[Event]:
        """Full-text search, newest first; see `EventCache.search`."""
        k = None if kinds is None else list(kinds)
        return await self.read_cache(lambda c: c.search(text, kinds=k, limit=limit))

    async def get_sync(self, relay: str, key: str) -> int | None:
        """A subscription's resume point; see `EventCache.get_sync`."""
        return await self.read_cache(lambda c: c.get_sync(relay, key))

    async def seen_on(self, event_id: str) -> list[str]:
        """Relays an event came from; see `EventCache.seen_on`."""
        return await self.read_cache(lambda c: c.seen_on(event_id))

    async def stats(self) -> CacheStats:
        """Counts by kind and sizes; see `EventCache.stats`."""
        return await self.read_cache(lambda c: c.stats())

    async def prune(
        self, max_bytes: int, protected_authors: Iterable[str] = (), protected_profiles: Iterable[str] = ()
    ) -> PruneReport:
        """Shrink the cache to a size cap; see `prune.prune`."""
        a, p = list(protected_authors), list(protected_profiles)
        return await self._submit("cache", lambda c: c.prune(max_bytes, a, p), alone=True)

    async def rebuild_cache(self) -> str:
        """Move the cache aside and start an empty one (the state file is not touched); returns a notice."""

        def rebuild(old: EventCache) -> str:
            old.close()
            self._cache = EventCache.rebuild(self.cache_path, clock=self._clock)
            self._generation += 1
            return self._cache.notice or ""

        return await self._submit("cache", rebuild, alone=True)

    # -- state ----------------------------------------------------------------------------------

    async def outbox_add(self, event: Event, relays: Iterable[str], *, draft_key: str | None = None) -> None:
        """Put a signed event in the outbox before any relay sees it; see `StateStore.outbox_add`."""
        r = list(relays)
        await self.state(lambda s: s.outbox_add(event, r, draft_key=draft_key))

    async def outbox_attempt(self, event_id: str, relay: str) -> None:
        """Record a send attempt; see `StateStore.outbox_attempt`."""
        await self.state(lambda s: s.outbox_attempt(event_id, relay))

    async def outbox_result(self, event_id: str, relay: str, accepted: bool, message: str = "") -> bool:
        """Record a relay's OK; True when the event is fully delivered; see `StateStore.outbox_result`."""
        return await self.state(lambda s: s.outbox_result(event_id, relay, accepted, message))

    async def outbox_retry(self, event_id: str, relay: str) -> None:
        """Make a rejected delivery pending again."""
        await self.state(lambda s: s.outbox_retry(event_id, relay))

    async def outbox_give_up(self, event_id: str, relay: str | None = None) -> None:
        """Stop delivering to one relay or to all; see `StateStore.outbox_give_up`."""
        await self.state(lambda s: s.outbox_give_up(event_id, relay))

    async def outbox_pending(self, relay: str) -> list[Event]:
        """Events still pending for `relay`, oldest first."""
        return await self.state(lambda s: s.outbox_pending(relay))

    async def outbox_entries(self) -> list[OutboxEntry]:
        """The whole outbox with delivery states."""
        return await self.state(lambda s: s.outbox_entries())

    async def save_draft(self, key: str, text: str) -> None:
        """Save compose text (empty deletes); resolves once durable."""
        await self.state(lambda s: s.save_draft(key, text))

    async def get_draft(self, key: str) -> Draft | None:
        """The draft under `key`."""
        return await self.state(lambda s: s.get_draft(key))

    async def drafts(self) -> list[Draft]:
        """Every draft, most recent first."""
        return await self.state(lambda s: s.drafts())

    async def delete_draft(self, key: str) -> None:
        """Forget a draft."""
        await self.state(lambda s: s.delete_draft(key))

    async def get_setting(self, key: str, default: Any = None) -> Any:
        """A local setting (JSON value)."""
        return await self.state(lambda s: s.get_setting(key, default))

    async def set_setting(self, key: str, value: Any) -> None:
        """Store a local setting (None deletes)."""
        await self.state(lambda s: s.set_setting(key, value))
