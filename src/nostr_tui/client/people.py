"""People shown in feeds: their profiles fetched when missing, their NIP-05 identifiers checked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from ..protocol.filters import Filter
from .events import ProfileUpdated
from .items import authors_for
from .models import Author, NoteItem

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..protocol.event import Event
    from ..store.aio import Store
    from .events import EventQueue
    from .items import ItemContext
    from .profiles import Nip05Checker


class PeopleMixin:
    """Part of NostrClient: background profile fetches and NIP-05 checks, announced as ProfileUpdated."""

    db: Store
    events: EventQueue
    nip05: Nip05Checker
    _closing: bool
    _nip05_pending: set[tuple[str, str]]
    _profiles_asked: set[str]
    _profiles_wanted: set[str]
    _profiles_task: asyncio.Task[Any] | None

    if TYPE_CHECKING:  # provided by NostrClient

        def spawn(self, coro: Any) -> asyncio.Task[Any]: ...

        async def fetch(
            self, filters: Sequence[Filter], relays: Iterable[str] | None = None, timeout: float | None = None
        ) -> list[Event]: ...

        def item_context(self) -> ItemContext: ...

    def check_nip05(self, items: Iterable[NoteItem]) -> None:
        """Start background NIP-05 checks for the authors shown that carry an unchecked identifier,
        and fetch the profiles (kind 0) of authors the store has none for.

        Never waits; each finished check or fetched profile is announced as ProfileUpdated.
        """
        items = list(items)
        self._want_profiles({a.pubkey for a in _authors_in(items)})
        for author in _authors_in(items):
            if author.nip05 is None or author.nip05_verified is not None:
                continue
            key = (author.nip05.lower(), author.pubkey)
            if key in self._nip05_pending or self._closing:
                continue
            self._nip05_pending.add(key)
            self.spawn(self._check_one(author))

    def _want_profiles(self, pubkeys: set[str]) -> None:
        fresh = pubkeys - self._profiles_asked
        if not fresh or self._closing:
            return
        if len(self._profiles_asked) > 50_000:
            self._profiles_asked.clear()
        self._profiles_asked |= fresh
        self._profiles_wanted |= fresh
        if self._profiles_task is None:
            self._profiles_task = self.spawn(self._fetch_profiles())

    async def _fetch_profiles(self) -> None:
        """Fetch, in batches, the kind 0 of authors shown without one; announce each as ProfileUpdated."""
        try:
            await asyncio.sleep(0.3)  # gather the authors of several batches into one request
            wanted, self._profiles_wanted = sorted(self._profiles_wanted), set()
            have = await self.db.read_cache(lambda c: set(c.profiles(wanted)))
            missing = [pk for pk in wanted if pk not in have]
            for start in range(0, len(missing), 200):
                chunk = missing[start:start + 200]
                got = await self.fetch([Filter.make(authors=chunk, kinds=[0])])
                found = sorted({e.pubkey for e in got if e.kind == 0})
                if not found:
                    continue
                ctx = self.item_context()
                authors = await self.db.read_cache(partial(authors_for, pubkeys=found, ctx=ctx))
                for author in authors.values():
                    self.events.put(ProfileUpdated(author.pubkey, author))
                    if author.nip05 is not None and not self._closing:
                        self._nip05_pending.add((author.nip05.lower(), author.pubkey))
                        self.spawn(self._check_one(author))
        finally:
            self._profiles_task = None
            if self._profiles_wanted and not self._closing:
                self._profiles_task = self.spawn(self._fetch_profiles())

    async def _check_one(self, author: Author) -> None:
        assert author.nip05 is not None
        try:
            ok = await self.nip05.verify(author.nip05, author.pubkey)
        finally:
            self._nip05_pending.discard((author.nip05.lower(), author.pubkey))
        self.events.put(ProfileUpdated(author.pubkey, replace(author, nip05_verified=ok)))


def _authors_in(items: Iterable[NoteItem]) -> Iterable[Author]:
    for item in items:
        yield item.author
        if item.reposted_by is not None:
            yield item.reposted_by
        if item.reacted_by is not None:
            yield item.reacted_by
        for q in item.quoted:
            yield q.author
