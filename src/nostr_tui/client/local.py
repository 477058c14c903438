"""What lives only here: compose drafts, search over the store, and looking after the event cache."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from pathlib import Path

from ..protocol.event import Event
from ..protocol.filters import Filter
from ..store.aio import Store
from ..store.cache import EventCache
from ..store.errors import StoreError
from ..store.prune import PruneReport
from ..store.reads import CacheStats
from ..store.state import Draft
from .errors import StorageError, translated
from .items import ItemContext, build_items
from .models import Author, NoteItem
from .people import People
from .profiles import parse_profile


class Drafts:
    """Compose text saved as it is typed, under a key: "new", "reply:<id>", "quote:<id>"."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, key: str) -> str:
        """The draft's text ("" when there is none)."""
        with translated():
            draft = await self._store.state(lambda s: s.get_draft(key))
        return draft.text if draft is not None else ""

    async def save(self, key: str, text: str) -> None:
        """Save the text (blank text deletes the draft); resolves once it is durable."""
        with translated():
            if text.strip():
                await self._store.state(lambda s: s.save_draft(key, text))
            else:
                await self._store.state(lambda s: s.delete_draft(key))

    async def all(self) -> list[Draft]:
        """Every draft, most recently edited first."""
        with translated():
            return await self._store.state(lambda s: s.drafts())


class Search:
    """Finding notes and people in the store, without the network."""

    def __init__(self, store: Store, people: People, context: Callable[[], ItemContext]) -> None:
        self._store = store
        self._people = people
        self._context = context

    async def query(self, flt: Filter) -> list[Event]:
        """Stored events matching a filter, newest first (`nostr-tui req --local`)."""
        with translated():
            return await self._store.read_cache(lambda c: c.query(flt))

    async def notes(self, text: str, *, limit: int = 200) -> list[NoteItem]:
        """Notes whose text contains every word of `text`, newest first."""
        words = text.strip()
        if not words:
            return []
        ctx = self._context()
        with translated():
            items = await self._store.read_cache(
                lambda c: build_items(c, c.search(words, kinds=[1], limit=limit), ctx))
        self._people.learn(items)
        return items

    async def people(self, text: str, *, limit: int = 20) -> list[Author]:
        """People whose name, display name or NIP-05 identifier contains `text` (follows first)."""
        words = text.strip()
        if not words:
            return []
        needle = " ".join(words.lower().split())
        with translated():
            events = await self._store.read_cache(lambda c: c.search(words, kinds=[0], limit=limit * 5))
        found = []
        for event in events:
            prof = parse_profile(event)
            fields = (prof.name, prof.display_name, prof.nip05)
            if any(needle in " ".join(f.lower().split()) for f in fields if f):
                found.append(event.pubkey)
        authors = await self._people.authors(found)
        ranked = sorted(authors.values(), key=lambda a: (not a.followed, a.name.lower()))
        return ranked[:limit]


class CacheAdmin:
    """The event cache file as a whole: counts, pruning to the size cap, moving a broken one aside.

    Works on the file directly (in a worker thread), so it also reports a cache too damaged to open."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _open(self) -> EventCache:
        if not self.path.exists():
            raise StorageError(f"no event cache at {self.path} yet (it is created when nostr-tui first reads "
                               "from relays)")
        try:
            return EventCache.open(self.path)
        except StoreError as exc:
            raise StorageError(exc.reason) from None

    async def stats(self) -> CacheStats:
        """Events by kind and the file's size."""

        def work() -> CacheStats:
            cache = self._open()
            try:
                return cache.stats()
            finally:
                cache.close()

        with translated():
            return await asyncio.to_thread(work)

    async def prune(self, max_bytes: int, protected_authors: Iterable[str], *, vacuum: bool = False) -> PruneReport:
        """Delete the oldest events down to `max_bytes`, never those of `protected_authors`."""
        keep = list(protected_authors)

        def work() -> PruneReport:
            cache = self._open()
            try:
                return cache.prune(max_bytes, protected_authors=keep, full_vacuum=vacuum)
            finally:
                cache.close()

        with translated():
            return await asyncio.to_thread(work)

    async def rebuild(self) -> str:
        """Move the cache aside and start an empty one; returns the notice saying where it went."""

        def work() -> str:
            cache = EventCache.rebuild(self.path)
            notice = cache.notice or ""
            cache.close()
            return notice

        with translated():
            return await asyncio.to_thread(work)
