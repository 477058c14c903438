"""NIP-01 events: real events, strict parsing with typed reasons, exact canonical serialisation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nostr_tui.protocol.event import (
    Event,
    EventError,
    compute_id,
    parse_event,
    parse_event_json,
    serialize,
    sign_event,
)
from nostr_tui.protocol.keys import SecretKey

from ._support import load_json

REAL = load_json("nip01-real-events.rust-nostr.json")["events"]
KEY = SecretKey.from_hex("b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef")


def _good(**changes: Any) -> dict[str, Any]:
    event = sign_event(KEY, 1, "hello", [["t", "x"]], created_at=1_700_000_000).to_dict()
    event.update(changes)
    return event


def test_real_events_vector_counts() -> None:
    assert sum(1 for v in REAL if v["expect_valid"]) == 10
    assert sum(1 for v in REAL if not v["expect_valid"]) == 4


@pytest.mark.parametrize("case", REAL, ids=lambda v: v["test"])
def test_real_events(case: dict[str, Any]) -> None:
    raw = case["event"]
    if case["expect_valid"]:
        event = parse_event(raw)
        assert event.id == raw["id"]
        assert compute_id(event.pubkey, event.created_at, event.kind, event.tags, event.content) == raw["id"]
        # What we send back out is the same event.
        assert parse_event_json(event.to_json()) == event
    else:
        with pytest.raises(EventError) as info:
            parse_event(raw)
        assert info.value.reason == "id does not match content"
        assert info.value.event_id == raw["id"]


def test_unknown_fields_are_ignored() -> None:
    event = parse_event(_good(seenOn=["wss://x"], extra={"a": 1}))
    assert event.content == "hello"
    assert "seenOn" not in event.to_dict()


BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"id": "A" * 64}, "id must be 64 lower-case hex characters"),
    ({"id": "a" * 63}, "id must be 64 lower-case hex characters"),
    ({"id": None}, "id must be 64 lower-case hex characters"),
    ({"pubkey": _good()["pubkey"].upper()}, "pubkey must be 64 lower-case hex characters"),
    ({"pubkey": "g" * 64}, "pubkey must be 64 lower-case hex characters"),
    ({"sig": "0" * 127}, "sig must be 128 lower-case hex characters"),
    ({"sig": _good()["sig"].upper()}, "sig must be 128 lower-case hex characters"),
    ({"created_at": "1700000000"}, "created_at must be an integer"),
    ({"created_at": 1.7e9}, "created_at must be an integer"),
    ({"created_at": True}, "created_at must be an integer"),
    ({"created_at": -1}, "created_at out of range"),
    ({"created_at": 2**63}, "created_at out of range"),
    ({"kind": "1"}, "kind must be an integer"),
    ({"kind": True}, "kind must be an integer"),
    ({"kind": False}, "kind must be an integer"),
    ({"kind": 1.0}, "kind must be an integer"),
    ({"kind": 65536}, "kind must be between 0 and 65535"),
    ({"kind": -1}, "kind must be between 0 and 65535"),
    ({"content": 5}, "content must be a string"),
    ({"content": None}, "content must be a string"),
    ({"tags": {}}, "tags must be a list of lists of strings"),
    ({"tags": "t"}, "tags must be a list of lists of strings"),
    ({"tags": ["t", "x"]}, "tags must be a list of lists of strings"),
    ({"tags": [["t", 1]]}, "tags must be a list of lists of strings"),
    ({"tags": [["t", None]]}, "tags must be a list of lists of strings"),
    ({"tags": [["t", ["x"]]]}, "tags must be a list of lists of strings"),
    ({"tags": [["t", "x"], []]}, "each tag must hold at least one string"),
    ({"content": "hellp"}, "id does not match content"),
    ({"tags": [["t", "y"]]}, "id does not match content"),
    ({"created_at": 1_700_000_001}, "id does not match content"),
]


@pytest.mark.parametrize(("changes", "reason"), BAD_FIELDS, ids=lambda x: repr(x)[:40])
def test_each_bad_field_gives_its_reason(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(_good(**changes))
    assert info.value.reason == reason
    assert str(info.value) == reason


@pytest.mark.parametrize("missing", ["id", "pubkey", "sig", "created_at", "kind", "tags", "content"])
def test_missing_field_is_refused(missing: str) -> None:
    event = _good()
    del event[missing]
    with pytest.raises(EventError):
        parse_event(event)


def test_bad_signature() -> None:
    event = _good()
    sig = bytearray.fromhex(event["sig"])
    sig[40] ^= 1
    with pytest.raises(EventError) as info:
        parse_event(_good(sig=sig.hex()))
    assert info.value.reason == "bad signature"
    # Another author's valid signature over the same content is no better.
    other = sign_event(SecretKey.generate(), 1, "hello", [["t", "x"]], created_at=1_700_000_000)
    with pytest.raises(EventError) as info:
        parse_event(_good(sig=other.sig))
    assert info.value.reason == "bad signature"


def test_verify_sig_false_skips_the_checks_but_not_the_types() -> None:
    event = parse_event(_good(content="changed"), verify_sig=False)
    assert event.content == "changed"
    with pytest.raises(EventError, match="id does not match"):
        event.check()
    with pytest.raises(EventError, match="kind must be an integer"):
        parse_event(_good(kind="1"), verify_sig=False)


@pytest.mark.parametrize("text", ["", "nope", "[1,2", '"x"', "[]", "null", "[" * 100_000, b"\xff\xfe"])
def test_not_an_event_object(text: str | bytes) -> None:
    with pytest.raises(EventError):
        parse_event_json(text)


def test_lone_surrogate_is_refused() -> None:
    body = json.dumps(_good())[:-1] + ', "content": "bad \\ud800 half"}'
    for verify_sig in (True, False):
        with pytest.raises(EventError, match="surrogate"):
            parse_event_json(body, verify_sig=verify_sig)
    with pytest.raises(EventError, match="surrogate"):
        sign_event(KEY, 1, "bad \ud800", created_at=1)
    with pytest.raises(EventError, match="surrogate"):
        sign_event(KEY, 1, "ok", [["t", "\udfff"]], created_at=1)


def test_sign_event_refuses_bad_arguments() -> None:
    with pytest.raises(EventError):
        sign_event(KEY, 70000, "x")
    with pytest.raises(EventError):
        sign_event(KEY, True, "x")
    with pytest.raises(EventError):
        sign_event(KEY, 1, "x", created_at=-5)
    with pytest.raises(EventError):
        sign_event(KEY, 1, "x", [["t", 5]])  # type: ignore[list-item]
    with pytest.raises(EventError):
        sign_event(KEY, 1, "x", ["tx"])  # a string is not a tag
    with pytest.raises(EventError):
        sign_event(KEY, 1, "x", [[]])


def _expected_escape(ch: str) -> str:
    short = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
    if ch in short:
        return short[ch]
    if ord(ch) < 0x20:
        return f"\\u{ord(ch):04x}"
    return ch


def test_serialisation_escapes_exactly_as_nip01() -> None:
    content = "".join(chr(c) for c in range(0x20)) + '"\\ \x7f \u2028\u2029 é ü 日本 😀 \ufeff'
    pubkey = KEY.public_key
    expected = (
        f'[0,"{pubkey}",1,1,[["t","\\n\u2028"]],"' + "".join(_expected_escape(c) for c in content) + '"]'
    )
    got = serialize(pubkey, 1, 1, [["t", "\n\u2028"]], content)
    assert got == expected.encode("utf-8")
    # Spot checks a reader can verify by eye.
    text = got.decode("utf-8")
    assert "\\u0000" in text and "\\u001f" in text and "\\u000b" in text
    assert "\\u0008" not in text and "\\b" in text
    assert "\x7f" in text and "\u2028" in text and "😀" in text


def test_serialisation_has_no_whitespace_and_field_order() -> None:
    got = serialize("ab" * 32, 5, 7, [["e", "x", ""], ["t"]], "c")
    assert got == ('[0,"' + "ab" * 32 + '",5,7,[["e","x",""],["t"]],"c"]').encode()


_tag_text = st.text(max_size=12)
_tags = st.lists(st.lists(_tag_text, min_size=1, max_size=4), max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    content=st.text(max_size=300),
    tags=_tags,
    kind=st.integers(0, 65535),
    created_at=st.integers(0, 2**63 - 1),
)
def test_round_trip_through_json(content: str, tags: list[list[str]], kind: int, created_at: int) -> None:
    event = sign_event(KEY, kind, content, tags, created_at=created_at)
    again = parse_event_json(event.to_json())
    assert again == event
    assert isinstance(again, Event)
    assert again.tags == tuple(tuple(t) for t in tags)
    assert parse_event_json(event.to_json().encode("utf-8")) == event


@settings(max_examples=150, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=8),
                    max_leaves=20))
def test_parse_event_only_raises_event_error(obj: object) -> None:
    try:
        parse_event(obj)
    except EventError:
        pass
