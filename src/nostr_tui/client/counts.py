"""Live counts: when stored events change notes' reply, reaction or repost counts (a relay's or the user's
own), the notes' new counts are read from the store and announced, so every row showing them can follow."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from ..store.aio import Store
from .events import CountsChanged, Notifications
from .items import note_counts

DELAY = 0.05
"""Seconds changes wait so that a burst is read and announced once."""
MAX_WAITING = 5000
"""Notes waiting to be announced at most; beyond it a flood's changes are dropped (a reload shows them)."""


class CountsWatch:
    """Collects the notes whose counts changed and announces them in batches (CountsChanged)."""

    def __init__(self, store: Store, notifications: Notifications, me: Callable[[], str | None],
                 spawn: Callable[[Awaitable[Any]], asyncio.Task[Any]]) -> None:
        self._store = store
        self._notes = notifications
        self._me = me
        self._spawn = spawn
        self._waiting: dict[str, None] = {}
        self._task: asyncio.Task[Any] | None = None
        self.dropped = 0

    def changed(self, note_ids: Iterable[str]) -> None:
        """These notes' counts changed: announce them soon."""
        for note_id in note_ids:
            if len(self._waiting) >= MAX_WAITING:
                self.dropped += 1
                continue
            self._waiting[note_id] = None
        if self._waiting and self._task is None:
            self._task = self._spawn(self._announce())

    async def _announce(self) -> None:
        try:
            await asyncio.sleep(DELAY)
            ids, self._waiting = list(self._waiting), {}
            me = self._me()
            counts = await self._store.read_cache(lambda c: note_counts(c, ids, me))
            self._notes.put(CountsChanged(tuple(counts.items())))
        finally:
            self._task = None
            if self._waiting:
                self._task = self._spawn(self._announce())
