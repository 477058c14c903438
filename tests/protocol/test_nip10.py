"""NIP-10 threads: reading root/reply/mentions/quotes/profiles, and building the tags of a reply."""

from __future__ import annotations

import random
from typing import Any

import pytest

from nostr_tui.protocol import nip10
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.protocol.nip10 import EventRef, ProfileRef, QuoteRef, ThreadRefs

from ._support import load_json

CASES = {c["name"]: c for c in load_json("nip10.nostr-tools.cases.json")["cases"]}
A, B, C, D = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)
P1, P2 = ("1" * 64, "2" * 64)


def _ids(refs: Any) -> list[str]:
    return [r.id for r in refs]


# The vector file holds another client's reading. Where NIP-10's text agrees, the tests below
# compare against it. Where we follow the spec instead, each difference is named:
#  1. Order: mentions and profiles come back in tag order (the vector lists them reversed).
#  2. Relay hints: an EventRef carries the relay written in its own `e` tag. The vector also
#     copies relay hints from `p` tags of the same author; NIP-10 says nothing of that.
#  3. "many p 1 reply": the only `e` tag is marked "reply". NIP-10 defines "reply" as the event
#     being answered and "root" as the thread root; with no root marked, the root is unknown,
#     so `root` is None (the vector invents root = reply). `reply_tags` still threads such a
#     parent under that event, the best root known.


def test_case_legacy_positional() -> None:
    case = CASES["legacy + a lot of events"]
    refs = nip10.parse(case["event"]["tags"])
    exp = case["expected"]
    assert refs.root == EventRef(exp["root"]["id"])
    assert refs.reply == EventRef(exp["reply"]["id"])
    assert _ids(refs.mentions) == list(reversed(_ids_from(exp["mentions"])))  # difference 1
    assert [p.pubkey for p in refs.profiles] == list(reversed([p["pubkey"] for p in exp["profiles"]]))
    assert refs.quotes == ()


