"""The outbox model (NIP-65): relay lists, where to read each follow from, where to send a reply."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..protocol.event import Event

RELAY_LIST_KIND = 10002


@dataclass(frozen=True, slots=True)
class RelayList:
    """A person's relays: where they write (their outbox) and where they read (their inbox)."""

    read: tuple[str, ...]
    write: tuple[str, ...]


def normalize_url(url: str) -> str | None:
    """A relay URL in one canonical form (lower-case scheme and host, no trailing slash), or None."""
    url = url.strip()
    lower = url.lower()
    if not (lower.startswith("ws://") or lower.startswith("wss://")):
        return None
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    if not host or any(c.isspace() for c in url):
        return None
    path = path.rstrip("/")
    return f"{scheme.lower()}://{host.lower()}" + (f"/{path}" if path else "")


def parse_relay_list(event: Event) -> RelayList:
    """Read a kind 10002 event: `["r", url]` is read and write, a third field limits it to one."""
    read: list[str] = []
    write: list[str] = []
    for tag in event.tags:
        if len(tag) < 2 or tag[0] != "r":
            continue
        url = normalize_url(tag[1])
        if url is None:
            continue
        marker = tag[2] if len(tag) > 2 else ""
        if marker in ("", "read") and url not in read:
            read.append(url)
        if marker in ("", "write") and url not in write:
            write.append(url)
    return RelayList(tuple(read), tuple(write))


def relay_list_tags(relays: RelayList) -> list[list[str]]:
    """The tags of a kind 10002 event for `relays`."""
    tags: list[list[str]] = []
    for url in dict.fromkeys([*relays.read, *relays.write]):
        r, w = url in relays.read, url in relays.write
        tags.append(["r", url] if r and w else ["r", url, "read" if r else "write"])
    return tags


def plan_reading(
    follows: Iterable[str],
    lists: Mapping[str, RelayList],
    base_relays: Iterable[str],
    max_extra: int = 8,
    per_author: int = 2,
) -> dict[str, set[str]]:
    """Which relays to ask for which authors' notes.

    Authors are read from their write relays (outbox). The base relays are always used; up to
    `max_extra` more are added greedily, each time the one that covers the most authors not yet
    covered `per_author` times. Authors with no known list, or not covered, are asked of the base relays.
    """
    base = [u for u in (normalize_url(b) for b in base_relays) if u]
    plan: dict[str, set[str]] = {u: set() for u in base}
    authors = list(dict.fromkeys(follows))
    coverage = dict.fromkeys(authors, 0)
    writes = {a: set(lists[a].write) for a in authors if a in lists and lists[a].write}
    for a, relays in writes.items():
        for u in relays & plan.keys():
            plan[u].add(a)
            coverage[a] += 1
    for _ in range(max_extra):
        scores: dict[str, int] = {}
        for a, relays in writes.items():
            if coverage[a] >= per_author:
                continue
            for u in relays:
                if u not in plan:
                    scores[u] = scores.get(u, 0) + 1
        if not scores:
            break
        best = min(scores, key=lambda u: (-scores[u], u))
        plan[best] = set()
        for a, relays in writes.items():
            if best in relays:
                plan[best].add(a)
                coverage[a] += 1
    for a in authors:
        if coverage[a] == 0:
            for u in base:
                plan[u].add(a)
    return {u: s for u, s in plan.items() if s}


def reply_targets(own: RelayList | None, defaults: Iterable[str], parent_author: RelayList | None,
                  max_theirs: int = 3) -> list[str]:
    """Relays for a reply: the user's write relays (or the defaults) plus the parent author's read relays."""
    mine = list(own.write) if own is not None and own.write else [u for u in map(normalize_url, defaults) if u]
    theirs = list(parent_author.read[:max_theirs]) if parent_author is not None else []
    return list(dict.fromkeys(mine + theirs))
