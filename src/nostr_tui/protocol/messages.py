"""NIP-01 relay messages: encode what a client sends, decode what a relay sends.

Client to relay: EVENT, REQ, CLOSE, AUTH (NIP-42), COUNT (NIP-45), as compact JSON text.
Relay to client: EVENT, OK, EOSE, CLOSED, NOTICE, AUTH, COUNT, decoded into frozen dataclasses.
Decoding raises `MessageError` (and nothing else) for any malformed frame; its `reason` is one of a
small set of fixed phrases, never a piece of the input, so reasons can be counted.

Decoding is split so a caller can look at an EVENT frame's id before paying for event validation:
`load_frame(text)` -> `event_frame_id(frame)` -> `decode_frame(frame)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, AnyStr

from .event import Event, EventError, decode_json, parse_event
from .filters import Filter

MAX_SUBSCRIPTION_ID = 64

_HEX = frozenset("0123456789abcdef")


class MessageError(ValueError):
    """A relay frame that is not a well-formed NIP-01 message. `reason` says why, in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------- client -> relay


def _dumps(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _check_subscription_id(sub_id: str) -> None:
    if not isinstance(sub_id, str) or not 1 <= len(sub_id) <= MAX_SUBSCRIPTION_ID:
        raise MessageError("subscription id must be 1 to 64 characters")


def encode_event(event: Event) -> str:
    """`["EVENT", <event>]`: publish an event."""
    return _dumps(["EVENT", event.to_dict()])


def encode_req(sub_id: str, filters: Iterable[Filter]) -> str:
    """`["REQ", <sub_id>, <filter>...]`: open (or replace) a subscription."""
    _check_subscription_id(sub_id)
    items = [f.to_dict() for f in filters]
    if not items:
        raise MessageError("a REQ needs at least one filter")
    return _dumps(["REQ", sub_id, *items])


def encode_close(sub_id: str) -> str:
    """`["CLOSE", <sub_id>]`: end a subscription."""
    _check_subscription_id(sub_id)
    return _dumps(["CLOSE", sub_id])


def encode_auth(event: Event) -> str:
    """`["AUTH", <signed kind 22242 event>]`: answer a NIP-42 challenge."""
    return _dumps(["AUTH", event.to_dict()])


def encode_count(query_id: str, filters: Iterable[Filter]) -> str:
    """`["COUNT", <query_id>, <filter>...]`: ask for a NIP-45 count."""
    _check_subscription_id(query_id)
    items = [f.to_dict() for f in filters]
    if not items:
        raise MessageError("a COUNT needs at least one filter")
    return _dumps(["COUNT", query_id, *items])


# ---------------------------------------------------------------- relay -> client


@dataclass(frozen=True, slots=True)
class EventMessage:
    """`["EVENT", sub_id, event]`: an event for one of our subscriptions."""

    sub_id: str
    event: Event


@dataclass(frozen=True, slots=True)
class OkMessage:
    """`["OK", event_id, accepted, message]`: the answer to an EVENT or AUTH we sent.

    `event_id` is whatever string the relay sent (some relays send an empty or wrong one).
    """

    event_id: str
    accepted: bool
    message: str

    @property
    def prefix(self) -> str:
        """The machine-readable prefix of `message` ("duplicate", "auth-required", ...) or ""."""
        return reason_prefix(self.message)


@dataclass(frozen=True, slots=True)
class EoseMessage:
    """`["EOSE", sub_id]`: stored events are done, live ones follow."""

    sub_id: str


@dataclass(frozen=True, slots=True)
class ClosedMessage:
    """`["CLOSED", sub_id, message]`: the relay ended or refused a subscription."""

    sub_id: str
    message: str

    @property
    def prefix(self) -> str:
        """The machine-readable prefix of `message` or ""."""
        return reason_prefix(self.message)


@dataclass(frozen=True, slots=True)
class NoticeMessage:
    """`["NOTICE", message]`: a human-readable message from the relay."""

    message: str


@dataclass(frozen=True, slots=True)
class AuthMessage:
    """`["AUTH", challenge]`: a NIP-42 challenge."""

    challenge: str


@dataclass(frozen=True, slots=True)
class CountMessage:
    """`["COUNT", query_id, {"count": n, "approximate": bool}]`: a NIP-45 answer."""

    query_id: str
    count: int
    approximate: bool = False


RelayMessage = EventMessage | OkMessage | EoseMessage | ClosedMessage | NoticeMessage | AuthMessage | CountMessage


def reason_prefix(message: str) -> str:
    """The machine-readable prefix before the first ':' of an OK/CLOSED message, or "" when none."""
    head, sep, _ = message.partition(":")
    if not sep or not head or len(head) > 32 or " " in head:
        return ""
    return head


def load_frame(text: str | bytes) -> list[Any]:
    """Parse a frame's JSON: a non-empty array whose first element is a string. Raises MessageError."""
    try:
        frame = decode_json(text)
    except RecursionError:
        raise MessageError("JSON nested too deeply") from None
    except (ValueError, TypeError):  # UnicodeDecodeError is a ValueError
        raise MessageError("not valid JSON") from None
    if not isinstance(frame, list):
        raise MessageError("not a JSON array")
    if not frame or not isinstance(frame[0], str):
        raise MessageError("no message type")
    return frame


def event_frame_id(frame: list[Any]) -> tuple[str, str]:
    """For a loaded EVENT frame, (subscription id, event id) without validating the event further.

    Raises MessageError when the frame is not shaped like `["EVENT", "<sub>", {"id": "<64 hex>", ...}]`.
    """
    if len(frame) < 3 or frame[0] != "EVENT":
        raise MessageError("EVENT needs a subscription id and an event")
    sub_id = frame[1]
    if not isinstance(sub_id, str):
        raise MessageError("subscription id must be a string")
    obj = frame[2]
    if not isinstance(obj, dict):
        raise MessageError("event must be a JSON object")
    event_id = obj.get("id")
    if not (isinstance(event_id, str) and len(event_id) == 64 and _HEX.issuperset(event_id)):
        raise MessageError("id must be 64 lower-case hex characters")
    return sub_id, event_id


# An EVENT frame's start, up to the end of its subscription id (one without an escape in it); and the usual
# frame, whose event has its id first, read up to the end of the id in one match of a bounded length.
_HEAD = r'\["EVENT", ?"([^"\\]*)"'
_USUAL = _HEAD + r', ?\{"id": ?"([^"]{64})"'
_PEEK_TEXT = (re.compile(_USUAL).match, re.compile(_HEAD).match, '"id":', '"', " ")
_PEEK_BYTES = (re.compile(_USUAL.encode()).match, re.compile(_HEAD.encode()).match, b'"id":', b'"', b" ")


def peek_event_ids(text: str | bytes, start: int = 0, stop: int | None = None) -> tuple[str, str] | None:
    """A cheap look at an EVENT frame's (subscription id, event id) in the raw text, before any parsing:
    `text[start:stop]`, given as text or as the frame's undecoded UTF-8 bytes.

    Only a hint: a malformed frame can give a wrong answer, so use it solely to skip frames whose id
    was already verified; anything new must go through `load_frame` and `decode_frame`. None when the
    text does not have the usual shape. The id is not checked to be hex: it is only looked up among verified
    ids.
    """
    end = len(text) if stop is None else stop
    if isinstance(text, str):
        return _peek(text, _PEEK_TEXT, start, end)
    ids = _peek(text, _PEEK_BYTES, start, end)
    if ids is None:
        return None
    try:
        return ids[0].decode(), ids[1].decode("ascii")
    except UnicodeDecodeError:
        return None


_Match = Callable[..., "re.Match[AnyStr] | None"]


def _peek(
    text: AnyStr, parts: tuple[_Match[AnyStr], _Match[AnyStr], AnyStr, AnyStr, AnyStr], start: int, stop: int
) -> tuple[AnyStr, AnyStr] | None:
    usual, head, key, quote, space = parts
    found = usual(text, start, stop)
    if found is not None:
        return found[1], found[2]
    found = head(text, start, stop)
    if found is None:
        return None
    # In valid JSON `"id":` can only be an object key (a quote inside a string is escaped). Only its first
    # place is looked at: a frame of megabytes is searched once, at the speed of `find`.
    k = text.find(key, found.end(), stop)
    if k < 0:
        return None
    k += 6 if text.startswith(space, k + 5, stop) else 5
    if not (text.startswith(quote, k, stop) and text.startswith(quote, k + 65, stop)):
        return None
    return found[1], text[k + 1 : k + 65]


def _str_at(frame: list[Any], index: int, what: str, default: str | None = None) -> str:
    if len(frame) <= index:
        if default is not None:
            return default
        raise MessageError(f"{frame[0]} without {what}")
    value = frame[index]
    if not isinstance(value, str):
        raise MessageError(f"{frame[0]} {what} must be a string")
    return value


def _decode_event(frame: list[Any], verify_sig: bool) -> EventMessage:
    sub_id, _ = event_frame_id(frame)
    try:
        event = parse_event(frame[2], verify_sig=verify_sig)
    except EventError as exc:
        raise MessageError(exc.reason) from None
    return EventMessage(sub_id, event)


def _decode_ok(frame: list[Any]) -> OkMessage:
    event_id = _str_at(frame, 1, "event id")
    if len(frame) < 3 or not isinstance(frame[2], bool):
        raise MessageError("OK needs true or false")
    return OkMessage(event_id, frame[2], _str_at(frame, 3, "message", ""))


def _decode_count(frame: list[Any]) -> CountMessage:
    query_id = _str_at(frame, 1, "query id")
    body = frame[2] if len(frame) > 2 else None
    if not isinstance(body, dict):
        raise MessageError("COUNT needs a result object")
    count = body.get("count")
    if type(count) is not int or count < 0:
        raise MessageError("COUNT count must be a non-negative integer")
    approximate = body.get("approximate", False)
    if not isinstance(approximate, bool):
        raise MessageError("COUNT approximate must be true or false")
    return CountMessage(query_id, count, approximate)


def decode_frame(frame: list[Any], *, verify_sig: bool = True) -> RelayMessage:
    """Decode a loaded frame (see `load_frame`) into its message. Raises MessageError.

    EVENT frames are validated fully, including id and signature unless `verify_sig` is False.
    Extra trailing elements are ignored; a missing OK/CLOSED message reads as "".
    """
    try:
        kind = frame[0] if frame else None
        if kind == "EVENT":
            return _decode_event(frame, verify_sig)
        if kind == "OK":
            return _decode_ok(frame)
        if kind == "EOSE":
            return EoseMessage(_str_at(frame, 1, "subscription id"))
        if kind == "CLOSED":
            return ClosedMessage(_str_at(frame, 1, "subscription id"), _str_at(frame, 2, "message", ""))
        if kind == "NOTICE":
            return NoticeMessage(_str_at(frame, 1, "message"))
        if kind == "AUTH":
            return AuthMessage(_str_at(frame, 1, "challenge"))
        if kind == "COUNT":
            return _decode_count(frame)
    except MessageError:
        raise
    except (ValueError, TypeError, RecursionError):  # defensive: never let anything else out
        raise MessageError("malformed message") from None
    if isinstance(kind, str):
        raise MessageError("unknown message type")
    raise MessageError("no message type")


def decode_relay_message(text: str | bytes, *, verify_sig: bool = True) -> RelayMessage:
    """Decode one frame received from a relay. Raises MessageError, and nothing else, for any input."""
    return decode_frame(load_frame(text), verify_sig=verify_sig)
