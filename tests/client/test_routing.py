"""The outbox model: reading follows from their own relays, replies reaching the parent's author."""

from __future__ import annotations

from nostr_tui.client.routing import (
    RelayList,
    normalize_url,
    parse_relay_list,
    plan_reading,
    relay_list_tags,
    reply_targets,
)
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey


def test_relay_list_markers_and_round_trip() -> None:
    ev = sign_event(SecretKey.generate(), 10002, "", [
        ["r", "wss://Both.example/"], ["r", "wss://in.example", "read"], ["r", "wss://out.example", "write"],
        ["r", "https://not-a-relay"], ["p", "x"],
    ])
    rl = parse_relay_list(ev)
    assert rl.read == ("wss://both.example", "wss://in.example")
    assert rl.write == ("wss://both.example", "wss://out.example")
    again = parse_relay_list(sign_event(SecretKey.generate(), 10002, "", relay_list_tags(rl)))
    assert again == rl
    assert normalize_url("wss://h/path/") == "wss://h/path"


def test_plan_covers_most_follows_with_few_extra_relays() -> None:
    lists = {
        "a": RelayList((), ("wss://big",)),
        "b": RelayList((), ("wss://big", "wss://small")),
        "c": RelayList((), ("wss://big",)),
        "d": RelayList((), ("wss://lonely",)),
        "e": RelayList((), ("wss://base",)),
    }
    plan = plan_reading(["a", "b", "c", "d", "e", "f"], lists, ["wss://base"], max_extra=1, per_author=1)
    assert plan["wss://big"] == {"a", "b", "c"}  # the relay that covers the most follows comes first
    assert "wss://lonely" not in plan  # bounded: one extra relay only
    # d is not covered by an extra relay, f has no list: both are asked of the base relay
    assert plan["wss://base"] == {"d", "e", "f"}


def test_reply_goes_to_my_write_relays_and_their_read_relays() -> None:
    mine = RelayList(("wss://myread",), ("wss://mywrite",))
    theirs = RelayList(("wss://theirread", "wss://mywrite"), ("wss://theirwrite",))
    assert reply_targets(mine, ["wss://default"], theirs) == ["wss://mywrite", "wss://theirread"]
    assert reply_targets(None, ["wss://default"], None) == ["wss://default"]
