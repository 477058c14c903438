"""Fuzz targets for the relay message decoder, the event parser and filter parsing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from nostr_tui.protocol.event import EventError, compute_id, parse_event, parse_event_json, sign_event
from nostr_tui.protocol.filters import Filter, FilterError
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.protocol.messages import (
    EventMessage,
    MessageError,
    decode_frame,
    decode_relay_message,
    event_frame_id,
    load_frame,
)

from . import FuzzTarget
from .hostile import (
    any_float,
    any_int,
    deep_json_text,
    dumps,
    hostile_text,
    huge_number_text,
    json_values,
    mutated_text,
    nest,
    weighted,
)

CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
EVENT_FIELDS = ("id", "pubkey", "created_at", "kind", "tags", "content", "sig")


def secret_keys() -> st.SearchStrategy[SecretKey]:
    """Valid secret keys, edge values included."""
    scalars = st.integers(1, CURVE_ORDER - 1) | st.sampled_from([1, 2, CURVE_ORDER - 1])
    return scalars.map(lambda n: SecretKey(n.to_bytes(32, "big")))


@st.composite
def signed_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid signed event, as the JSON object a relay sends."""
    secret = draw(secret_keys())
    kind = draw(st.integers(0, 65535) | st.sampled_from([0, 1, 3, 5, 7, 10002, 22242, 30023]))
    content = draw(st.text(max_size=60))
    tags = draw(st.lists(st.lists(st.text(max_size=10), min_size=1, max_size=4), max_size=4))
    created_at = draw(st.integers(0, 2**63 - 1) | st.just(1_700_000_000))
    return sign_event(secret, kind, content, tags, created_at).to_dict()


def _edge_values(field: str, value: Any) -> list[Any]:
    if field in ("id", "pubkey", "sig"):
        text = str(value)
        return [text.upper(), text[:-1], text + "0", "g" * len(text), " " + text[1:], text[:-1] + "\ud800", 0, None]
    if field in ("created_at", "kind"):
        return [-1, 65536, 2**63, 2**64, 10**400, 1.0, 1.5, float("nan"), True, "1", None, [1]]
    if field == "content":
        return ["\ud800", "a\udfffb", None, 1, ["x"], {"x": "y"}, "x" * 5000]
    return [[[]], [["e", None]], [[1]], "e", [["e", ["nested"]]], nest(150, False), [["\ud800"]], {}, [[]] * 3]


def _flip_hex(text: str, index: int) -> str:
    if not text:
        return text
    i = index % len(text)
    return text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1 :]


def _rehash(event: dict[str, Any]) -> None:
    """Give the event the id its (possibly changed) fields hash to, so only the signature is wrong."""
    try:
        event["id"] = compute_id(event["pubkey"], event["created_at"], event["kind"], event["tags"], event["content"])
    except Exception:  # fields too broken to hash: leave the id as it is
        pass


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A signed event with none, one or a few fields replaced, removed, flipped or added."""
    event = draw(signed_events())
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["replace", "delete", "extra", "edge", "edge", "flip", "flip", "resign", "resign"]))
        field = draw(st.sampled_from(EVENT_FIELDS))
        if op == "replace":
            event[field] = draw(json_values())
        elif op == "delete":
            event.pop(field, None)
        elif op == "extra":
            event[draw(hostile_text(12))] = draw(json_values())
        elif op == "edge":
            event[field] = draw(st.sampled_from(_edge_values(field, event.get(field, ""))))
        elif op == "flip" and isinstance(event.get(field), str):
            event[field] = _flip_hex(event[field], draw(st.integers(0, 127)))
        else:
            event["content"] = draw(hostile_text())
            _rehash(event)
    return event


def event_objects() -> st.SearchStrategy[Any]:
    """Mutated signed events, objects with the event's keys and random values, and any JSON."""
    keys = st.sampled_from(EVENT_FIELDS) | hostile_text(8)
    loose = st.dictionaries(keys, json_values(8) | any_int() | any_float(), max_size=9)
    return weighted((2, mutated_events()), (1, loose), (1, json_values()))


# --- events -----------------------------------------------------------------------------------


