"""People: names and profiles (kind 0) for the pubkeys shown, fetched in batches when missing; NIP-05
identifiers checked in the background; someone's relay list (NIP-65)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from functools import partial
from typing import Any

from ..protocol.event import Event
from ..protocol.filters import Filter
from ..store.aio import Store
from .events import Notifications, ProfileUpdated
from .ingest import Ingest
from .items import ItemContext, author_of, authors_for
from .models import Author, NoteItem
from .profiles import Nip05Checker, Profile, parse_profile
from .routing import RELAY_LIST_KIND, RelayList, parse_relay_list

PROFILE_BATCH_DELAY = 0.3
PROFILE_CHUNK = 200
MAX_ASKED = 50_000


def authors_in(items: Iterable[NoteItem]) -> Iterable[Author]:
    """Every author a list of notes shows: writers, reposters, reactors, quoted writers."""
    for item in items:
        yield item.author
        if item.reposted_by is not None:
            yield item.reposted_by
        if item.reacted_by is not None:
            yield item.reacted_by
        for q in item.quoted:
            yield q.author


class People:
    """What is known about people, and the background work that learns more (announced as ProfileUpdated)."""

    def __init__(self, store: Store, ingest: Ingest, notifications: Notifications, nip05: Nip05Checker,
                 context: Callable[[], ItemContext], spawn: Callable[[Awaitable[Any]], asyncio.Task[Any]]) -> None:
        self._store = store
        self._ingest = ingest
        self._notes = notifications
        self._nip05 = nip05
        self._context = context
        self._spawn = spawn
        self._nip05_pending: set[tuple[str, str]] = set()
        self._asked: set[str] = set()
        self._wanted: set[str] = set()
        self._task: asyncio.Task[Any] | None = None
        self._closing = False

    def close(self) -> None:
        """No new background work."""
        self._closing = True

    def nip05_state(self, identifier: str, pubkey: str) -> bool | None:
        """The cached NIP-05 verdict (None: not checked yet)."""
        return self._nip05.cached(identifier, pubkey)

    # -- reading -------------------------------------------------------------------------------

    async def profile(self, pubkey: str, *, fetch: bool = False) -> Profile | None:
        """Someone's profile from the store; with `fetch`, asked of the relays first when missing."""
        events = await self._store.read_cache(lambda c: c.profiles([pubkey]))
        if pubkey not in events and fetch:
            await self._ingest.fetch([Filter.make(authors=[pubkey], kinds=[0])])
            events = await self._store.read_cache(lambda c: c.profiles([pubkey]))
        return parse_profile(events[pubkey]) if pubkey in events else None

    async def profile_event(self, pubkey: str, hints: Iterable[str] = ()) -> Event | None:
        """Someone's signed kind 0 event: from the store, else from the read relays, the `hints` (an nprofile's
        relays) and the relays their NIP-65 list names, in that order."""
        async def stored() -> Event | None:
            return (await self._store.read_cache(lambda c: c.profiles([pubkey]))).get(pubkey)

        wanted = [Filter.make(authors=[pubkey], kinds=[0])]
        found = await stored()
        if found is None:
            await self._ingest.fetch(wanted)
            found = await stored()
        extra = [u for u in hints if u.startswith(("ws://", "wss://"))]
        if found is None and extra:
            await self._ingest.fetch(wanted, relays=extra)
            found = await stored()
        if found is None:
            theirs = await self.relay_list(pubkey)
            if theirs is not None and theirs.write:
                await self._ingest.fetch(wanted, relays=list(theirs.write))
                found = await stored()
        return found

    async def authors(self, pubkeys: Iterable[str]) -> dict[str, Author]:
        """How to show each pubkey (name, NIP-05 state, followed), from the store."""
        keys = list(pubkeys)
        ctx = self._context()
        return await self._store.read_cache(partial(authors_for, pubkeys=keys, ctx=ctx))

    def author(self, pubkey: str, profile: Profile | None) -> Author:
        """How to show one pubkey with a profile already read."""
        return author_of(pubkey, profile, self._context())

    async def verify_nip05(self, identifier: str, pubkey: str) -> bool:
        """Check a NIP-05 identifier now (cached)."""
        return await self._nip05.verify(identifier, pubkey)

    async def relay_list(self, pubkey: str) -> RelayList | None:
        """Someone's NIP-65 relay list: from the store, else asked of the read relays (bounded in time)."""
        lists = await self._store.read_cache(lambda c: c.profiles_of_kind([pubkey], RELAY_LIST_KIND))
        if not lists:
            await self._ingest.fetch([Filter.make(authors=[pubkey], kinds=[RELAY_LIST_KIND])])
            lists = await self._store.read_cache(lambda c: c.profiles_of_kind([pubkey], RELAY_LIST_KIND))
        return parse_relay_list(lists[0]) if lists else None

    # -- learning more in the background -------------------------------------------------------

    def learn(self, items: Iterable[NoteItem]) -> None:
        """For the authors shown: fetch the profiles the store lacks, check unchecked NIP-05 identifiers.

        Never waits; each fetched profile or finished check is announced as ProfileUpdated."""
        shown = list(authors_in(items))
        self._want({a.pubkey for a in shown})
        for author in shown:
            if author.nip05 is not None and author.nip05_verified is None:
                self._check(author)

    def _check(self, author: Author) -> None:
        assert author.nip05 is not None
        key = (author.nip05.lower(), author.pubkey)
        if key in self._nip05_pending or self._closing:
            return
        self._nip05_pending.add(key)
        self._spawn(self._check_one(author, key))

    def _want(self, pubkeys: set[str]) -> None:
        fresh = pubkeys - self._asked
        if not fresh or self._closing:
            return
        if len(self._asked) > MAX_ASKED:
            self._asked.clear()
        self._asked |= fresh
        self._wanted |= fresh
        if self._task is None:
            self._task = self._spawn(self._fetch_profiles())

    async def _fetch_profiles(self) -> None:
        try:
            await asyncio.sleep(PROFILE_BATCH_DELAY)  # gather the authors of several batches into one request
            wanted, self._wanted = sorted(self._wanted), set()
            have = await self._store.read_cache(lambda c: set(c.profiles(wanted)))
            missing = [pk for pk in wanted if pk not in have]
            for start in range(0, len(missing), PROFILE_CHUNK):
                chunk = missing[start:start + PROFILE_CHUNK]
                got = await self._ingest.fetch([Filter.make(authors=chunk, kinds=[0])])
                found = sorted({e.pubkey for e in got.events if e.kind == 0})
                if not found:
                    continue
                for author in (await self.authors(found)).values():
                    self._notes.put(ProfileUpdated(author.pubkey, author))
                    if author.nip05 is not None:
                        self._check(author)
        finally:
            self._task = None
            if self._wanted and not self._closing:
                self._task = self._spawn(self._fetch_profiles())

    async def _check_one(self, author: Author, key: tuple[str, str]) -> None:
        assert author.nip05 is not None
        try:
            ok = await self._nip05.verify(author.nip05, author.pubkey)
        finally:
            self._nip05_pending.discard(key)
        self._notes.put(ProfileUpdated(author.pubkey, replace(author, nip05_verified=ok)))
