"""The shipped demo data: valid signed events that tell the seed document's thread, and enough to scroll."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from nostr_sdk import Nip19Event

from nostr_tui.demo import (
    DEMO_RELAY_HINT,
    demo_follows,
    demo_identities,
    load_seed_events,
    seed_lines,
    seed_thread,
)
from nostr_tui.protocol.event import Event
from nostr_tui.protocol.keys import is_valid_public_key

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "src" / "nostr_tui" / "demo" / "seed_events.jsonl"


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return load_seed_events()


@pytest.fixture(scope="module")
def by_id(events: list[Event]) -> dict[str, Event]:
    return {ev.id: ev for ev in events}


@pytest.fixture(scope="module")
def names(events: list[Event]) -> dict[str, str]:
    return {i.pubkey: i.display_name for i in demo_identities(events)}


def _load_script() -> ModuleType:
    name = "nostr_tui_demo_make_seeds"
    spec = importlib.util.spec_from_file_location(name, ROOT / "seeds" / "make_seeds.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _marked(ev: Event, marker: str) -> tuple[str, ...] | None:
    found = [t for t in ev.tags if len(t) >= 4 and t[0] == "e" and t[3] == marker]
    assert len(found) <= 1, f"more than one {marker} tag in {ev.id}"
    return found[0] if found else None


def _note(events: list[Event], text: str) -> Event:
    [ev] = [e for e in events if e.kind == 1 and e.content.startswith(text)]
    return ev


def test_every_line_is_a_valid_signed_event_in_time_order(events: list[Event]) -> None:
    assert len(events) == len(seed_lines()) > 300
    assert len({ev.id for ev in events}) == len(events)
    for ev in events:
        ev.check()
    times = [ev.created_at for ev in events]
    assert times == sorted(times)


def test_every_event_fits_a_relay_frame(events: list[Event]) -> None:
    for ev in events:
        frame = json.dumps(["EVENT", ev.to_dict()], ensure_ascii=False).encode()
        assert len(frame) < 64 * 1024


def test_the_script_rebuilds_the_shipped_file_byte_for_byte(tmp_path: Path) -> None:
    script = _load_script()
    out = tmp_path / "events.jsonl"
    assert script.main(["--output", str(out)]) == 0
    assert out.read_bytes() == SHIPPED.read_bytes()
    assert script.main(["--check", "--output", str(out)]) == 0
    out.write_text(out.read_text().replace('"+"', '"-"', 1))
    assert script.main(["--check", "--output", str(out)]) == 1


def test_identities_have_profiles_and_follow_lists(events: list[Event]) -> None:
    idents = demo_identities(events)
    assert len(idents) == 12
    assert len({i.pubkey for i in idents}) == 12 and len({i.name for i in idents}) == 12
    assert {"Peter Alexander", "China Morning Missive"} <= {i.display_name for i in idents}
    assert [i.nip05 for i in idents if i.nip05] == ["desk@morningmissive.example"]
    pubkeys = set(demo_follows(events))
    assert pubkeys == {i.pubkey for i in idents}
    assert {ev.pubkey for ev in events} == pubkeys
    follow_lists = [ev for ev in events if ev.kind == 3]
    assert {ev.pubkey for ev in follow_lists} == pubkeys and len(follow_lists) == 12
    for ev in follow_lists:
        followed = ev.tag_values("p")
        assert followed and set(followed) <= pubkeys - {ev.pubkey}
        assert all(is_valid_public_key(p) for p in followed)


def test_the_missive_replies_to_peter(events: list[Event], by_id: dict[str, Event], names: dict[str, str]) -> None:
    thread = seed_thread(events)
    original, missive = by_id[thread.original], by_id[thread.missive]
    assert names[original.pubkey] == "Peter Alexander" and not original.first_tag("e")
    assert names[missive.pubkey] == "China Morning Missive"
    assert _marked(missive, "root") == ("e", original.id, DEMO_RELAY_HINT, "root", original.pubkey)
    assert _marked(missive, "reply") is None
    assert original.pubkey in missive.tag_values("p")
    assert missive.content.startswith("For those following the pitched battle over AI")
    assert missive.content.endswith(
        "https://techcrunch.com/2025/07/14/meta-built-its-ai-reputation-on-openness-that-may-be-changing/"
    )
    assert missive.created_at > original.created_at


def test_the_quote_references_the_missive_by_nevent(events: list[Event], by_id: dict[str, Event]) -> None:
    thread = seed_thread(events)
    quote, missive = by_id[thread.quote], by_id[thread.missive]
    assert quote.content.startswith("Remember when China just used to copy everything?")
    match = re.search(r"nostr:(nevent1[02-9ac-hj-np-z]+)$", quote.content)
    assert match is not None
    decoded = Nip19Event.from_bech32(match.group(1))  # an independent NIP-19 implementation
    assert decoded.event_id().to_hex() == missive.id
    assert decoded.author() is not None and decoded.author().to_hex() == missive.pubkey
    assert [r.__str__() for r in decoded.relays()] == [DEMO_RELAY_HINT]
    assert quote.first_tag("q") == ("q", missive.id, DEMO_RELAY_HINT, missive.pubkey)
    assert missive.pubkey in quote.tag_values("p")
    assert not quote.first_tag("e")  # a quote, not a reply
    assert {"ai", "opensource"} <= set(quote.tag_values("t"))


def test_the_discussion_is_a_tree_under_the_quote(events: list[Event], by_id: dict[str, Event]) -> None:
    thread = seed_thread(events)
    assert len(thread.discussion) == 12
    for reply_id in thread.discussion:
        ev = by_id[reply_id]
        root = _marked(ev, "root")
        assert root == ("e", thread.quote, DEMO_RELAY_HINT, "root", by_id[thread.quote].pubkey)
        parent_tag = _marked(ev, "reply")
        parent = by_id[parent_tag[1]] if parent_tag else by_id[thread.quote]
        if parent_tag:
            assert parent_tag == ("e", parent.id, DEMO_RELAY_HINT, "reply", parent.pubkey)
            assert parent.id in thread.discussion
        assert parent.created_at < ev.created_at
        assert parent.pubkey in ev.tag_values("p") or parent.pubkey == ev.pubkey

    def parent_of(text: str) -> str:
        tag = _marked(_note(events, text), "reply")
        return by_id[tag[1]].content if tag else "<the quote>"

    zero_sum = "They’ve learned that the market is not a zero sum game."
    assert parent_of("And the Americans have forgotten it.") == zero_sum
    assert parent_of("Agree. 👍🏼") == "And the Americans have forgotten it."
    assert parent_of("Yeah fair point").startswith("If I were a pleb living in the US")
    assert parent_of("If I were a pleb").startswith("Equally, when you look at how no TikTok user")
    assert parent_of("Smarter every day").startswith("And don't forget, they've improved")
    assert parent_of("Not trying to diminish").startswith("Smarter every day")
    for top in ("They’ve learned", "\"Intellectual Property\"", "Fascinating to watch", "And don't forget"):
        assert parent_of(top) == "<the quote>"


def test_reactions_and_reposts_point_at_real_notes(events: list[Event], by_id: dict[str, Event]) -> None:
    thread = seed_thread(events)
    on_quote = [ev.content for ev in events if ev.kind == 7 and ev.tag_values("e") == [thread.quote]]
    assert "+" in on_quote and any(c not in "+-" for c in on_quote)
    for ev in (e for e in events if e.kind == 7):
        target = by_id[ev.tag_values("e")[-1]]
        assert ev.tag_values("p")[-1] == target.pubkey and ev.created_at > target.created_at
    reposts = [ev for ev in events if ev.kind == 6]
    assert {thread.quote, thread.missive} <= {ev.tag_values("e")[0] for ev in reposts}
    for ev in reposts:
        tag = ev.first_tag("e")
        assert tag is not None and tag[2] == DEMO_RELAY_HINT
        assert by_id[tag[1]] == by_id[json.loads(ev.content)["id"]]
        assert json.loads(ev.content) == by_id[tag[1]].to_dict()


def test_there_is_plenty_to_scroll(events: list[Event], by_id: dict[str, Event]) -> None:
    notes = [ev for ev in events if ev.kind == 1]
    assert len(notes) >= 200
    assert len(Counter(ev.pubkey for ev in notes)) == 12
    assert max(ev.created_at for ev in notes) - min(ev.created_at for ev in notes) > 5 * 86400
    tagged = [ev for ev in notes if ev.tag_values("t")]
    assert len(tagged) > 20
    for ev in tagged:
        for t in ev.tag_values("t"):
            assert t == t.lower()
    assert sum("#" + t in ev.content.lower() for ev in tagged for t in ev.tag_values("t")) > 20
    assert sum("https://" in ev.content for ev in notes) > 10
    assert sum(any(unicodedata.east_asian_width(c) == "W" for c in ev.content) for ev in notes) > 10
    assert any(max(len(line) for line in ev.content.splitlines()) > 500 for ev in notes)
    assert any("\u200d" in ev.content for ev in events)  # an emoji ZWJ sequence
    assert any("nostr:npub1" in ev.content and ev.tag_values("p") for ev in notes)
    replies = [ev for ev in notes if ev.first_tag("e")]
    assert len(replies) > 30
    for ev in replies:
        root = _marked(ev, "root")
        assert root is not None and root[1] in by_id
        reply = _marked(ev, "reply")
        assert reply is None or reply[1] in by_id


def test_the_newest_note_is_a_repost_of_the_quote_so_the_demo_opens_on_it(events: list[Event]) -> None:
    thread = seed_thread(events)
    newest = max((ev for ev in events if ev.kind in (1, 6)), key=lambda ev: ev.created_at)
    assert newest.kind == 6 and newest.tag_values("e") == [thread.quote]
    everyday = [ev for ev in events if ev.kind == 1 and ev.id not in {thread.original, thread.missive, thread.quote,
                                                                      *thread.discussion}]
    assert max(ev.created_at for ev in everyday) < min(ev.created_at for ev in events
                                                       if ev.id in (thread.original, thread.missive))
