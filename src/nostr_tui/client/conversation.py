"""Opening a thread from any note reference: store first, then relays (with hints), as a tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..protocol import nip10, nip19
from ..protocol.event import Event
from ..protocol.filters import Filter
from .events import Message, ThreadUpdated
from .items import build_items, quoted_ids
from .models import ThreadRow
from .threads import build_tree, thread_root_id

if TYPE_CHECKING:
    from .core import NostrClient


class BadReference(ValueError):
    """A note reference that cannot be read."""


def parse_note_ref(ref: str) -> tuple[str, tuple[str, ...]]:
    """(event id, relay hints) from a hex id, `note1`, `nevent1` or `nostr:` URI."""
    try:
        return nip19.event_ref(ref)
    except nip19.Nip19Error as exc:
        raise BadReference(f"not a note reference: {exc.reason}") from None


MAX_ANCESTORS = 200


def ancestors(cache: Any, event: Event, limit: int = MAX_ANCESTORS) -> list[Event]:
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


def thread_events(cache: Any, focus_id: str) -> tuple[str, list[Event]]:
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


def _rows(cache: Any, client: NostrClient, focus_id: str) -> list[ThreadRow]:
    root_id, events = thread_events(cache, focus_id)
    tree = build_tree(events, root_id)
    items = build_items(cache, [r.event for r in tree], client.item_context())
    by_id = {i.event.id: i for i in items}
    return [
        ThreadRow(by_id[r.event.id], r.depth, r.parent_id, r.child_count, r.event.id == focus_id, r.missing_parent)
        for r in tree
        if r.event.id in by_id
    ]


async def open_thread(client: NostrClient, ref: str) -> list[ThreadRow]:
    """The thread around a note as the store knows it now; a fetch from relays follows in the background
    and announces the fuller tree with ThreadUpdated (also when nothing more was found)."""
    focus_id, hints = parse_note_ref(ref)
    rows = await client.db.read_cache(lambda c: _rows(c, client, focus_id))
    client.check_nip05([r.item for r in rows])
    client.spawn(_fill(client, focus_id, hints))
    return rows


async def load_thread(client: NostrClient, ref: str) -> list[ThreadRow]:
    """The whole thread around a note: the store, then the relays (waiting for them, bounded by the EOSE
    timeout). Raises BadReference for a reference that cannot be read."""
    focus_id, hints = parse_note_ref(ref)
    return await _fill(client, focus_id, hints, announce=False)


def _hint_urls(urls: Any) -> list[str]:
    return [u for u in urls if isinstance(u, str) and u.startswith(("ws://", "wss://"))]


async def _fill(client: NostrClient, focus_id: str, hints: tuple[str, ...], announce: bool = True) -> list[ThreadRow]:
    extra = _hint_urls(hints)
    focus = await client.db.read_cache(lambda c: c.get(focus_id))
    if focus is None:
        relays = list(dict.fromkeys(client.pool.read_urls() + extra))
        got = await client.fetch([Filter.make(ids=[focus_id])], relays=relays or None)
        focus = next((e for e in got if e.id == focus_id), None)
    if focus is None:
        if announce:
            client.events.put(Message(f"note {focus_id[:12]}… was not found on any relay", "warning"))
            client.events.put(ThreadUpdated(focus_id, ()))
        return []
    refs = nip10.parse(focus.tags)
    root_id = thread_root_id(focus)
    extra += _hint_urls(r.relay for r in (refs.root, refs.reply, *refs.mentions) if r is not None)
    extra += _hint_urls(q.relay for q in refs.quotes)
    relays = list(dict.fromkeys(client.pool.read_urls() + extra))
    up = [root_id] + [r.id for r in (refs.reply, *refs.mentions) if r is not None]
    wanted_ids = list(dict.fromkeys(up + quoted_ids(focus)))
    await client.fetch(
        [
            Filter.make(ids=wanted_ids),
            Filter.make(kinds=[1, 6, 7], tags={"e": list(dict.fromkeys([root_id, focus_id, *up[:2]]))}),
        ],
        relays=relays or None,
    )
    rows = await client.db.read_cache(lambda c: _rows(c, client, focus_id))
    if announce:
        client.events.put(ThreadUpdated(focus_id, tuple(rows)))
    client.check_nip05([r.item for r in rows])
    return rows
