"""The client's one store thread: the event cache and the state file, used off the event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..store.cache import EventCache
from ..store.state import StateStore

T = TypeVar("T")


class StoreThread:
    """Runs every cache and state operation on one dedicated thread (one writer, never the UI thread).

    `await run(fn)` calls `fn(cache, state)` there, so several reads can share one hop.
    """

    def __init__(self, cache_path: Path, state_path: Path, clock: Callable[[], float] = time.time) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="nostr-tui-store")
        self._cache_path = cache_path
        self._state_path = state_path
        self._clock = clock
        self._cache: EventCache | None = None
        self._state: StateStore | None = None
        self.notice: str | None = None

    async def open(self) -> None:
        """Open both files (the cache is rebuilt with a notice when it is unusable)."""

        def _open() -> None:
            self._cache_path.parent.mkdir(parents=True, exist_ok=True)
            self._state = StateStore.open(self._state_path, clock=self._clock)
            self._cache = EventCache.open(self._cache_path, clock=self._clock, rebuild_if_corrupt=True)
            self.notice = self._cache.notice

        await asyncio.get_running_loop().run_in_executor(self._executor, _open)

    async def run(self, fn: Callable[[EventCache, StateStore], T]) -> T:
        """Call `fn(cache, state)` on the store thread and return its result."""

        def _call() -> T:
            assert self._cache is not None and self._state is not None, "store not open"
            return fn(self._cache, self._state)

        return await asyncio.get_running_loop().run_in_executor(self._executor, _call)

    async def close(self) -> None:
        """Close both files and stop the thread."""

        def _close() -> None:
            if self._cache is not None:
                self._cache.close()
            if self._state is not None:
                self._state.close()
            self._cache = self._state = None

        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, _close)
        finally:
            self._executor.shutdown(wait=True)
