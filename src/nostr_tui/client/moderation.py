"""Mute lists (NIP-51 kind 10000) and content warnings (NIP-36)."""

from __future__ import annotations

from dataclasses import dataclass

from ..protocol.event import Event

MUTE_LIST_KIND = 10000


@dataclass(frozen=True, slots=True)
class MuteList:
    """Public mutes: people, threads (event ids), hashtags and words."""

    pubkeys: frozenset[str] = frozenset()
    event_ids: frozenset[str] = frozenset()
    hashtags: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()

    def hides(self, event: Event) -> bool:
        """True when the event is by a muted person, in a muted thread, or has a muted hashtag or word."""
        if event.pubkey in self.pubkeys:
            return True
        if self.event_ids and (event.id in self.event_ids or any(v in self.event_ids for v in event.tag_values("e"))):
            return True
        if self.hashtags and any(t.lower() in self.hashtags for t in event.tag_values("t")):
            return True
        if self.words:
            text = event.content.lower()
            return any(w in text for w in self.words)
        return False


def parse_mute_list(event: Event | None) -> MuteList:
    """The public part of a kind 10000 mute list (an absent list mutes nothing)."""
    if event is None:
        return MuteList()
    p, e, t, w = set(), set(), set(), set()
    for tag in event.tags:
        if len(tag) < 2 or not tag[1]:
            continue
        if tag[0] == "p":
            p.add(tag[1])
        elif tag[0] == "e":
            e.add(tag[1])
        elif tag[0] == "t":
            t.add(tag[1].lower())
        elif tag[0] == "word":
            w.add(tag[1].lower())
    return MuteList(frozenset(p), frozenset(e), frozenset(t), frozenset(w))


def content_warning(event: Event) -> str | None:
    """The NIP-36 reason ("" when the tag has none), or None when the note carries no warning."""
    tag = event.first_tag("content-warning")
    if tag is None:
        return None
    return tag[1] if len(tag) > 1 else ""
