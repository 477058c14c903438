"""The canonical serialisation and JSON decoding go through orjson: byte for byte what the json module gave.

The reference is the form the ids were always computed from: `json.dumps([0, pubkey, created_at, kind, tags,
content], separators=(",", ":"), ensure_ascii=False)` encoded as UTF-8.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nostr_tui.protocol.event import (
    Event,
    EventError,
    decode_json,
    parse_event,
    parse_event_hashed,
    parse_event_json,
    serialize,
    sign_event,
)
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.protocol.messages import MessageError, load_frame

PK = "ab" * 32
KEY = SecretKey.from_hex("b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef")


def reference(pubkey: str, created_at: int, kind: int, tags: Any, content: str) -> bytes:
    text = json.dumps([0, pubkey, created_at, kind, tags, content], separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


AWKWARD = [
    "".join(chr(c) for c in range(0x20)),  # every control character: \n \t ... and \u00XX for the rest
    "\x7f\x80\x9f\xa0\xad",  # DEL, C1 controls, no-break space, soft hyphen: verbatim
    "line\u2028separator\u2029paragraph",  # verbatim in the id's form (escaped only in printed lines)
    'quotes " and \\ backslashes \\" \\\\',
    "\ufeff\ufffe\uffff\ufdd0",  # byte order mark and noncharacters
    "😀 👩‍👩‍👧 \U0010ffff \U00010000",  # beyond the BMP, a ZWJ sequence, the last code point
    "日本語のテキスト ünïcødé привет",
    "x" * 100_000,
    "",
    "</script><!-- \u0000 -->",
]


@pytest.mark.parametrize("content", AWKWARD)
def test_awkward_content_serialises_as_the_reference(content: str) -> None:
    tags = [["t", content[:50]], ["e", "cd" * 32, "", "root"]]
    assert serialize(PK, 1_700_000_000, 1, tags, content) == reference(PK, 1_700_000_000, 1, tags, content)


def test_every_code_point_serialises_as_the_reference() -> None:
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    for start in range(0, len(points), 4096):  # each code point alone, then in runs
        chunk = points[start : start + 4096]
        assert serialize(PK, 0, 1, [chunk], "".join(chunk)) == reference(PK, 0, 1, [chunk], "".join(chunk))


@pytest.mark.parametrize("created_at", [0, 1, 2**31, 2**32 + 1, 2**53 + 1, 2**63 - 1])
@pytest.mark.parametrize("kind", [0, 1, 65535])
def test_integers_up_to_the_largest_created_at(created_at: int, kind: int) -> None:
    assert serialize(PK, created_at, kind, [], "x") == reference(PK, created_at, kind, [], "x")


def test_integers_beyond_64_bits_and_other_types_take_the_reference_path() -> None:
    assert serialize(PK, 2**64 + 5, 1, [], "x") == reference(PK, 2**64 + 5, 1, [], "x")
    assert serialize(PK, True, 1, [], "x") == reference(PK, True, 1, [], "x")  # type: ignore[arg-type]
    assert serialize(PK, 1, 1, (("a", "b"),), "x") == reference(PK, 1, 1, [["a", "b"]], "x")  # tuples as arrays


def test_many_and_long_tags() -> None:
    tags = [["p", f"{i:064x}", "wss://relay.example/" + "r" * (i % 300), "mention"] for i in range(2000)]
    tags.append(["a" * 5000] + ["v"] * 500)
    assert serialize(PK, 5, 30023, tags, "body") == reference(PK, 5, 30023, tags, "body")


@pytest.mark.parametrize("content", ["\ud800", "a\udfffb", "\udbff\udfff"[:1]])
def test_a_lone_surrogate_is_refused_as_before(content: str) -> None:
    with pytest.raises(EventError, match="lone surrogate"):
        serialize(PK, 1, 1, [], content)
    with pytest.raises(EventError, match="lone surrogate"):
        serialize(PK, 1, 1, [["t", content]], "fine")


@given(
    content=st.text(),
    tags=st.lists(st.lists(st.text(), min_size=1, max_size=4), max_size=6),
    kind=st.integers(0, 65535),
    created_at=st.integers(0, 2**63 - 1),
)
@settings(max_examples=400, deadline=None)
def test_random_events_serialise_as_the_reference(content: str, tags: list[list[str]], kind: int,
                                                  created_at: int) -> None:
    try:
        expected = reference(PK, created_at, kind, tags, content)
    except UnicodeEncodeError:
        with pytest.raises(EventError):
            serialize(PK, created_at, kind, tags, content)
        return
    assert serialize(PK, created_at, kind, tags, content) == expected


@given(content=st.text(), tags=st.lists(st.lists(st.text(), min_size=1, max_size=3), max_size=4))
@settings(max_examples=200, deadline=None)
def test_to_json_is_the_json_modules_text(content: str, tags: list[list[str]]) -> None:
    event = Event("cd" * 32, PK, 7, 1, tuple(tuple(t) for t in tags), content, "ef" * 64)
    assert event.to_json() == json.dumps(event.to_dict(), separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": NaN, "b": Infinity, "c": -Infinity}',  # the json module takes these; orjson does not
        '["\\ud800", "\\udfff"]',  # lone surrogate escapes decode to lone surrogates
        '["\\ud83d\\ude00", "\\u00e9", "\\u0000"]',
        "[" * 500 + "]" * 500,
        '{"a": 1, "a": 2}',
        " [1, 2.5, -0, 1e3] ",
        '"\u2028\u2029"',
    ],
    ids=range(7),
)
def test_decoding_gives_what_the_json_module_gives(text: str) -> None:
    def same(a: Any, b: Any) -> bool:
        return json.dumps(a, allow_nan=True) == json.dumps(b, allow_nan=True)

    assert same(decode_json(text), json.loads(text))
    assert same(decode_json(text.encode("utf-8", "surrogatepass")), json.loads(text))


@pytest.mark.parametrize("text", ["", "[1,", "[1]x", "[00]", '["\x00"]', "[" * 100_000], ids=range(6))
def test_invalid_json_fails_as_before(text: str) -> None:
    with pytest.raises((ValueError, RecursionError)) as ours:
        decode_json(text)
    with pytest.raises((ValueError, RecursionError)) as theirs:
        json.loads(text)
    assert isinstance(ours.value, RecursionError) == isinstance(theirs.value, RecursionError)


def test_a_lone_surrogate_escape_in_an_event_gets_its_own_reason() -> None:
    event = sign_event(KEY, 1, "hello", created_at=1_700_000_000).to_dict()
    text = json.dumps(event).replace('"hello"', '"he\\ud800llo"')
    with pytest.raises(EventError, match="lone surrogate"):
        parse_event_json(text)


def test_integers_beyond_64_bits_in_frames_are_refused() -> None:
    event = sign_event(KEY, 1, "hello", created_at=1_700_000_000).to_dict()
    text = json.dumps(event).replace("1700000000", "18446744073709551616")
    with pytest.raises(EventError):
        parse_event_json(text)
    frame = load_frame('["EVENT", "s", ' + text + "]")
    with pytest.raises(EventError):
        parse_event_hashed(frame[2])
    with pytest.raises(MessageError):
        load_frame("[" * 100_000)


def test_parse_event_hashed_checks_the_id_but_leaves_the_signature() -> None:
    event = sign_event(KEY, 1, "hello ✓", [["t", "x"]], created_at=1_700_000_000)
    parsed, digest = parse_event_hashed(event.to_dict())
    assert parsed == event and digest.hex() == event.id
    forged = dict(event.to_dict(), sig="00" * 64)
    assert parse_event_hashed(forged)[0].sig == "00" * 64  # not checked here
    with pytest.raises(EventError, match="id does not match"):
        parse_event_hashed(dict(event.to_dict(), content="changed"))


@pytest.mark.parametrize("value", [2**64, 2**63, -(2**63) - 1, 10**30])
@pytest.mark.parametrize("field", ["created_at", "kind"])
def test_an_integer_beyond_64_bits_is_refused_for_the_same_reason_from_text_or_object(field: str, value: int) -> None:
    obj: dict[str, Any] = {"id": "ab" * 32, "pubkey": "cd" * 32, "created_at": 1, "kind": 1, "tags": [],
                           "content": "", "sig": "ef" * 64}
    obj[field] = value
    reasons = []
    for parse in (lambda: parse_event(obj), lambda: parse_event_json(json.dumps(obj))):
        with pytest.raises(EventError) as caught:
            parse()
        reasons.append(caught.value.reason)
    assert reasons[0] == reasons[1] and "integer" not in reasons[0]
