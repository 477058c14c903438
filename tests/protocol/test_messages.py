"""NIP-01 relay messages: encoding what a client sends, decoding what a relay sends, never crashing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.protocol.messages import (
    AuthMessage,
    ClosedMessage,
    CountMessage,
    EoseMessage,
    EventMessage,
    MessageError,
    NoticeMessage,
    OkMessage,
    decode_relay_message,
    encode_auth,
    encode_close,
    encode_count,
    encode_event,
    encode_req,
    event_frame_id,
    load_frame,
    peek_event_ids,
    reason_prefix,
)

SK = SecretKey.from_hex("7f" * 32)
EVENT = sign_event(SK, 1, "hello \"quoted\" \\ ünïcode", [["t", "x"], ["e", "ab" * 32]], created_at=1_700_000_000)


def test_client_messages_are_compact_json_in_nip01_shape() -> None:
    flt = Filter.make(kinds=[1, 0], authors=[SK.public_key], limit=5)
    assert json.loads(encode_event(EVENT)) == ["EVENT", EVENT.to_dict()]
    assert json.loads(encode_req("s1", [flt, Filter.make(ids=[EVENT.id])])) == [
        "REQ",
        "s1",
        {"authors": [SK.public_key], "kinds": [0, 1], "limit": 5},
        {"ids": [EVENT.id]},
    ]
    assert encode_close("s1") == '["CLOSE","s1"]'
    assert json.loads(encode_auth(EVENT)) == ["AUTH", EVENT.to_dict()]
    assert json.loads(encode_count("q", [flt]))[:2] == ["COUNT", "q"]
    assert " " not in encode_close("s1")


@pytest.mark.parametrize("sub_id", ["", "x" * 65])
def test_subscription_ids_must_be_1_to_64_characters(sub_id: str) -> None:
    with pytest.raises(MessageError):
        encode_req(sub_id, [Filter()])


def test_req_needs_a_filter() -> None:
    with pytest.raises(MessageError, match="at least one filter"):
        encode_req("s", [])


def test_decodes_every_relay_message() -> None:
    frame = json.dumps(["EVENT", "s1", EVENT.to_dict()], ensure_ascii=False)
    assert decode_relay_message(frame) == EventMessage("s1", EVENT)
    assert decode_relay_message(frame.encode()) == EventMessage("s1", EVENT)
    ok = decode_relay_message(json.dumps(["OK", EVENT.id, False, "blocked: go away"]))
    assert ok == OkMessage(EVENT.id, False, "blocked: go away") and isinstance(ok, OkMessage)
    assert ok.prefix == "blocked"
    assert decode_relay_message('["OK","",true]') == OkMessage("", True, "")
    assert decode_relay_message('["EOSE","s1"]') == EoseMessage("s1")
    closed = decode_relay_message('["CLOSED","s1","auth-required: log in"]')
    assert closed == ClosedMessage("s1", "auth-required: log in")
    assert isinstance(closed, ClosedMessage) and closed.prefix == "auth-required"
    assert decode_relay_message('["NOTICE","slow down"]') == NoticeMessage("slow down")
    assert decode_relay_message('["AUTH","challenge-1"]') == AuthMessage("challenge-1")
    assert decode_relay_message('["COUNT","q",{"count":7}]') == CountMessage("q", 7, False)
    assert decode_relay_message('["COUNT","q",{"count":7,"approximate":true}]') == CountMessage("q", 7, True)


def test_decoded_messages_are_frozen() -> None:
    msg = decode_relay_message('["NOTICE","x"]')
    with pytest.raises(AttributeError):
        msg.message = "y"  # type: ignore[misc,union-attr]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not valid JSON"),
        ("[1,", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        ("{}", "not a JSON array"),
        ("[]", "no message type"),
        ("[1]", "no message type"),
        ('["HELLO"]', "unknown message type"),
        ('["EOSE"]', "EOSE without subscription id"),
        ('["EOSE",1]', "EOSE subscription id must be a string"),
        ('["OK","x","yes",""]', "OK needs true or false"),
        ('["NOTICE",null]', "NOTICE message must be a string"),
        ('["COUNT","q",{"count":-1}]', "COUNT count must be a non-negative integer"),
        ('["COUNT","q",{"count":1.5}]', "COUNT count must be a non-negative integer"),
        ('["EVENT","s"]', "EVENT needs a subscription id and an event"),
        ('["EVENT","s",[]]', "event must be a JSON object"),
        ('["EVENT","s",{"id":"AB"}]', "id must be 64 lower-case hex characters"),
        ("[" * 100_000, "JSON nested too deeply"),
    ],
)
def test_malformed_frames_raise_message_error_with_a_reason(text: str | bytes, reason: str) -> None:
    with pytest.raises(MessageError) as info:
        decode_relay_message(text)
    assert info.value.reason == reason


def test_events_are_checked_fully() -> None:
    good = EVENT.to_dict()
    bad_sig = dict(good, sig=("00" if good["sig"][:2] != "00" else "11") + good["sig"][2:])
    wrong_id = dict(good, content="changed")
    with pytest.raises(MessageError, match="bad signature"):
        decode_relay_message(json.dumps(["EVENT", "s", bad_sig]))
    with pytest.raises(MessageError, match="id does not match content"):
        decode_relay_message(json.dumps(["EVENT", "s", wrong_id]))
    unverified = decode_relay_message(json.dumps(["EVENT", "s", bad_sig]), verify_sig=False)
    assert isinstance(unverified, EventMessage)


def test_event_id_is_read_without_parsing_the_event() -> None:
    frame = load_frame(json.dumps(["EVENT", "s9", {"id": "cd" * 32, "content": 5}]))
    assert event_frame_id(frame) == ("s9", "cd" * 32)


def _peeked(text: str, undecoded: bool) -> tuple[str, str] | None:
    """`peek_event_ids` of a frame's text, or of its UTF-8 bytes within a larger read (as the transport has it)."""
    if not undecoded:
        return peek_event_ids(text)
    data = b"\x81\x7e\x02\x00" + text.encode() + b'\x81\x05["x"]'
    return peek_event_ids(data, 4, len(data) - 7)