def _ids_from(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


def test_case_modern_marked() -> None:
    case = CASES["modern"]
    refs = nip10.parse(case["event"]["tags"])
    exp = case["expected"]
    assert refs.root == EventRef(exp["root"]["id"])
    assert refs.reply == EventRef(exp["reply"]["id"])
    assert _ids(refs.mentions) == _ids_from(exp["mentions"])
    assert {p.pubkey for p in refs.profiles} == {p["pubkey"] for p in exp["profiles"]}


def test_case_modern_inverted_with_author() -> None:
    case = CASES["modern, inverted, author hint"]
    refs = nip10.parse(case["event"]["tags"])
    exp = case["expected"]
    # Markers, not positions, decide: reply listed before root, unmarked one is a mention.
    assert refs.root == EventRef(exp["root"]["id"], "wss://banana.com", exp["root"]["author"])  # difference 2
    assert refs.reply == EventRef(exp["reply"]["id"])
    assert _ids(refs.mentions) == _ids_from(exp["mentions"])
    assert ProfileRef(exp["root"]["author"], "wss://goiaba.com") in refs.profiles


def test_case_only_root_marked() -> None:
    case = CASES["1 event, relay hint from author"]
    refs = nip10.parse(case["event"]["tags"])
    exp = case["expected"]
    root = EventRef(exp["root"]["id"], "", exp["root"]["author"])  # difference 2: no hint from the p tag
    assert refs.root == root
    assert refs.reply == root  # a direct reply to the root
    assert refs.mentions == ()
    assert refs.profiles == (ProfileRef(exp["profiles"][0]["pubkey"], "wss://banana.com"),)


def test_case_only_reply_marked() -> None:
    case = CASES["many p 1 reply"]
    refs = nip10.parse(case["event"]["tags"])
    exp = case["expected"]
    assert refs.reply == EventRef(exp["reply"]["id"], "wss://relay.mostr.pub", exp["reply"]["author"])
    assert refs.root is None  # difference 3
    assert len(refs.profiles) == 7 and refs.is_reply


@pytest.mark.parametrize(
    ("tags", "root", "reply", "mentions"),
    [
        ([], None, None, []),
        ([["e", A]], A, A, []),
        ([["e", A, "wss://r"]], A, A, []),
        ([["e", A], ["e", B]], A, B, []),
        ([["e", A], ["e", B], ["e", C], ["e", D]], A, D, [B, C]),
        ([["e", A, "", "root"]], A, A, []),
        ([["e", A, "", "root"], ["e", B, "", "reply"]], A, B, []),
        ([["e", B, "", "reply"], ["e", C], ["e", A, "", "root"]], A, B, [C]),
        ([["e", A, "", "mention"]], None, None, [A]),
        ([["e", A], ["e", B, "", "mention"], ["e", C]], A, C, [B]),
        ([["e", A, "", ""], ["e", B, "", ""]], A, B, []),
        ([["e", "not-hex"], ["e", A], ["e"], ["e", A.upper()]], A, A, []),
    ],
)
def test_marked_and_positional(tags: list[list[str]], root: str | None, reply: str | None,
                               mentions: list[str]) -> None:
    refs = nip10.parse(tags)
    assert (refs.root.id if refs.root else None) == root
    assert (refs.reply.id if refs.reply else None) == reply
    assert _ids(refs.mentions) == mentions
    assert refs.is_reply is (reply is not None)
    assert nip10.parent_and_quotes(tags) == (reply, [])  # what the cache's relation index reads


def test_e_ref_fields_and_quotes_and_profiles() -> None:
    tags = [
        ["e", A, "wss://root", "root", P1],
        ["e", B, "wss://parent", "reply", "not-a-key"],
        ["q", C, "wss://q", P2],
        ["q", f"30023:{P1}:article", "wss://q2"],
        ["q", ""],
        ["p", P1],
        ["p", P2, "wss://p2"],
        ["p", P1, "wss://p1"],
        ["p", "short"],
        ["t", "x"],
    ]
    refs = nip10.parse(tags)
    assert refs == ThreadRefs(
        root=EventRef(A, "wss://root", P1),
        reply=EventRef(B, "wss://parent", None),
        mentions=(),
        quotes=(QuoteRef(C, "wss://q", P2), QuoteRef(f"30023:{P1}:article", "wss://q2")),
        profiles=(ProfileRef(P1, "wss://p1"), ProfileRef(P2, "wss://p2")),
    )
    assert refs.quotes[1].is_address and not refs.quotes[0].is_address


def test_the_relation_index_reads_the_parent_and_quotes_as_parse_does() -> None:
    # The cache reads only the parent and the quoted ids, without building references: for any tags (marked,
    # positional, malformed, quotes of ids and of addresses) it must come to what parse() says.
    rng = random.Random(10)
    pool: list[list[Any]] = [
        ["e", A], ["e", B, "wss://r"], ["e", C, "", "root"], ["e", D, "", "reply"], ["e", A, "", "mention"],
        ["e", B, "", "root", P1], ["e", C, "wss://x", "reply", P2], ["e", D, "", "other"], ["e", "not-hex"],
        ["e"], ["e", A.upper()], ["e", B, 7], ["q", C], ["q", f"30023:{P1}:a", "wss://q"], ["q", ""],
        ["q", D, "", P1], ["p", P1], ["t", "x"], [],
    ]
    for _ in range(3000):
        tags = [rng.choice(pool) for _ in range(rng.randint(0, 6))]
        refs = nip10.parse(tags)
        expected = (refs.reply.id if refs.reply else None, [q.target for q in refs.quotes if not q.is_address])
        assert nip10.parent_and_quotes(tags) == expected, tags


ALICE = SecretKey.from_hex("11" * 32)
BOB = SecretKey.from_hex("22" * 32)
CAROL = SecretKey.from_hex("33" * 32)


def test_reply_to_a_root_note() -> None:
    root = sign_event(ALICE, 1, "root", [["p", P1], ["t", "x"]], created_at=10)
    tags = nip10.reply_tags(root, "wss://seen")
    assert tags == [
        ["e", root.id, "wss://seen", "root", ALICE.public_key],
        ["p", P1],
        ["p", ALICE.public_key],
    ]
    assert nip10.parse(tags).root == nip10.parse(tags).reply == EventRef(root.id, "wss://seen", ALICE.public_key)


def test_reply_to_a_reply_threads_under_the_root() -> None:
    root = sign_event(ALICE, 1, "root", created_at=10)
    reply = sign_event(BOB, 1, "reply", nip10.reply_tags(root, "wss://a"), created_at=11)
    tags = nip10.reply_tags(reply, "wss://b")
    assert tags == [
        ["e", root.id, "wss://a", "root", ALICE.public_key],
        ["e", reply.id, "wss://b", "reply", BOB.public_key],
        ["p", ALICE.public_key],
        ["p", BOB.public_key],
    ]
    deeper = sign_event(CAROL, 1, "deeper", tags, created_at=12)
    tags3 = nip10.reply_tags(deeper)
    refs = nip10.parse(tags3)
    assert refs.root is not None and refs.root.id == root.id
    assert refs.reply == EventRef(deeper.id, "", CAROL.public_key)
    assert [t[1] for t in tags3 if t[0] == "p"] == [ALICE.public_key, BOB.public_key, CAROL.public_key]


def test_reply_tags_keep_p_order_without_duplicates() -> None:
    parent = sign_event(BOB, 1, "x", [["p", P2, "wss://p2"], ["p", BOB.public_key], ["p", P1], ["p", P2]],
                        created_at=1)
    p_tags = [t for t in nip10.reply_tags(parent) if t[0] == "p"]
    assert p_tags == [["p", P2, "wss://p2"], ["p", BOB.public_key], ["p", P1]]


def test_reply_to_positional_and_reply_only_parents() -> None:
    positional = sign_event(BOB, 1, "old style", [["e", A], ["e", B]], created_at=1)
    tags = nip10.reply_tags(positional, "wss://r")
    assert tags[:2] == [["e", A, "wss://r", "root"], ["e", positional.id, "wss://r", "reply", BOB.public_key]]
    reply_only = sign_event(BOB, 1, "x", [["e", C, "wss://c", "reply", P1]], created_at=1)
    tags = nip10.reply_tags(reply_only)
    assert tags[0] == ["e", C, "wss://c", "root", P1]
