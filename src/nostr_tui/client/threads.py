"""Thread trees (NIP-10): parent links from tags, orphans re-attached, cycles broken, tree order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..protocol import nip10
from ..protocol.event import Event

THREAD_KINDS = frozenset({1})


@dataclass(frozen=True, slots=True)
class TreeRow:
    """A note's place in the tree: depth, parent (None at the top), children count, and whether its
    real parent is unknown so it was attached to the nearest known ancestor."""

    event: Event
    depth: int
    parent_id: str | None
    child_count: int
    missing_parent: bool


def thread_root_id(event: Event) -> str:
    """The id of the thread's root as `event`'s tags name it (the event itself when it is a root)."""
    refs = nip10.parse(event.tags)
    if refs.root is not None and refs.root.id != event.id:
        return refs.root.id
    return event.id


def _candidates(event: Event) -> list[str]:
    """Ancestors named by the tags, nearest first: parent, positional mentions (reversed), root."""
    refs = nip10.parse(event.tags)
    out: list[str] = []
    if refs.reply is not None:
        out.append(refs.reply.id)
    marked = any(len(t) >= 4 and t[0] == "e" and t[3] in ("root", "reply") for t in event.tags)
    if not marked:
        out.extend(m.id for m in reversed(refs.mentions))
    if refs.root is not None:
        out.append(refs.root.id)
    return [c for c in out if c != event.id]


def build_tree(events: Iterable[Event], root_id: str | None = None) -> list[TreeRow]:
    """Arrange thread notes as a tree in display order (depth first, siblings oldest first).

    Each note hangs under its reply-marked parent (positional tags as a fallback). A note whose parent
    is not among `events` hangs under its nearest known ancestor, else under the root (`root_id` when
    known and present), else at the top. Self-references and cycles are broken. Runs in O(n log n).
    """
    by_id: dict[str, Event] = {}
    for e in events:
        if e.kind in THREAD_KINDS:
            by_id.setdefault(e.id, e)
    root = root_id if root_id in by_id else None

    parent: dict[str, str | None] = {}
    missing: dict[str, bool] = {}
    for eid, e in by_id.items():
        cands = _candidates(e)
        chosen = next((c for c in cands if c in by_id), None)
        parent[eid] = chosen
        missing[eid] = bool(cands) and (chosen is None or chosen != cands[0])

    # Break cycles: walk up from each node; a node reached again on the current walk loses its parent.
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    for start in by_id:
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = parent[node]
        if node is not None and state.get(node) == 1:
            parent[node] = None
            missing[node] = True
        for p in path:
            state[p] = 2

    # Parentless notes other than the root hang under the root when there is one.
    if root is not None:
        for eid in by_id:
            if eid != root and parent[eid] is None:
                parent[eid] = root
                missing[eid] = True
        parent[root] = None

    children: dict[str | None, list[str]] = {}
    for eid, up in parent.items():
        children.setdefault(up, []).append(eid)
    for kids in children.values():
        kids.sort(key=lambda i: (by_id[i].created_at, i))

    rows: list[TreeRow] = []
    stack: list[tuple[str, int]] = [(i, 0) for i in reversed(children.get(None, []))]
    while stack:
        eid, depth = stack.pop()
        kids = children.get(eid, [])
        rows.append(TreeRow(by_id[eid], depth, parent[eid], len(kids), missing[eid]))
        stack.extend((k, depth + 1) for k in reversed(kids))
    return rows