def _parse_outcome(obj: Any, verify_sig: bool) -> str:
    try:
        event = parse_event(obj, verify_sig=verify_sig)
    except EventError as exc:
        return "rejected:" + exc.reason
    if verify_sig:
        event.check()
    assert parse_event(event.to_dict(), verify_sig=verify_sig) == event
    return "accepted"


def check_event(case: tuple[str, Any]) -> str:
    """parse_event / parse_event_json: EventError or a valid event, and the same verdict either way."""
    how, value = case
    if how == "text":
        try:
            parse_event_json(value)
        except EventError as exc:
            return "rejected:" + exc.reason
        return "accepted"
    outcome = _parse_outcome(value, True)
    _parse_outcome(value, False)
    for ensure_ascii in (True, False):
        # The same verdict from the text as from the object the text decodes to. (Not from `value`
        # itself: JSON text joins an escaped surrogate pair into one character, a str does not.)
        text = dumps(value, ensure_ascii)
        try:
            via_json = "accepted" if parse_event_json(text) else ""
        except EventError as exc:
            via_json = "rejected:" + exc.reason
        assert via_json == _parse_outcome(json.loads(text), True), via_json
    try:
        parse_event_json(dumps(value, False).encode("utf-8", "surrogatepass"))
    except EventError:
        pass
    return outcome


def event_target() -> FuzzTarget:
    """The event parser."""
    texts = st.one_of(
        hostile_text(200),
        st.binary(max_size=200),
        deep_json_text(),
        huge_number_text(),
        mutated_events().map(dumps).flatmap(mutated_text),
    )
    strategy = weighted((3, st.tuples(st.just("object"), event_objects())), (1, st.tuples(st.just("text"), texts)))
    deep = ("id does not match", "bad signature", "not valid JSON", "lone surrogate", "created_at", "tags must")
    return FuzzTarget("event", strategy, check_event, deep=deep)


# --- relay messages ---------------------------------------------------------------------------

_HEX64 = st.binary(min_size=32, max_size=32).map(bytes.hex)
_SUB_IDS = st.text(min_size=1, max_size=64) | st.sampled_from(["sub", "feed:1", "x" * 64, "x" * 65, ""])


