"""NIP-01 events: the frozen `Event`, canonical serialisation, id, strict parsing and signing."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from .keys import SecretKey, verify

MAX_KIND = 65535
MAX_CREATED_AT = 2**63 - 1

Tags = tuple[tuple[str, ...], ...]

_HEX64 = re.compile("[0-9a-f]{64}").fullmatch
_HEX128 = re.compile("[0-9a-f]{128}").fullmatch
_LONE_SURROGATE = "content or tags are not valid Unicode (lone surrogate)"


class EventError(ValueError):
    """An event that is malformed, or whose id or signature does not check out. `reason` says why."""

    def __init__(self, reason: str, event_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event_id = event_id


def decode_json(text: str | bytes) -> Any:
    """Decode JSON text as the json module does (raising what it raises), usually through orjson (faster).

    Text orjson refuses is handed to the json module, so NaN, lone surrogate escapes and deep nesting
    behave as before. One difference remains: an integer beyond 64 bits decodes as a float (every field
    read as an integer is out of range long before that: such a value is refused for its range either way).
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _reference_serialize(obj: object) -> bytes:
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise EventError(_LONE_SURROGATE) from None


def serialize(pubkey: str, created_at: int, kind: int, tags: Sequence[Sequence[str]], content: str) -> bytes:
    """The NIP-01 canonical serialisation, as UTF-8 bytes: what `json.dumps(..., separators=(",", ":"),
    ensure_ascii=False)` writes (only `"`, `\\` and control characters escaped), byte for byte.

    Raises EventError when the content or a tag cannot be encoded as UTF-8 (lone surrogates).
    """
    obj = [0, pubkey, created_at, kind, tags, content]
    if type(created_at) is int and type(kind) is int:
        try:
            return orjson.dumps(obj)  # the same bytes as the json module's, for strings and 64-bit integers
        except TypeError:  # orjson.JSONEncodeError: a lone surrogate, an integer beyond 64 bits, another type
            pass
    return _reference_serialize(obj)


def compute_id(pubkey: str, created_at: int, kind: int, tags: Sequence[Sequence[str]], content: str) -> str:
    """The event id: sha256 of the canonical serialisation, lower-case hex."""
    return hashlib.sha256(serialize(pubkey, created_at, kind, tags, content)).hexdigest()


@dataclass(frozen=True, slots=True)
class Event:
    """A Nostr event. Immutable; build one with `parse_event` (from the wire) or `sign_event`."""

    id: str
    pubkey: str
    created_at: int
    kind: int
    tags: Tags
    content: str
    sig: str

    def to_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict in NIP-01 field order."""
        return {
            "id": self.id,
            "pubkey": self.pubkey,
            "created_at": self.created_at,
            "kind": self.kind,
            "tags": [list(t) for t in self.tags],
            "content": self.content,
            "sig": self.sig,
        }

    def to_json(self) -> str:
        """Compact JSON, non-ASCII kept verbatim (what `json.dumps(..., separators=(",", ":"),
        ensure_ascii=False)` writes)."""
        try:
            return orjson.dumps(self.to_dict()).decode()
        except TypeError:  # a lone surrogate, or an event built by hand with values of other types
            return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    def to_json_bytes(self) -> bytes:
        """`to_json()` as UTF-8 (a lone surrogate, possible only in an event built by hand, becomes U+FFFD)."""
        try:
            return orjson.dumps(self.to_dict())
        except TypeError:
            return self.to_json().encode("utf-8", "replace")

    def tag_values(self, name: str) -> list[str]:
        """Second elements of every tag called `name`, in order."""
        return [t[1] for t in self.tags if len(t) >= 2 and t[0] == name]

    def first_tag(self, name: str) -> tuple[str, ...] | None:
        """The first tag called `name`, or None."""
        for t in self.tags:
            if t and t[0] == name:
                return t
        return None

    @property
    def d_tag(self) -> str:
        """The `d` tag's value ("" when absent), the identifier of addressable events."""
        t = self.first_tag("d")
        return t[1] if t is not None and len(t) >= 2 else ""

    def check(self) -> None:
        """Raise EventError unless the id matches the content and the signature is the author's."""
        _check_id_and_sig(self.id, self.pubkey, self.created_at, self.kind, self.tags, self.content, self.sig)


def is_replaceable(kind: int) -> bool:
    """Kinds 0, 3 and 10000-19999: only the newest per author and kind counts."""
    return kind in (0, 3) or 10000 <= kind < 20000


def is_ephemeral(kind: int) -> bool:
    """Kinds 20000-29999: relayed, never stored."""
    return 20000 <= kind < 30000


def is_addressable(kind: int) -> bool:
    """Kinds 30000-39999: the newest per author, kind and `d` tag counts."""
    return 30000 <= kind < 40000


def _check_id(event_id: str, pubkey: str, created_at: int, kind: int, tags: Tags, content: str) -> bytes:
    digest = hashlib.sha256(serialize(pubkey, created_at, kind, tags, content)).digest()
    if digest.hex() != event_id:
        raise EventError("id does not match content", event_id)
    return digest


def _check_id_and_sig(
    event_id: str, pubkey: str, created_at: int, kind: int, tags: Tags, content: str, sig: str
) -> None:
    digest = _check_id(event_id, pubkey, created_at, kind, tags, content)
    if not verify(bytes.fromhex(pubkey), digest, bytes.fromhex(sig)):
        raise EventError("bad signature", event_id)


