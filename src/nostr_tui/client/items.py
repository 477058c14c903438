"""Turning stored events into notes ready to show: authors, reposts, replies-to, quotes, counts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..protocol import nip10, nip19
from ..protocol.content import ReferenceToken, tokenize
from ..protocol.event import Event, EventError, parse_event
from ..store.cache import EventCache
from ..store.rules import Relation
from .models import Author, NoteCounts, NoteItem
from .moderation import MuteList, content_warning
from .profiles import Profile, display_name, parse_profile

NOTE_KINDS = (1, 6)
NOTIFICATION_KINDS = (1, 6, 7)


@dataclass
class ItemContext:
    """What decorating a note needs besides the cache: mutes, follows, NIP-05 verdicts so far."""

    mutes: MuteList = field(default_factory=MuteList)
    follows: frozenset[str] = frozenset()
    nip05_state: Callable[[str, str], bool | None] = lambda ident, pk: None
    me: str | None = None  # the active account, whose reactions and reposts are marked


def note_counts(cache: EventCache, note_ids: Iterable[str], me: str | None) -> dict[str, NoteCounts]:
    """Each note's counts, with `me`'s own reaction and repost marked (every id gets an entry)."""
    ids = list(dict.fromkeys(note_ids))
    counts = cache.counts(ids)
    marks = cache.marks(ids, me) if me else {}
    out = {}
    for note_id in ids:
        c, mine = counts.get(note_id), marks.get(note_id, frozenset())
        out[note_id] = NoteCounts(c.replies if c else 0, c.reactions if c else 0, c.reposts if c else 0,
                                  Relation.REACTION in mine, Relation.REPOST in mine)
    return out


def reposted_note(repost: Event, cache: EventCache) -> Event | None:
    """The note a kind 6 repost shares: from its content when valid, else from the cache by its `e` tag."""
    if repost.content.strip():
        try:
            inner = parse_event(json.loads(repost.content))
            if inner.kind == 1:
                return inner
        except (ValueError, RecursionError, EventError):
            pass
    for eid in repost.tag_values("e"):
        found = cache.get(eid)
        if found is not None and found.kind == 1:
            return found
    return None


def reacted_note(reaction: Event, cache: EventCache) -> Event | None:
    """The note a kind 7 reaction is about (its last `e` tag, per NIP-25), if cached."""
    ids = reaction.tag_values("e")
    found = cache.get(ids[-1]) if ids else None
    return found if found is not None and found.kind == 1 else None


def quoted_ids(event: Event) -> list[str]:
    """Ids of notes a note quotes: `q` tags with ids, and `nostr:note`/`nevent` references in its content."""
    out = [q.target for q in nip10.parse(event.tags).quotes if not q.is_address]
    if "nostr:" in event.content:
        for tok in tokenize(event.content):
            if isinstance(tok, ReferenceToken):
                ent = tok.entity
                if isinstance(ent, (nip19.Note, nip19.Nevent)):
                    out.append(ent.id)
    return list(dict.fromkeys(i for i in out if i != event.id))


def parent_author(event: Event, cache: EventCache) -> str | None:
    """The pubkey of the note this one replies to: from the marker, the cached parent, or the last `p` tag."""
    refs = nip10.parse(event.tags)
    if refs.reply is None:
        return None
    if refs.reply.author:
        return refs.reply.author
    parent = cache.get(refs.reply.id)
    if parent is not None:
        return parent.pubkey
    return refs.profiles[-1].pubkey if refs.profiles else None


def build_items(
    cache: EventCache, events: Sequence[Event], ctx: ItemContext, with_quotes: bool = True
) -> list[NoteItem]:
    """Notes as a feed shows them (muted ones left out), in the order given. Runs on the store thread."""
    shown: list[tuple[Event, Event | None]] = []  # (note, repost)
    for ev in events:
        if ev.kind == 6:
            inner = reposted_note(ev, cache)
            if inner is not None and not ctx.mutes.hides(inner) and not ctx.mutes.hides(ev):
                shown.append((inner, ev))
        elif ev.kind == 7:
            target = reacted_note(ev, cache)
            if target is not None and not ctx.mutes.hides(target) and not ctx.mutes.hides(ev):
                shown.append((target, ev))
        elif ev.kind == 1 and not ctx.mutes.hides(ev):
            shown.append((ev, None))
    parents = {note.id: parent_author(note, cache) for note, _ in shown}
    quotes: dict[str, list[Event]] = {}
    if with_quotes:
        for note, _ in shown:
            found = [q for q in (cache.get(i) for i in quoted_ids(note)[:3]) if q is not None and q.kind == 1]
            if found:
                quotes[note.id] = found
    pubkeys: set[str] = set()
    for note, rp in shown:
        pubkeys.add(note.pubkey)
        if rp is not None:
            pubkeys.add(rp.pubkey)
        if parents[note.id]:
            pubkeys.add(parents[note.id] or "")
        pubkeys.update(q.pubkey for q in quotes.get(note.id, ()))
    authors = authors_for(cache, pubkeys, ctx)
    counts = note_counts(cache, [n.id for n, _ in shown] + [q.id for qs in quotes.values() for q in qs], ctx.me)

    def item(note: Event, rp: Event | None, nested: bool) -> NoteItem:
        parent = parents.get(note.id)
        return NoteItem(
            event=note,
            author=authors[note.pubkey],
            counts=counts.get(note.id) or NoteCounts(),
            reply_to=authors.get(parent) if parent else None,
            reposted_by=authors[rp.pubkey] if rp is not None and rp.kind == 6 else None,
            repost_id=rp.id if rp is not None and rp.kind == 6 else None,
            reacted_by=authors[rp.pubkey] if rp is not None and rp.kind == 7 else None,
            reaction=rp.content[:32] if rp is not None and rp.kind == 7 else "",
            reaction_id=rp.id if rp is not None and rp.kind == 7 else None,
            content_warning=content_warning(note),
            quoted=() if nested else tuple(item(q, None, True) for q in quotes.get(note.id, ())),
            at=rp.created_at if rp is not None else note.created_at,
        )

    return [item(note, rp, False) for note, rp in shown]


def authors_for(cache: EventCache, pubkeys: Iterable[str], ctx: ItemContext) -> dict[str, Author]:
    """Display data for each pubkey from the cached kind 0 events."""
    keys = [k for k in set(pubkeys) if k]
    profiles = {pk: parse_profile(ev) for pk, ev in cache.profiles(keys).items()}
    return {pk: author_of(pk, profiles.get(pk), ctx) for pk in keys}


def author_of(pubkey: str, profile: Profile | None, ctx: ItemContext) -> Author:
    """One Author from a profile (or none)."""
    nip05 = profile.nip05 if profile and profile.nip05 else None
    return Author(
        pubkey,
        display_name(pubkey, profile),
        nip05,
        ctx.nip05_state(nip05, pubkey) if nip05 else None,
        pubkey in ctx.follows,
    )


def npub_of(pubkey: str) -> str:
    """The npub of a hex key."""
    return nip19.npub_encode(pubkey)
