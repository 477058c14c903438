"""Thread trees: what a reader sees when a conversation is laid out."""

from __future__ import annotations

from nostr_tui.client.threads import build_tree, thread_root_id
from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.protocol.nip10 import reply_tags

KEY = SecretKey.generate()


def note(text: str, t: int, tags: list[list[str]] | None = None) -> Event:
    return sign_event(KEY, 1, text, tags or [], t)


def reply(parent: Event, text: str, t: int) -> Event:
    return sign_event(KEY, 1, text, reply_tags(parent), t)


def shape(rows) -> list[tuple[str, int]]:
    return [(r.event.content, r.depth) for r in rows]


def test_marked_replies_make_a_tree_with_siblings_oldest_first() -> None:
    root = note("root", 100)
    a = reply(root, "a", 110)
    b = reply(root, "b", 105)
    a1 = reply(a, "a1", 120)
    rows = build_tree([a1, a, b, root], root.id)
    assert shape(rows) == [("root", 0), ("b", 1), ("a", 1), ("a1", 2)]
    assert rows[2].child_count == 1 and rows[3].parent_id == a.id
    assert thread_root_id(a1) == root.id and thread_root_id(root) == root.id


def test_positional_tags_fall_back_to_last_e_as_parent() -> None:
    root = note("root", 100)
    mid = note("mid", 110, [["e", root.id]])
    leaf = note("leaf", 120, [["e", root.id], ["e", mid.id]])
    assert shape(build_tree([leaf, mid, root], root.id)) == [("root", 0), ("mid", 1), ("leaf", 2)]


def test_orphan_hangs_under_nearest_known_ancestor() -> None:
    root = note("root", 100)
    a = reply(root, "a", 110)
    lost = reply(a, "lost", 115)  # not given to the tree
    orphan = sign_event(KEY, 1, "orphan", reply_tags(lost), 130)
    rows = build_tree([root, a, orphan], root.id)
    assert shape(rows) == [("root", 0), ("a", 1), ("orphan", 1)]
    assert rows[2].missing_parent and rows[2].parent_id == root.id


def test_positional_orphan_uses_nearer_mention_before_root() -> None:
    root = note("root", 100)
    mid = note("mid", 110, [["e", root.id]])
    orphan = note("orphan", 130, [["e", root.id], ["e", mid.id], ["e", "f" * 64]])
    rows = build_tree([root, mid, orphan], root.id)
    assert shape(rows) == [("root", 0), ("mid", 1), ("orphan", 2)]
    assert rows[2].missing_parent


def test_self_reference_and_cycles_are_broken() -> None:
    # ids are content hashes, so a real cycle needs forged tags on unsigned events
    def fake(i: str, parent: str, t: int) -> Event:
        return Event(i * 64, "a" * 64, t, 1, (("e", parent * 64, "", "reply"),), i, "0" * 128)

    x, y = fake("1", "2", 10), fake("2", "1", 20)
    selfish = fake("3", "3", 30)
    rows = build_tree([x, y, selfish])
    assert sorted(r.event.content for r in rows) == ["1", "2", "3"]
    assert len(rows) == 3
    assert sum(1 for r in rows if r.depth == 0) == 2  # one of the cycle, and the self-reference


def test_root_missing_keeps_every_note() -> None:
    root = note("root", 100)
    a, b = reply(root, "a", 110), reply(root, "b", 105)
    rows = build_tree([a, b], root.id)
    assert shape(rows) == [("b", 0), ("a", 0)]
    assert all(r.missing_parent for r in rows)


def test_reactions_are_not_thread_notes() -> None:
    root = note("root", 100)
    like = sign_event(KEY, 7, "+", [["e", root.id], ["p", root.pubkey]], 110)
    assert shape(build_tree([root, like], root.id)) == [("root", 0)]


def test_deep_chain_does_not_recurse() -> None:
    events = [note("0", 0)]
    for i in range(1, 3000):
        tags = (("e", events[0].id, "", "root"), ("e", events[-1].id, "", "reply"))
        events.append(Event(f"{i:064x}", "a" * 64, i, 1, tags, str(i), "0" * 128))
    rows = build_tree(events, events[0].id)
    assert rows[-1].depth == 2999
