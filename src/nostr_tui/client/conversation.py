"""Threads: finding a note from any reference and the conversation around it as a tree, from the store
first, then from the relays that should hold it (hints, the authors' NIP-65 relays, the read relays)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from ..protocol import nip10, nip19
from ..protocol.event import Event
from ..protocol.filters import Filter
from ..store.aio import Store
from ..store.cache import EventCache
from .errors import BadReference, NotFound
from .events import Message, Notifications, ThreadUpdated
from .ingest import Ingest
from .items import ItemContext, build_items, quoted_ids
from .lists import Lists
from .models import ThreadRow
from .people import People
from .relays import Relays
from .threads import build_tree, thread_root_id

MAX_ANCESTORS = 200


def parse_note_ref(ref: str) -> tuple[str, tuple[str, ...], str | None]:
    """(event id, relay hints, author when the reference names one) from a hex id, note1, nevent1 or nostr: URI."""
    text = ref.strip().removeprefix("nostr:")
    try:
        event_id, hints = nip19.event_ref(text)
    except nip19.Nip19Error as exc:
        raise BadReference(f"not a note reference: {exc.reason}") from None
    author = None
    if text.startswith("nevent1"):
        entity = nip19.decode(text)  # event_ref decoded it already: it cannot fail here
        if isinstance(entity, nip19.Nevent):
            author = entity.author
    return event_id, hints, author


def hint_urls(urls: Iterable[object]) -> list[str]:
    """The relay hints that are websocket URLs."""
    return [u for u in urls if isinstance(u, str) and u.startswith(("ws://", "wss://"))]


def ancestors(cache: EventCache, event: Event, limit: int = MAX_ANCESTORS) -> list[Event]:
    """The notes above `event` that the store holds, following parent links, nearest first."""
    out: list[Event] = []
    seen = {event.id}
    current = event
    for _ in range(limit):
        refs = nip10.parse(current.tags)
        parent_id = refs.reply.id if refs.reply is not None else None
        if parent_id is None or parent_id in seen:
            break
        parent = cache.get(parent_id)
        if parent is None or parent.kind != 1:
            break
        out.append(parent)
        seen.add(parent_id)
        current = parent
    return out


def thread_events(cache: EventCache, focus_id: str) -> tuple[str, list[Event]]:
    """(root id, every note of the focus's thread that the store holds): the root's thread, the focus, its
    known ancestors, and replies that tag only the focus or an ancestor (positional style)."""
    focus = cache.get(focus_id)
    chain = ancestors(cache, focus) if focus is not None else []
    top = chain[-1] if chain else focus
    root_id = thread_root_id(focus) if focus is not None else focus_id
    if top is not None and root_id == focus_id:
        root_id = thread_root_id(top)
    found: dict[str, Event] = {e.id: e for e in cache.thread(root_id, kinds=[1])}
    for e in ([focus] if focus is not None else []) + chain:
        found.setdefault(e.id, e)
        if e.id != root_id:
            for reply in cache.thread(e.id, kinds=[1]):
                found.setdefault(reply.id, reply)
    return root_id, list(found.values())


def thread_rows(cache: EventCache, focus_id: str, ctx: ItemContext) -> list[ThreadRow]:
    """The thread around `focus_id` as rows in tree order (runs on a store thread)."""
    root_id, events = thread_events(cache, focus_id)
    tree = build_tree(events, root_id)
    items = build_items(cache, [r.event for r in tree], ctx)
    by_id = {i.event.id: i for i in items}
    return [
        ThreadRow(by_id[r.event.id], r.depth, r.parent_id, r.child_count, r.event.id == focus_id, r.missing_parent)
        for r in tree
        if r.event.id in by_id
    ]


class Threads:
    """Notes by reference and their conversations."""

    def __init__(self, store: Store, ingest: Ingest, relays: Relays, people: People, lists: Lists,
                 notifications: Notifications, context: Callable[[], ItemContext],
                 spawn: Callable[[Awaitable[Any]], asyncio.Task[Any]]) -> None:
        self._store = store
        self._ingest = ingest
        self._relays = relays
        self._people = people
        self._lists = lists
        self._notes = notifications
        self._context = context
        self._spawn = spawn

    async def _outboxes(self, pubkey: str | None) -> list[str]:
        """Someone's write and read relays (NIP-65): where their notes and the replies to them should be."""
        if pubkey is None:
            return []
        theirs = await self._people.relay_list(pubkey)
        return [] if theirs is None else list(dict.fromkeys([*theirs.write, *theirs.read]))

    async def locate(self, event_id: str, hints: Iterable[str] = (), author: str | None = None) -> Event | None:
        """A note by id: from the store, else from the read relays with the hints and the author's relays,
        else from the relays the user's follows write to."""
        found = await self._store.read_cache(lambda c: c.get(event_id))
        if found is not None:
            return found
        relays = list(dict.fromkeys(self._relays.read_urls() + hint_urls(hints) + await self._outboxes(author)))
        found = await self._fetch_one(event_id, relays)
        if found is None:
            plan = await self._relays.reading_plan(sorted(self._lists.follows))
            more = [u for u in plan if u not in relays]
            if more:
                found = await self._fetch_one(event_id, more)
        return found

    async def _fetch_one(self, event_id: str, relays: list[str]) -> Event | None:
        got = await self._ingest.fetch([Filter.make(ids=[event_id])], relays=relays or None)
        return next((e for e in got.events if e.id == event_id), None)

    async def find(self, ref: str) -> Event:
        """The note a reference names. Raises BadReference or NotFound."""
        event_id, hints, author = parse_note_ref(ref)
        found = await self.locate(event_id, hints, author)
        if found is None:
            raise NotFound(f"note {event_id[:12]}… not found in the cache or on the relays")
        return found

    async def find_address(self, kind: int, author: str, identifier: str, hints: Iterable[str] = ()) -> Event:
        """The newest event at an address (an naddr: kind, author, `d` identifier), from the store, else from the
        read relays, the hints and the author's relays. Raises NotFound."""
        tags = {"d": [identifier]} if 30000 <= kind < 40000 else None  # replaceable kinds carry no `d`
        wanted = Filter.make(kinds=[kind], authors=[author], tags=tags)

        async def newest() -> Event | None:
            found = await self._store.read_cache(lambda c: c.query(wanted))
            return max(found, key=lambda e: (e.created_at, e.id), default=None)

        event = await newest()
        if event is None:
            relays = list(dict.fromkeys(self._relays.read_urls() + hint_urls(hints) + await self._outboxes(author)))
            await self._ingest.fetch([wanted], relays=relays or None)
            event = await newest()
        if event is None:
            raise NotFound(f"nothing at {kind}:{author[:12]}…:{identifier[:40]} in the cache or on the relays")
        return event

    async def seen_on(self, event_id: str) -> list[str]:
        """The relays a stored note was received from (for relay hints)."""
        return await self._store.read_cache(lambda c: c.seen_on(event_id))

    async def rows(self, focus_id: str) -> list[ThreadRow]:
        """The thread around a note as the store holds it now."""
        ctx = self._context()
        rows = await self._store.read_cache(lambda c: thread_rows(c, focus_id, ctx))
        self._people.learn(r.item for r in rows)
        return rows

    async def open(self, ref: str) -> list[ThreadRow]:
        """The thread as the store knows it now; the relays' answer follows in the background as
        ThreadUpdated (also when nothing more was found). Raises BadReference."""
        focus_id, hints, author = parse_note_ref(ref)
        rows = await self.rows(focus_id)
        self._spawn(self._fill(focus_id, hints, author, announce=True))
        return rows

    async def load(self, ref: str) -> list[ThreadRow]:
        """The whole thread, after asking the relays (bounded by the EOSE timeout). Raises BadReference."""
        focus_id, hints, author = parse_note_ref(ref)
        return await self._fill(focus_id, hints, author, announce=False)

    async def _fill(self, focus_id: str, hints: tuple[str, ...], author: str | None, announce: bool) -> list[ThreadRow]:
        focus = await self.locate(focus_id, hints, author)
        if focus is None:
            if announce:
                self._notes.put(Message(f"note {focus_id[:12]}… was not found on any relay", "warning"))
                self._notes.put(ThreadUpdated(focus_id, ()))
            return []
        refs = nip10.parse(focus.tags)
        root_id = thread_root_id(focus)
        extra = hint_urls(hints)
        extra += hint_urls(r.relay for r in (refs.root, refs.reply, *refs.mentions) if r is not None)
        extra += hint_urls(q.relay for q in refs.quotes)
        root_author = refs.root.author if refs.root is not None and refs.root.author else None
        extra += await self._outboxes(focus.pubkey)
        if root_author and root_author != focus.pubkey:
            extra += await self._outboxes(root_author)
        relays = list(dict.fromkeys(self._relays.read_urls() + extra))
        up = [root_id] + [r.id for r in (refs.reply, *refs.mentions) if r is not None]
        wanted_ids = list(dict.fromkeys(up + quoted_ids(focus)))
        await self._ingest.fetch(
            [
                Filter.make(ids=wanted_ids),
                Filter.make(kinds=[1, 6, 7], tags={"e": list(dict.fromkeys([root_id, focus_id, *up[:2]]))}),
            ],
            relays=relays or None,
        )
        rows = await self.rows(focus_id)
        if announce:
            self._notes.put(ThreadUpdated(focus_id, tuple(rows)))
        return rows