@pytest.mark.parametrize("undecoded", [False, True])
@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")])
def test_peek_reads_ids_from_the_raw_text(separators: tuple[str, str], undecoded: bool) -> None:
    text = json.dumps(["EVENT", "sub", EVENT.to_dict()], separators=separators)
    assert _peeked(text, undecoded) == ("sub", EVENT.id)


@pytest.mark.parametrize("undecoded", [False, True])
def test_peek_is_not_fooled_by_an_id_inside_content(undecoded: bool) -> None:
    decoy = sign_event(SK, 1, '"id":"' + "ee" * 32 + '"', created_at=5)
    obj = {"content": decoy.content, **decoy.to_dict()}  # content before id
    text = json.dumps(["EVENT", "s", obj], separators=(",", ":"))
    assert _peeked(text, undecoded) == ("s", decoy.id)


@pytest.mark.parametrize("undecoded", [False, True])
@pytest.mark.parametrize(
    "text", ['["EOSE","s"]', '["EVENT","a\\"b",{"id":"x"}]', '["EVENT","s",{"kind":1}]', '["EVENT",1,{}]',
             '["EVENT","s",{"id":"' + "ab" * 31 + '"}]', '["EVENT","s",{"id":"' + "ab" * 32,
             '["EVENT","s",{"id":1,"id":"' + "ab" * 32 + '"}]']
)
def test_peek_gives_up_on_unusual_frames(text: str, undecoded: bool) -> None:
    assert _peeked(text, undecoded) is None


def test_peek_of_bytes_stays_within_the_frame_and_gives_up_on_what_is_not_utf8() -> None:
    text = json.dumps(["EVENT", "s", EVENT.to_dict()], separators=(",", ":")).encode()
    assert peek_event_ids(text, 0, text.index(EVENT.id.encode()) + 60) is None  # the id runs past the frame
    assert peek_event_ids(b"xx" + text, 2) == ("s", EVENT.id)
    assert peek_event_ids(text.replace(b'"s"', b'"\xff"')) is None
    assert peek_event_ids(text.replace(EVENT.id.encode()[:2], b"\xc3\xa9")) is None


def test_reason_prefix() -> None:
    assert reason_prefix("duplicate: have it") == "duplicate"
    assert reason_prefix("no prefix here") == ""
    assert reason_prefix("see https://x.example: not a prefix") == ""


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)
message_types = st.sampled_from(["EVENT", "OK", "EOSE", "CLOSED", "NOTICE", "AUTH", "COUNT", "REQ", ""])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_arbitrary_text_only_ever_raises_message_error(text: str | bytes) -> None:
    try:
        decode_relay_message(text)
    except MessageError as exc:
        assert exc.reason and len(exc.reason) < 80


@settings(max_examples=300, deadline=None)
@given(message_types, st.lists(json_values, max_size=4))
def test_arbitrary_json_frames_only_ever_raise_message_error(kind: str, rest: list[Any]) -> None:
    try:
        decode_relay_message(json.dumps([kind, *rest]))
    except MessageError:
        pass


event_fields = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from([EVENT.id, "AB" * 32, ""]) | json_values,
        "pubkey": st.just(EVENT.pubkey) | json_values,
        "created_at": st.integers() | json_values,
        "kind": st.integers() | json_values,
        "tags": st.lists(st.lists(st.text(max_size=5), max_size=3), max_size=3) | json_values,
        "content": st.text(max_size=20) | json_values,
        "sig": st.just(EVENT.sig) | json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(event_fields)
def test_arbitrary_event_objects_only_ever_raise_message_error(obj: dict[str, Any]) -> None:
    try:
        msg = decode_relay_message(json.dumps(["EVENT", "s", obj]))
    except MessageError:
        return
    assert isinstance(msg, EventMessage) and msg.event == EVENT


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=64), st.text(max_size=60), st.sampled_from([(",", ":"), (", ", ": ")]))
def test_peek_agrees_with_the_parser_on_well_formed_frames(sub_id: str, content: str, seps: tuple[str, str]) -> None:
    event = sign_event(SK, 1, content.encode("utf-8", "replace").decode("utf-8"), created_at=1)
    text = json.dumps(["EVENT", sub_id, event.to_dict()], separators=seps, ensure_ascii=False)
    peeked = peek_event_ids(text)
    assert peeked is None or peeked == event_frame_id(load_frame(text))
    data = text.encode()
    assert peek_event_ids(data) == peeked  # the undecoded frame reads the same
