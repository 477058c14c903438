"""The store for one-shot commands outside a NostrClient: save what `req` receives, answer `req --local`."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from ..config import Config
from ..paths import cache_file
from ..protocol.event import Event
from ..protocol.filters import Filter
from ..store.cache import EventCache
from ..store.errors import StoreError

BATCH = 200


class StoreWriter:
    """Saves events received from relays into the event cache, a batch per transaction.

    A cache that cannot be opened or written is reported once through `warn` and then left alone:
    printing what relays send never depends on the cache.
    """

    def __init__(self, config: Config, warn: Callable[[str], None] = lambda text: None, batch: int = BATCH) -> None:
        self._path = cache_file(config.resolved_data_dir())
        self._warn = warn
        self._batch = batch
        self._pending: dict[str, list[Event]] = {}
        self._count = 0
        self._cache: EventCache | None = None
        self._broken = False
        self.saved = 0

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def add(self, event: Event, relay: str) -> None:
        """Queue one received event (from `relay`); written when the batch is full or on close."""
        if self._broken:
            return
        self._pending.setdefault(relay, []).append(event)
        self._count += 1
        if self._count >= self._batch:
            self.flush()

    def flush(self) -> None:
        """Write what is queued, in one transaction."""
        pending, self._pending, self._count = self._pending, {}, 0
        if not pending or self._broken:
            return
        try:
            if self._cache is None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._cache = EventCache.open(self._path, rebuild_if_corrupt=True)
                if self._cache.notice:
                    self._warn(self._cache.notice)
            with self._cache.transaction():
                for relay, events in pending.items():
                    self._cache.add(events, relay=relay)
            self.saved += sum(len(v) for v in pending.values())
        except (StoreError, OSError) as exc:
            self._broken = True
            self._warn(f"events are not being saved to the cache: {exc}")

    def close(self) -> None:
        """Write the rest and close the cache."""
        self.flush()
        if self._cache is not None:
            self._cache.close()
            self._cache = None


def query_store(config: Config, flt: Filter) -> list[Event]:
    """Events in the local cache matching `flt` (newest first), without touching the network.

    Raises StoreError when the cache cannot be read.
    """
    path = cache_file(config.resolved_data_dir())
    if not path.exists():
        return []
    cache = EventCache.open(path)
    try:
        return cache.query(flt)
    finally:
        cache.close()
