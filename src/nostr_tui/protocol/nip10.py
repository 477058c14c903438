"""NIP-10 threads: read root, reply, mentions, quotes and profiles from tags; build a reply's tags."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .event import Event

_HEX = frozenset("0123456789abcdef")


def _is_hex64(value: str) -> bool:
    return len(value) == 64 and _HEX.issuperset(value)


def _is_address(target: str) -> bool:
    return ":" in target  # `kind:pubkey:d`; an event id has no colon


@dataclass(frozen=True, slots=True)
class EventRef:
    """An `e` reference: the event id, a relay hint ("" when none) and the author when given."""

    id: str
    relay: str = ""
    author: str | None = None


@dataclass(frozen=True, slots=True)
class QuoteRef:
    """A `q` reference: an event id or an address (`kind:pubkey:d`), a relay hint, and the author."""

    target: str
    relay: str = ""
    author: str | None = None

    @property
    def is_address(self) -> bool:
        """True when the quote names an addressable event (`kind:pubkey:d`) rather than an id."""
        return _is_address(self.target)


@dataclass(frozen=True, slots=True)
class ProfileRef:
    """A `p` reference: a public key and a relay hint ("" when none)."""

    pubkey: str
    relay: str = ""


@dataclass(frozen=True, slots=True)
class ThreadRefs:
    """Where an event sits in a thread and what it cites.

    `root` and `reply` are None for an event that replies to nothing. For a direct reply to the
    root, `reply` is the root. When the tags mark only a "reply", the root is unknown (None).
    `mentions` are cited events that are neither the parent nor the root.
    """

    root: EventRef | None
    reply: EventRef | None
    mentions: tuple[EventRef, ...]
    quotes: tuple[QuoteRef, ...]
    profiles: tuple[ProfileRef, ...]

    @property
    def is_reply(self) -> bool:
        """True when the event answers another event."""
        return self.reply is not None


def _field(tag: Sequence[str], index: int) -> str:
    return tag[index] if len(tag) > index else ""


def _author(tag: Sequence[str], index: int) -> str | None:
    value = _field(tag, index)
    return value if _is_hex64(value) else None


def _readable(tag: Sequence[str]) -> bool:
    return len(tag) >= 2 and all(isinstance(x, str) for x in tag)


def _pick(markers: Sequence[str]) -> tuple[int | None, int | None, list[int]]:
    """NIP-10's reading of an event's `e` tags, given their markers in order: the positions of the root, the
    parent and the mentions (see `parse`)."""
    root = reply = None
    for i, marker in enumerate(markers):  # the first of each
        if marker == "root" and root is None:
            root = i
        elif marker == "reply" and reply is None:
            reply = i
    if root is not None or reply is not None:
        mentions = [i for i in range(len(markers)) if i != root and i != reply]
        return root, (root if reply is None else reply), mentions
    positional = [i for i, m in enumerate(markers) if m != "mention"]
    mentions = [i for i, m in enumerate(markers) if m == "mention"]
    if not positional:
        return None, None, mentions
    return positional[0], positional[-1], positional[1:-1] + mentions


def parse(tags: Iterable[Sequence[str]]) -> ThreadRefs:
    """Read thread references from an event's tags. Malformed tags are skipped; never raises.

    Marked `e` tags (`["e", id, relay, "root"|"reply", pubkey]`) win when any is present; other
    `e` tags are then mentions. Without markers the deprecated positional reading applies: one
    `e` tag is the parent (and so the root); with two or more the first is the root, the last the
    parent and those between are mentions. An `e` tag marked "mention" is always a mention.
    """
    e_refs: list[EventRef] = []
    markers: list[str] = []
    quotes: list[QuoteRef] = []
    profiles: dict[str, ProfileRef] = {}
    for tag in tags:
        if not _readable(tag):
            continue
        name, value = tag[0], tag[1]
        if name == "e" and _is_hex64(value):
            e_refs.append(EventRef(value, _field(tag, 2), _author(tag, 4)))
            markers.append(_field(tag, 3))
        elif name == "q" and value:
            quotes.append(QuoteRef(value, _field(tag, 2), _author(tag, 3)))
        elif name == "p" and _is_hex64(value):
            known = profiles.get(value)
            if known is None or (not known.relay and _field(tag, 2)):
                profiles[value] = ProfileRef(value, _field(tag, 2))
    root, reply, mentions = _pick(markers)
    return ThreadRefs(
        None if root is None else e_refs[root], None if reply is None else e_refs[reply],
        tuple(e_refs[i] for i in mentions), tuple(quotes), tuple(profiles.values()),
    )


def parent_and_quotes(tags: Iterable[Sequence[str]]) -> tuple[str | None, list[str]]:
    """What the cache's relation index needs of `parse(tags)`, read without building any reference: the id of
    the note answered (`reply.id`) and the ids quoted (`q` tags naming an event, not an address), in order."""
    ids: list[str] = []
    markers: list[str] = []
    quoted: list[str] = []
    for tag in tags:
        if not _readable(tag):
            continue
        name, value = tag[0], tag[1]
        if name == "e" and _is_hex64(value):
            ids.append(value)
            markers.append(_field(tag, 3))
        elif name == "q" and value and not _is_address(value):
            quoted.append(value)
    reply = _pick(markers)[1]
    return (None if reply is None else ids[reply]), quoted


def reply_tags(parent: Event, relay_hint: str = "") -> list[list[str]]:
    """The `e` and `p` tags of a reply to `parent`, seen at `relay_hint`.

    `["e", root, hint, "root", root_author]` and `["e", parent, hint, "reply", parent_author]`, or
    only the root marker when the parent is the root. The root's own relay hint is kept when the
    parent gave one; a parent that marks only its "reply" is threaded under that event.
    `p` tags: the parent's `p` tags, then its author, each key once, in order.
    """
    refs = parse(parent.tags)
    thread_root = refs.root if refs.root is not None else refs.reply
    tags: list[list[str]] = []
    if thread_root is None or thread_root.id == parent.id:
        tags.append(["e", parent.id, relay_hint, "root", parent.pubkey])
    else:
        root_tag = ["e", thread_root.id, thread_root.relay or relay_hint, "root"]
        if thread_root.author is not None:
            root_tag.append(thread_root.author)
        tags.append(root_tag)
        tags.append(["e", parent.id, relay_hint, "reply", parent.pubkey])
    seen: set[str] = set()
    for tag in parent.tags:
        if len(tag) >= 2 and tag[0] == "p" and _is_hex64(tag[1]) and tag[1] not in seen:
            seen.add(tag[1])
            tags.append(["p", tag[1], tag[2]] if len(tag) >= 3 and tag[2] else ["p", tag[1]])
    if parent.pubkey not in seen:
        tags.append(["p", parent.pubkey])
    return tags