def signature_input(event: Event, digest: bytes) -> bytes:
    """The 128 bytes `keys.verify_many` checks for one event: x-only public key, id (the signed hash), signature."""
    return bytes.fromhex(event.pubkey) + digest + bytes.fromhex(event.sig)


def _parse_tags(raw: object, event_id: str | None) -> Tags:
    if not isinstance(raw, list):
        raise EventError("tags must be a list of lists of strings", event_id)
    out = []
    for tag in raw:
        if not isinstance(tag, list):
            raise EventError("tags must be a list of lists of strings", event_id)
        if not tag:
            raise EventError("each tag must hold at least one string", event_id)
        for item in tag:
            if not isinstance(item, str):
                raise EventError("tags must be a list of lists of strings", event_id)
        out.append(tuple(tag))
    return tuple(out)


def _beyond_int64(value: object) -> bool:
    """A whole number too large for 64 bits as `decode_json` may give it (orjson decodes such an integer as a
    float): refused for its range, as the json module's int would be, not for its type."""
    return type(value) is float and value.is_integer() and abs(value) >= 2.0**63


def _fields(obj: object) -> Event:
    """The Event an object describes, every field checked for its type and form (not the id, not the signature)."""
    if not isinstance(obj, Mapping):
        raise EventError("event must be a JSON object")
    event_id = obj.get("id")
    shown_id = event_id if isinstance(event_id, str) and len(event_id) <= 64 else None
    if not (isinstance(event_id, str) and _HEX64(event_id)):
        raise EventError("id must be 64 lower-case hex characters", shown_id)
    pubkey = obj.get("pubkey")
    if not (isinstance(pubkey, str) and _HEX64(pubkey)):
        raise EventError("pubkey must be 64 lower-case hex characters", shown_id)
    sig = obj.get("sig")
    if not (isinstance(sig, str) and _HEX128(sig)):
        raise EventError("sig must be 128 lower-case hex characters", shown_id)
    created_at = obj.get("created_at")
    if type(created_at) is not int:
        if _beyond_int64(created_at):
            raise EventError("created_at out of range", shown_id)
        raise EventError("created_at must be an integer", shown_id)
    if not 0 <= created_at <= MAX_CREATED_AT:
        raise EventError("created_at out of range", shown_id)
    kind = obj.get("kind")
    if type(kind) is not int:
        if _beyond_int64(kind):
            raise EventError("kind must be between 0 and 65535", shown_id)
        raise EventError("kind must be an integer", shown_id)
    if not 0 <= kind <= MAX_KIND:
        raise EventError("kind must be between 0 and 65535", shown_id)
    content = obj.get("content")
    if not isinstance(content, str):
        raise EventError("content must be a string", shown_id)
    tags = _parse_tags(obj.get("tags"), shown_id)
    return Event(event_id, pubkey, created_at, kind, tags, content, sig)


def parse_event(obj: object, *, verify_sig: bool = True) -> Event:
    """Build an Event from a decoded JSON object, strictly.

    Checks field types and hex forms, then (unless `verify_sig` is False) that the id matches the
    content and the signature is valid. Unknown extra fields are ignored. Raises EventError.
    """
    event = _fields(obj)
    if verify_sig:
        event.check()
    else:
        # Still refuse content that cannot be serialised at all.
        serialize(event.pubkey, event.created_at, event.kind, event.tags, event.content)
    return event


def parse_event_hashed(obj: object) -> tuple[Event, bytes]:
    """`parse_event` but for the signature: the Event, its id checked against its content, and the 32-byte id.

    The signature is still to be checked: pass `signature_input(event, digest)` to `keys.verify_many`.
    Raises EventError.
    """
    e = _fields(obj)
    return e, _check_id(e.id, e.pubkey, e.created_at, e.kind, e.tags, e.content)


def parse_event_json(text: str | bytes, *, verify_sig: bool = True) -> Event:
    """Parse one event from JSON text. Raises EventError (also for text that is not JSON)."""
    try:
        obj = decode_json(text)
    except (ValueError, RecursionError):
        raise EventError("not valid JSON") from None
    return parse_event(obj, verify_sig=verify_sig)


def sign_event(
    secret: SecretKey,
    kind: int,
    content: str,
    tags: Iterable[Sequence[str]] = (),
    created_at: int | None = None,
) -> Event:
    """Make a signed event by `secret`'s owner. `created_at` defaults to now."""
    if type(kind) is not int or not 0 <= kind <= MAX_KIND:
        raise EventError("kind must be between 0 and 65535")
    if not isinstance(content, str):
        raise EventError("content must be a string")
    tag_list = list(tags)
    if any(isinstance(t, str) for t in tag_list):
        raise EventError("tags must be a list of lists of strings")
    tag_tuple: Tags = tuple(tuple(t) for t in tag_list)
    for t in tag_tuple:
        if not all(isinstance(x, str) for x in t):
            raise EventError("tags must be a list of lists of strings")
        if not t:
            raise EventError("each tag must hold at least one string")
    ts = int(time.time()) if created_at is None else created_at
    if type(ts) is not int or not 0 <= ts <= MAX_CREATED_AT:
        raise EventError("created_at out of range")
    pubkey = secret.public_key
    digest = hashlib.sha256(serialize(pubkey, ts, kind, tag_tuple, content)).digest()
    sig = secret.sign(digest)
    return Event(digest.hex(), pubkey, ts, kind, tag_tuple, content, sig.hex())