def _maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value for a frame slot, sometimes any JSON value."""
    return weighted((3, valid), (1, json_values(6)))


@st.composite
def relay_frames(draw: st.DrawFn) -> list[Any]:
    """A relay-to-client frame of every type, well-formed or with slots replaced, cut or added."""
    kind = draw(st.sampled_from(["EVENT"] * 4 + ["OK", "OK", "EOSE", "CLOSED", "NOTICE", "AUTH", "COUNT", "other"]))
    text = hostile_text()
    count_body = st.fixed_dictionaries(
        {"count": _maybe(st.integers(0, 2**40))}, optional={"approximate": _maybe(st.booleans())}
    )
    slots: list[Any]
    if kind == "EVENT":
        slots = [_maybe(_SUB_IDS), _maybe(signed_events() | mutated_events())]
    elif kind == "OK":
        slots = [_maybe(_HEX64 | st.just("")), _maybe(st.booleans()), _maybe(text | st.just("duplicate: seen"))]
    elif kind in ("EOSE", "NOTICE", "AUTH"):
        slots = [_maybe(_SUB_IDS if kind == "EOSE" else text)]
    elif kind == "CLOSED":
        slots = [_maybe(_SUB_IDS), _maybe(text | st.just("auth-required: sign in"))]
    elif kind == "COUNT":
        slots = [_maybe(_SUB_IDS), _maybe(count_body)]
    else:
        kind = draw(hostile_text(10) | st.sampled_from(["REQ", "CLOSE", "event", "EVENT ", "ok"]))
        slots = [json_values(6)]
    frame = [kind] + [draw(s) for s in slots]
    shape = draw(st.sampled_from(["whole"] * 6 + ["cut", "longer"]))
    if shape == "cut":
        frame = frame[: draw(st.integers(0, len(frame) - 1))]
    elif shape == "longer":
        frame += draw(st.lists(json_values(4), min_size=1, max_size=3))
    return frame


@st.composite
def relay_frame_texts(draw: st.DrawFn) -> str | bytes:
    """Frames as the wire carries them: JSON text or UTF-8 bytes, sometimes damaged."""
    text = dumps(draw(relay_frames()), draw(st.booleans()))
    form = draw(st.sampled_from(["text"] * 5 + ["bytes", "bytes", "mutated", "padded"]))
    if form == "bytes":
        return text.encode("utf-8", "surrogatepass")
    if form == "mutated":
        return draw(mutated_text(text))
    if form == "padded":
        return draw(st.sampled_from([" ", "\n", "\ufeff", "\x00"])) + text + draw(st.sampled_from(["", " ", "]"]))
    return text


def check_relay_message(frame: str | bytes) -> str:
    """decode_relay_message and the split load/peek/decode path: MessageError or a sound message."""
    try:
        message = decode_relay_message(frame)
    except MessageError as exc:
        outcome = "rejected:" + exc.reason
        message = None
    else:
        outcome = "accepted:" + type(message).__name__
    try:
        loaded = load_frame(frame)
        if loaded[0] == "EVENT":
            sub_id, event_id = event_frame_id(loaded)
            if isinstance(message, EventMessage):
                assert (sub_id, event_id) == (message.sub_id, message.event.id)
        unverified = decode_frame(loaded, verify_sig=False)
    except MessageError:
        assert message is None, "the split path refused a frame the one-call path accepted"
    else:
        if message is not None:
            assert type(unverified) is type(message)
    if isinstance(message, EventMessage):
        message.event.check()
    return outcome


def relay_message_target() -> FuzzTarget:
    """The relay message decoder."""
    strategy = weighted(
        (10, relay_frame_texts()),
        (1, hostile_text(100)),
        (1, st.binary(max_size=100)),
        (1, json_values().map(dumps)),
        (1, deep_json_text()),
        (1, huge_number_text()),
    )
    deep = (
        *(f"accepted:{t}Message" for t in ("Ok", "Eose", "Closed", "Notice", "Auth", "Count")),
        "rejected:not valid JSON",
        "rejected:bad signature",
        "rejected:unknown message type",
        "rejected:JSON nested too deeply",
    )
    return FuzzTarget("relay-message", strategy, check_relay_message, ("accepted:EventMessage", "rejected"), deep)


# --- filters ----------------------------------------------------------------------------------

FILTER_KEYS = ("ids", "authors", "kinds", "#e", "#p", "#t", "#d", "since", "until", "limit", "search")


@st.composite
def filter_objects(draw: st.DrawFn) -> Any:
    """Filter objects: valid ones, valid ones with a field replaced, and objects with any keys."""
    form = draw(st.sampled_from(["valid", "mutated", "keys", "json"]))
    if form == "json":
        return draw(json_values())
    if form == "keys":
        keys = st.sampled_from(FILTER_KEYS) | hostile_text(4) | st.sampled_from(["#", "#E", "#é", "##", "#1"])
        return draw(st.dictionaries(keys, json_values(6) | any_int(), max_size=6))
    made = Filter.make(
        ids=draw(st.none() | st.lists(_HEX64, max_size=3)),
        authors=draw(st.none() | st.lists(_HEX64, max_size=3)),
        kinds=draw(st.none() | st.lists(st.integers(0, 65535), max_size=3)),
        tags=draw(st.none() | st.dictionaries(st.sampled_from("epta"), st.lists(st.text(max_size=8), max_size=3))),
        since=draw(st.none() | st.integers(0, 2**40)),
        until=draw(st.none() | st.integers(0, 2**40)),
        limit=draw(st.none() | st.integers(0, 10_000)),
        search=draw(st.none() | st.text(max_size=10)),
    )
    obj = made.to_dict()
    if form == "mutated":
        obj[draw(st.sampled_from(FILTER_KEYS))] = draw(json_values(6) | any_int() | any_float())
    return obj


def check_filter(obj: Any) -> str:
    """Filter.from_dict: FilterError, or a filter that survives a round trip."""
    try:
        parsed = Filter.from_dict(obj)
    except FilterError:
        return "rejected"
    assert Filter.from_dict(parsed.to_dict()) == parsed
    json.dumps(parsed.to_dict())
    return "accepted"


def filter_target() -> FuzzTarget:
    """Filter parsing."""
    return FuzzTarget("filter", filter_objects(), check_filter)
