"""Feeds: home, mentions, global, a profile, a hashtag. Served from the store at once, filled from relays,
with the home feed read where each follow writes (NIP-65) for every front end alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from ..protocol.event import Event
from ..protocol.filters import Filter, matches_any
from ..relay.subscription import Received
from ..store.aio import Store
from ..store.cache import EventCache
from .events import FeedNew, Notifications
from .ingest import Ingest, Watch
from .items import NOTE_KINDS, NOTIFICATION_KINDS, ItemContext, build_items
from .lists import Lists
from .models import NoteItem
from .people import People
from .relays import Relays
from .session import Session

PAGE = 50
MAX_SHOWN = 20_000
"""Ids a live feed remembers having announced (older ones are in the store and pages)."""


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
        """The inverse of `key`. Raises ValueError for an unknown feed."""
        kind, _, arg = key.partition(":")
        if kind not in ("home", "mentions", "global", "profile", "hashtag") or (kind in ("profile", "hashtag")) != bool(
            arg
        ):
            raise ValueError(f"unknown feed {key!r}")
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
    return [Filter.make(kinds=(1,), tags={"t": [spec.arg.lower()]})]


def page_events(cache: EventCache, spec: FeedSpec, filters: list[Filter], authors: Sequence[str],
                before: tuple[int, str] | None, limit: int) -> list[Event]:
    """One page of a feed from the store, newest first, strictly older than `before`."""
    if spec.kind == "home":
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
    """One open feed: pages from the store, a live subscription, older pages on request."""

    def __init__(self, feeds: Feeds, spec: FeedSpec) -> None:
        self._feeds = feeds
        self.spec = spec
        self.oldest: tuple[int, str] | None = None
        self._watch: Watch | None = None
        self._shown: dict[str, None] = {}  # ids announced, oldest first (bounded)

    @property
    def key(self) -> str:
        """The feed's key."""
        return self.spec.key

    def _filters(self) -> list[Filter]:
        return self._feeds.filters(self.spec)

    async def first_page(self, limit: int = PAGE) -> list[NoteItem]:
        """The newest notes the store holds, at once; starts the live subscription."""
        items = await self._load(None, limit)
        await self.start()
        return items

    async def fetch_page(self, limit: int = PAGE) -> list[NoteItem]:
        """The newest notes after asking the relays (those the reading plan names too), waiting (bounded by the
        EOSE timeout); no live subscription. For one-shot readers such as the command line."""
        for filters, relays in await self._feeds.plan(self.spec, lambda f: f.with_limit(limit)):
            await self._feeds.ingest.fetch(filters, relays=relays)
        return await self._load(None, limit)

    async def older(self, limit: int = PAGE, before: tuple[int, str] | None = None) -> list[NoteItem]:
        """The next page back: from the store, after asking the relays for what lies before it. It starts
        below `before` (created_at, id of the last row a reader still holds) when given, else below the
        oldest page this feed gave."""
        start = before if before is not None else self.oldest
        if start is not None:
            until = start[0]
            for filters, relays in await self._feeds.plan(self.spec, lambda f: f.with_limit(limit).with_until(until)):
                await self._feeds.ingest.fetch(filters, relays=relays)
        return await self._load(start, limit)

    async def _load(self, before: tuple[int, str] | None, limit: int) -> list[NoteItem]:
        events, items = await self._feeds.page(self.spec, before, limit)
        if events:
            last = events[-1]
            self.oldest = (last.created_at, last.id)
        self._remember(e.id for e in events)
        self._feeds.people.learn(items)
        return items

    def _remember(self, ids: Iterable[str]) -> None:
        shown = self._shown
        for i in ids:
            shown[i] = None
        if len(shown) > MAX_SHOWN:  # forget the oldest at once: one by one, each would walk the dict anew
            self._shown = dict.fromkeys(islice(shown, len(shown) - MAX_SHOWN // 2, None))

    async def start(self) -> None:
        """Open the live subscription (idempotent)."""
        if self._watch is not None or not self._filters():
            return
        newest = await self._feeds.newest(self.spec)

        def opening(f: Filter) -> Filter:
            return f.with_limit(PAGE) if newest is None else f.with_since(newest)

        plan = await self._feeds.plan(self.spec, opening)
        self._watch = self._feeds.ingest.watch(plan, self._take, name=f"feed {self.key}")

    async def _take(self, received: list[Received]) -> None:
        kinds = NOTIFICATION_KINDS if self.spec.kind == "mentions" else NOTE_KINDS
        fresh = [r.event for r in received if r.event.kind in kinds and r.event.id not in self._shown]
        if not fresh:
            return
        self._remember(e.id for e in fresh)
        if self.oldest is None:  # the first page was empty: older pages start below what came live
            last = max(fresh, key=lambda e: (-e.created_at, e.id))
            self.oldest = (last.created_at, last.id)
        fresh.sort(key=lambda e: (-e.created_at, e.id))
        items = await self._feeds.items(fresh)
        if items:
            self._feeds.announce(self.key, items)

    def wants(self, event: Event) -> bool:
        """Whether the feed shows this event (by its filters)."""
        kinds = NOTIFICATION_KINDS if self.spec.kind == "mentions" else NOTE_KINDS
        return event.kind in kinds and matches_any(self._filters(), event)

    def take_own(self, event: Event) -> bool:
        """The user published `event`: True when this feed shows it (it is then not announced again as new)."""
        if event.id in self._shown or not self.wants(event):
            return False
        self._remember([event.id])
        if self.oldest is None:  # the first page was empty: older pages start below it
            self.oldest = (event.created_at, event.id)
        return True

    async def restart(self) -> None:
        """Reopen the live subscription when it runs (after the follows changed)."""
        if self._watch is not None:
            await self.close()
            await self.start()

    async def close(self) -> None:
        """Stop the live subscription."""
        watch, self._watch = self._watch, None
        if watch is not None:
            await watch.close()


class Feeds:
    """The open feeds of the active account."""

    def __init__(self, session: Session, store: Store, ingest: Ingest, relays: Relays, lists: Lists,
                 people: People, notifications: Notifications, context: Callable[[], ItemContext]) -> None:
        self._session = session
        self._store = store
        self.ingest = ingest
        self._relays = relays
        self._lists = lists
        self.people = people
        self._notes = notifications
        self._context = context
        self._open: dict[str, Feed] = {}

    def open(self, key: str) -> Feed:
        """The feed with this key ("home", "mentions", "global", "profile:<hex>", "hashtag:<tag>"), opened once.
        Raises ValueError for an unknown key."""
        found = self._open.get(key)
        if found is None:
            found = self._open[key] = Feed(self, FeedSpec.parse(key))
        return found

    async def close_all(self) -> None:
        """Close every feed (the account changed, or the client closes)."""
        feeds, self._open = list(self._open.values()), {}
        for feed in feeds:
            await feed.close()

    async def own_published(self, event: Event) -> None:
        """The user published `event`: every open feed that shows it gets it at once (FeedNew with `own`)."""
        keys = [feed.key for feed in list(self._open.values()) if feed.take_own(event)]
        if not keys:
            return
        items = await self.items([event])
        for key in keys:
            if items:
                self._notes.put(FeedNew(key, tuple(items), own=True))

    async def follows_changed(self) -> None:
        """Reopen the home feed's subscriptions for the new follows."""
        home = self._open.get("home")
        if home is not None:
            await home.restart()

    # -- for Feed -------------------------------------------------------------------------------

    def _authors(self) -> list[str]:
        me = self._session.pubkey
        return sorted(set(self._lists.follows) | ({me} if me else set()))

    def filters(self, spec: FeedSpec) -> list[Filter]:
        """The relay filters of a feed now."""
        return feed_filters(spec, self._session.pubkey, sorted(self._lists.follows))

    async def plan(self, spec: FeedSpec, shape: Callable[[Filter], Filter]
                   ) -> list[tuple[list[Filter], list[str] | None]]:
        """The subscriptions a feed needs: its filters on the read relays, and for the home feed each follow's
        notes on the relays they write to (NIP-65 reading plan)."""
        filters = [shape(f) for f in self.filters(spec)]
        if not filters:
            return []
        out: list[tuple[list[Filter], list[str] | None]] = [(filters, None)]
        if spec.kind == "home":
            for url, authors in (await self._relays.reading_plan(sorted(self._lists.follows))).items():
                out.append(([shape(Filter.make(authors=sorted(authors), kinds=NOTE_KINDS))], [url]))
        return out

    async def page(self, spec: FeedSpec, before: tuple[int, str] | None, limit: int
                   ) -> tuple[list[Event], list[NoteItem]]:
        """A page of events and the notes they show, from the store."""
        filters, authors, ctx = self.filters(spec), self._authors(), self._context()

        def work(cache: EventCache) -> tuple[list[Event], list[NoteItem]]:
            events = page_events(cache, spec, filters, authors, before, limit)
            return events, build_items(cache, events, ctx)

        return await self._store.read_cache(work)

    async def newest(self, spec: FeedSpec) -> int | None:
        """The created_at of the newest event of a feed in the store."""
        filters, authors = self.filters(spec), self._authors()
        return await self._store.read_cache(
            lambda c: max((e.created_at for e in page_events(c, spec, filters, authors, None, 1)), default=None))

    async def items(self, events: Sequence[Event]) -> list[NoteItem]:
        """Events as notes to show (muted ones left out)."""
        ctx = self._context()
        return await self._store.read_cache(lambda c: build_items(c, events, ctx))

    def announce(self, key: str, items: list[NoteItem]) -> None:
        """Tell front ends about new notes in a feed."""
        self._notes.put(FeedNew(key, tuple(items)))
        self.people.learn(items)
