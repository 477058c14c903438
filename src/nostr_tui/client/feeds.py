"""Feeds: home, mentions, global, a profile, a hashtag. Served from the store at once, filled from relays."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..protocol.event import Event
from ..protocol.filters import Filter
from ..relay.subscription import Received, Subscription
from ..store.cache import EventCache
from .items import NOTE_KINDS, NOTIFICATION_KINDS, build_items
from .models import NoteItem

if TYPE_CHECKING:
    from .core import NostrClient

PAGE = 50
BATCH_DELAY = 0.05


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """Which feed: `kind` is home, mentions, global, profile or hashtag; `arg` the pubkey or tag."""

    kind: str
    arg: str = ""

    @property
    def key(self) -> str:
        """A stable name, e.g. "home" or "hashtag:nostr"."""
        return f"{self.kind}:{self.arg}" if self.arg else self.kind

    @classmethod
    def parse(cls, key: str) -> FeedSpec:
        """The inverse of `key`."""
        kind, _, arg = key.partition(":")
        return cls(kind, arg)


def feed_filters(spec: FeedSpec, me: str | None, follows: Sequence[str]) -> list[Filter]:
    """The relay filters of a feed (without since/until/limit)."""
    if spec.kind == "home":
        authors = sorted(set(follows) | ({me} if me else set()))
        return [Filter.make(authors=authors, kinds=NOTE_KINDS)] if authors else []
    if spec.kind == "mentions":
        return [Filter.make(kinds=(1, 6, 7), tags={"p": [me]})] if me else []
    if spec.kind == "global":
        return [Filter.make(kinds=(1,))]
    if spec.kind == "profile":
        return [Filter.make(authors=[spec.arg], kinds=NOTE_KINDS), Filter.make(authors=[spec.arg], kinds=(0,))]
    if spec.kind == "hashtag":
        return [Filter.make(kinds=(1,), tags={"t": [spec.arg.lower()]})]
    raise ValueError(f"unknown feed {spec.kind!r}")


def _page(cache: EventCache, spec: FeedSpec, filters: list[Filter], me: str | None, follows: Sequence[str],
          before: tuple[int, str] | None, limit: int) -> list[Event]:
    if spec.kind == "home":
        authors = set(follows) | ({me} if me else set())
        return cache.feed(authors, kinds=NOTE_KINDS, before=before, limit=limit)
    until = before[0] if before else None
    out: list[Event] = []
    for f in filters:
        kinds = f.kinds or frozenset()
        if spec.kind == "profile" and 0 in kinds:
            continue
        shown_kinds = frozenset(NOTIFICATION_KINDS) if spec.kind == "mentions" else f.kinds
        out += cache.query(Filter(f.ids, f.authors, shown_kinds, f.tags, None, until, limit + 1))
    out.sort(key=lambda e: (-e.created_at, e.id))
    if before is not None:
        out = [e for e in out if e.created_at < before[0] or e.id > before[1]]
    return out[:limit]


class Feed:
    """One open feed: pages from the store, a live relay subscription, older pages on request."""

    def __init__(self, client: NostrClient, spec: FeedSpec) -> None:
        self.client = client
        self.spec = spec
        self.oldest: tuple[int, str] | None = None
        self._task: asyncio.Task[None] | None = None
        self._shown: set[str] = set()

    @property
    def key(self) -> str:
        """The feed's key."""
        return self.spec.key

    def _filters(self) -> list[Filter]:
        return feed_filters(self.spec, self.client.pubkey, sorted(self.client.follows))

    async def first_page(self, limit: int = PAGE) -> list[NoteItem]:
        """The newest notes the store holds, at once; starts the live subscription."""
        items = await self._load(None, limit)
        self.start()
        return items

    async def fetch_page(self, limit: int = PAGE) -> list[NoteItem]:
        """The newest notes after asking the relays for them (waiting, bounded by the EOSE timeout);
        no live subscription. For one-shot readers such as the command line."""
        filters = self._filters()
        if filters:
            await self.client.fetch([f.with_limit(limit) for f in filters])
        return await self._load(None, limit)

    async def older(self, limit: int = PAGE) -> list[NoteItem]:
        """The next page back: from the store, after asking the relays for what lies before it."""
        filters = self._filters()
        if filters and self.oldest is not None:
            until = self.oldest[0]
            await self.client.fetch([f.with_limit(limit).with_until(until) for f in filters])
        return await self._load(self.oldest, limit)

    async def _load(self, before: tuple[int, str] | None, limit: int) -> list[NoteItem]:
        filters, me, follows = self._filters(), self.client.pubkey, sorted(self.client.follows)
        ctx = self.client.item_context()

        def work(cache: EventCache) -> tuple[list[Event], list[NoteItem]]:
            events = _page(cache, self.spec, filters, me, follows, before, limit)
            return events, build_items(cache, events, ctx)

        events, items = await self.client.db.read_cache(work)
        if events:
            last = events[-1]
            self.oldest = (last.created_at, last.id)
        self._shown.update(e.id for e in events)
        self.client.check_nip05(items)
        return items

    def start(self) -> None:
        """Open the live relay subscription (idempotent)."""
        if self._task is None and self._filters():
            self._task = asyncio.get_running_loop().create_task(self._live(), name=f"feed {self.key}")

    async def _live(self) -> None:
        filters = self._filters()
        newest = await self.client.db.read_cache(lambda c: max((e.created_at for e in _page(
            c, self.spec, filters, self.client.pubkey, sorted(self.client.follows), None, 1)), default=None))
        def opening(f: Filter) -> Filter:
            return f.with_limit(PAGE) if newest is None else f.with_since(newest)

        subs = [self.client.pool.subscribe([opening(f) for f in filters])]
        if self.spec.kind == "home":  # follows' own write relays (NIP-65), beyond the user's read relays
            for url, authors in (await self.client.reading_plan()).items():
                sub_filter = opening(Filter.make(authors=authors, kinds=NOTE_KINDS))
                subs.append(self.client.pool.subscribe([sub_filter], relays=[url]))
        try:
            await asyncio.gather(*(self._consume(sub) for sub in subs))
        finally:
            for sub in subs:
                sub.close()

    async def _consume(self, sub: Subscription) -> None:
        while not sub.eose:  # what the relays hold arrives as one batch (or a full buffer's worth)
            await sub.wait_backlog()
            backlog = sub.get_nowait()
            if backlog:
                await self._take(backlog)
        async for first in sub:
            await asyncio.sleep(BATCH_DELAY)  # a burst of live notes becomes one notification
            await self._take([first, *sub.get_nowait()])

    async def _take(self, received: list[Received]) -> None:
        await self.client.store_received(received)
        kinds = NOTIFICATION_KINDS if self.spec.kind == "mentions" else NOTE_KINDS
        fresh = [r.event for r in received if r.event.kind in kinds and r.event.id not in self._shown]
        if fresh:
            self._shown.update(e.id for e in fresh)
            if self.oldest is None:  # the first page was empty: older pages start below what came live
                last = max(fresh, key=lambda e: (-e.created_at, e.id))
                self.oldest = (last.created_at, last.id)
            await self._emit(fresh)

    async def _emit(self, events: list[Event]) -> None:
        ctx = self.client.item_context()
        events.sort(key=lambda e: (-e.created_at, e.id))
        items = await self.client.db.read_cache(lambda c: build_items(c, events, ctx))
        if items:
            self.client.emit_feed(self.key, items)

    async def restart(self) -> None:
        """Reopen the live subscription when it runs (after the follows changed)."""
        if self._task is not None:
            await self.close()
            self.start()

    async def close(self) -> None:
        """Stop the live subscription."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
