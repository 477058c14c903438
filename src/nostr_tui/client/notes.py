"""Writing notes: new notes, replies (NIP-10), quotes, reactions (NIP-25), reposts (NIP-18), deletions (NIP-09).

Each is signed by the session and goes through the publisher's outbox to the relays the outbox model
(NIP-65) names: the user's write relays, plus the parent author's read relays for a reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..protocol import nip10, nip19
from ..protocol.content import tags_for_content
from ..protocol.event import Event
from ..store.aio import Store
from .conversation import Threads
from .errors import ClientError
from .lists import Lists
from .people import People
from .profiles import parse_profile
from .publisher import Publisher, Sending
from .relays import Relays
from .session import Session
from .signer import EventTemplate

_MENTION = re.compile(r"(?<![\w/:@])@([\w.\-]{1,64})")
_BARE_BECH32 = re.compile(r"(?<![\w:/])((?:npub|nprofile|note|nevent|naddr)1[02-9ac-hj-np-z]{6,})", re.IGNORECASE)


def expand_mentions(text: str, lookup: Callable[[str], str | None]) -> str:
    """`@name` of a known person becomes `nostr:npub...`; bare `npub1...`/`note1...` get the `nostr:` prefix."""

    def at(m: re.Match[str]) -> str:
        pubkey = lookup(m.group(1))
        return "nostr:" + nip19.npub_encode(pubkey) if pubkey else m.group(0)

    def bare(m: re.Match[str]) -> str:
        try:
            nip19.decode(m.group(1))
        except nip19.Nip19Error:
            return m.group(0)
        return "nostr:" + m.group(1)

    return _BARE_BECH32.sub(bare, _MENTION.sub(at, text))


def merge_tags(*groups: Sequence[Sequence[str]]) -> list[list[str]]:
    """Tags from several sources, each (name, value) once, first occurrence wins."""
    seen: set[tuple[str, str]] = set()
    out: list[list[str]] = []
    for group in groups:
        for tag in group:
            key = (tag[0], tag[1] if len(tag) > 1 else "")
            if key not in seen:
                seen.add(key)
                out.append(list(tag))
    return out


class Notes:
    """What the user writes, from a text or a key press to a signed event on its way."""

    def __init__(self, session: Session, publisher: Publisher, relays: Relays, lists: Lists, people: People,
                 threads: Threads, store: Store) -> None:
        self._session = session
        self._publisher = publisher
        self._relays = relays
        self._lists = lists
        self._people = people
        self._threads = threads
        self._store = store

    async def compose_content(self, text: str) -> tuple[str, list[list[str]]]:
        """The content to sign (`@name` of a follow expanded) and its `p`, `q` and `t` tags."""
        follows = sorted(self._lists.follows)
        profiles = await self._store.read_cache(lambda c: c.profiles(follows)) if follows else {}
        names: dict[str, str] = {}
        for pk, ev in profiles.items():
            prof = parse_profile(ev)
            for n in (prof.name, prof.display_name):
                if n.strip():
                    names.setdefault(n.strip().lower(), pk)
        content = expand_mentions(text, lambda n: names.get(n.lower()))
        return content, tags_for_content(content)

    async def _targets(self) -> list[str]:
        await self._lists.wait_synced()
        return self._relays.write_targets()

    async def publish(self, kind: int, content: str, tags: Sequence[Sequence[str]] = (), *,
                      relays: Sequence[str] | None = None, draft_key: str | None = None,
                      created_at: int | None = None) -> Sending:
        """Sign and send any event to `relays` (default: the user's write relays)."""
        self._session.signer()  # no account, or read-only: said before any network work
        targets = list(relays) if relays is not None else await self._targets()
        return await self._publisher.publish(EventTemplate.make(kind, content, tags, created_at), targets,
                                             draft_key=draft_key)

    async def post(self, text: str, *, draft_key: str | None = "new") -> Sending:
        """A new note."""
        self._session.signer()
        content, tags = await self.compose_content(text)
        return await self.publish(1, content, tags, draft_key=draft_key)

    async def reply(self, parent_ref: str, text: str) -> Sending:
        """A reply with NIP-10 tags, to the user's write relays plus the parent author's read relays.

        `parent_ref` is a hex id or any note reference (note1, nevent1 with relay hints, nostr: URI)."""
        self._session.signer()
        parent = await self._threads.find(parent_ref)
        content, tags = await self.compose_content(text)
        all_tags = merge_tags(await self._thread_tags(parent), tags)
        theirs = await self._people.relay_list(parent.pubkey)
        await self._lists.wait_synced()
        targets = self._relays.reply_targets(theirs)
        return await self.publish(1, content, all_tags, relays=targets, draft_key=f"reply:{parent.id}")

    async def _seen_on(self, event_id: str) -> list[str]:
        return await self._threads.seen_on(event_id)

    async def _thread_tags(self, parent: Event) -> list[list[str]]:
        """NIP-10 tags for a reply to `parent`, with relay hints where each note was seen and the root's author."""
        hints = await self._seen_on(parent.id)
        tags = nip10.reply_tags(parent, hints[0] if hints else "")
        root = tags[0] if tags and tags[0][0] == "e" and tags[0][3] == "root" else None
        if root is not None and root[1] != parent.id:
            root_id = root[1]
            root_event = await self._store.read_cache(lambda c: c.get(root_id))
            root_hints = await self._seen_on(root_id)
            given = nip10.parse(parent.tags).root
            if root_hints and (given is None or not given.relay):
                root[2] = root_hints[0]  # where the root was seen beats where its reply was
            if len(root) < 5 and root_event is not None:
                root.append(root_event.pubkey)
        return tags

    async def quote(self, note_ref: str, text: str) -> Sending:
        """A note quoting another: a `nostr:nevent` reference in the text and a `q` tag."""
        self._session.signer()
        target = await self._threads.find(note_ref)
        hints = await self._seen_on(target.id)
        ref = nip19.encode(nip19.Nevent(target.id, tuple(hints[:2]), target.pubkey, target.kind))
        content, tags = await self.compose_content(text.rstrip() + "\n\nnostr:" + ref)
        return await self.publish(1, content, tags, draft_key=f"quote:{target.id}")

    async def react(self, note_ref: str, content: str = "+") -> Sending:
        """A NIP-25 reaction."""
        self._session.signer()
        target = await self._threads.find(note_ref)
        return await self.publish(7, content, [["e", target.id], ["p", target.pubkey], ["k", str(target.kind)]])

    async def repost(self, note_ref: str) -> Sending:
        """A NIP-18 repost (kind 6 carrying the note's JSON)."""
        self._session.signer()
        target = await self._threads.find(note_ref)
        hints = await self._seen_on(target.id)
        tags = [["e", target.id, hints[0] if hints else ""], ["p", target.pubkey]]
        return await self.publish(6, target.to_json(), tags)

    async def delete(self, note_ref: str, reason: str = "") -> Sending:
        """Ask relays to delete one of the user's own notes (NIP-09)."""
        self._session.signer()
        target = await self._threads.find(note_ref)
        if target.pubkey != self._session.pubkey:
            raise ClientError("only your own notes can be deleted")
        return await self.publish(5, reason, [["e", target.id], ["k", str(target.kind)]])
