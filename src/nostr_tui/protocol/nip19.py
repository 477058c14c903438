"""NIP-19 bech32 entities (npub, nsec, note, nprofile, nevent, naddr) and NIP-21 `nostr:` URIs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from bech32 import CHARSET, bech32_create_checksum, bech32_verify_checksum, convertbits

from .keys import InvalidKeyError, SecretKey

MAX_LENGTH = 5000
URI_SCHEME = "nostr:"

_TLV_SPECIAL = 0
_TLV_RELAY = 1
_TLV_AUTHOR = 2
_TLV_KIND = 3

_CHARSET_INDEX = {c: i for i, c in enumerate(CHARSET)}
_HEX = frozenset("0123456789abcdef")
PREFIXES = ("npub", "nsec", "note", "nprofile", "nevent", "naddr")


class Nip19Error(ValueError):
    """A string that is not a valid NIP-19 entity or `nostr:` URI. `reason` says why, without the input."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check_hex32(value: object, what: str) -> str:
    if not isinstance(value, str) or len(value) != 64 or not _HEX.issuperset(value):
        raise Nip19Error(f"{what} must be 64 lower-case hex characters")
    return value


def _normalise_relays(entity: object, relays: object) -> None:
    if isinstance(relays, str) or not isinstance(relays, Iterable):
        raise Nip19Error("relays must be a sequence of strings")
    items = tuple(relays)
    for r in items:
        if not isinstance(r, str):
            raise Nip19Error("relays must be a sequence of strings")
        try:
            size = len(r.encode("utf-8"))
        except UnicodeEncodeError:
            raise Nip19Error("a relay URL is not valid Unicode") from None
        if size > 255:
            raise Nip19Error("a relay URL longer than 255 bytes cannot be encoded")
    object.__setattr__(entity, "relays", items)


def _check_kind(kind: object) -> int:
    if type(kind) is not int or not 0 <= kind < 2**32:
        raise Nip19Error("kind must be an integer from 0 to 4294967295")
    return kind


@dataclass(frozen=True, slots=True)
class Npub:
    """A public key."""

    pubkey: str
    type: ClassVar[str] = "npub"

    def __post_init__(self) -> None:
        _check_hex32(self.pubkey, "pubkey")

    def to_json_dict(self) -> dict[str, Any]:
        """The fields `nostr-tui decode` prints."""
        return {"type": self.type, "pubkey": self.pubkey}


@dataclass(frozen=True, slots=True)
class Nsec:
    """A secret key. Its repr shows only the public key."""

    secret: SecretKey
    type: ClassVar[str] = "nsec"

    def __post_init__(self) -> None:
        if not isinstance(self.secret, SecretKey):
            raise Nip19Error("secret must be a SecretKey")

    def to_json_dict(self) -> dict[str, Any]:
        """The fields `nostr-tui decode` prints (this reveals the secret, on purpose)."""
        return {"type": self.type, "secret": self.secret.hex()}


@dataclass(frozen=True, slots=True)
class Note:
    """An event id."""

    id: str
    type: ClassVar[str] = "note"

    def __post_init__(self) -> None:
        _check_hex32(self.id, "id")

    def to_json_dict(self) -> dict[str, Any]:
        """The fields `nostr-tui decode` prints."""
        return {"type": self.type, "id": self.id}


@dataclass(frozen=True, slots=True)
class Nprofile:
    """A public key with relays where the profile is likely found."""

    pubkey: str
    relays: tuple[str, ...] = ()
    type: ClassVar[str] = "nprofile"

    def __post_init__(self) -> None:
        _check_hex32(self.pubkey, "pubkey")
        _normalise_relays(self, self.relays)

    def to_json_dict(self) -> dict[str, Any]:
        """The fields `nostr-tui decode` prints."""
        return {"type": self.type, "pubkey": self.pubkey, "relays": list(self.relays)}


@dataclass(frozen=True, slots=True)
class Nevent:
    """An event id with relay hints and, optionally, its author and kind."""

    id: str
    relays: tuple[str, ...] = ()
    author: str | None = None
    kind: int | None = None
    type: ClassVar[str] = "nevent"

    def __post_init__(self) -> None:
        _check_hex32(self.id, "id")
        _normalise_relays(self, self.relays)
        if self.author is not None:
            _check_hex32(self.author, "author")
        if self.kind is not None:
            _check_kind(self.kind)

    def to_json_dict(self) -> dict[str, Any]:
        """The fields `nostr-tui decode` prints; `author` and `kind` only when present."""
        out: dict[str, Any] = {"type": self.type, "id": self.id, "relays": list(self.relays)}
        if self.author is not None:
            out["author"] = self.author
        if self.kind is not None:
            out["kind"] = self.kind
        return out


@dataclass(frozen=True, slots=True)
class Naddr:
    """The coordinate of an addressable (or replaceable) event: kind, author and `d` identifier."""

    identifier: str
    author: str
    kind: int
    relays: tuple[str, ...] = ()
    type: ClassVar[str] = "naddr"

    def __post_init__(self) -> None:
        if not isinstance(self.identifier, str):
            raise Nip19Error("identifier must be a string")
        try:
            encoded = self.identifier.encode("utf-8")
        except UnicodeEncodeError:
            raise Nip19Error("identifier is not valid Unicode") from None
        if len(encoded) > 255:
            raise Nip19Error("an identifier longer than 255 bytes cannot be encoded")
        _check_hex32(self.author, "author")
        _check_kind(self.kind)
        _normalise_relays(self, self.relays)

    @property
    def coordinate(self) -> str:
        """The `kind:pubkey:identifier` form used in `a` and `q` tags."""
        return f"{self.kind}:{self.author}:{self.identifier}"

    def to_json_dict(self) -> dict[str, Any]:
        """The fields `nostr-tui decode` prints."""
        return {
            "type": self.type,
            "identifier": self.identifier,
            "author": self.author,
            "kind": self.kind,
            "relays": list(self.relays),
        }


Entity = Npub | Nsec | Note | Nprofile | Nevent | Naddr


# --- bech32 without the 90-character limit ------------------------------------------------


def _bech32_encode(hrp: str, payload: bytes) -> str:
    words = convertbits(payload, 8, 5, True)
    assert words is not None  # bytes are always 0..255
    text = hrp + "1" + "".join(CHARSET[w] for w in words + bech32_create_checksum(hrp, words))
    if len(text) > MAX_LENGTH:
        raise Nip19Error(f"too long: the encoding would be {len(text)} characters (limit {MAX_LENGTH})")
    return text


def _bech32_decode(text: str) -> tuple[str, bytes]:
    if len(text) > MAX_LENGTH:
        raise Nip19Error(f"too long: {len(text)} characters (limit {MAX_LENGTH})")
    if not text.isascii() or any(not 33 <= ord(c) <= 126 for c in text):
        raise Nip19Error("not bech32: contains a space or a character outside printable ASCII")
    if text.lower() != text and text.upper() != text:
        raise Nip19Error("not bech32: mixed upper and lower case")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1:
        raise Nip19Error("not bech32: no prefix followed by the separator '1'")
    if len(text) - pos - 1 < 6:
        raise Nip19Error("not bech32: too short for a checksum")
    hrp = text[:pos]
    try:
        data = [_CHARSET_INDEX[c] for c in text[pos + 1 :]]
    except KeyError:
        raise Nip19Error("not bech32: invalid character after the separator") from None
    if not bech32_verify_checksum(hrp, data):
        raise Nip19Error("bad checksum")
    payload = convertbits(data[:-6], 5, 8, False)
    if payload is None:
        raise Nip19Error("not bech32: invalid padding")
    return hrp, bytes(payload)


# --- TLV ----------------------------------------------------------------------------------


def _parse_tlv(payload: bytes) -> dict[int, list[bytes]]:
    out: dict[int, list[bytes]] = {}
    i = 0
    while i < len(payload):
        if i + 2 > len(payload):
            raise Nip19Error("malformed TLV: a record is cut short")
        t, length = payload[i], payload[i + 1]
        value = payload[i + 2 : i + 2 + length]
        if len(value) != length:
            raise Nip19Error("malformed TLV: a record runs past the end")
        out.setdefault(t, []).append(value)
        i += 2 + length
    return out


def _tlv(records: Iterable[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for t, value in records:
        if len(value) > 255:
            raise Nip19Error("a TLV value longer than 255 bytes cannot be encoded")
        out += bytes((t, len(value))) + value
    return bytes(out)


def _relays_from(tlv: dict[int, list[bytes]]) -> tuple[str, ...]:
    relays = []
    for raw in tlv.get(_TLV_RELAY, []):
        try:
            relays.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            continue  # an unreadable hint is dropped, like an unknown record
    return tuple(relays)


def _required(tlv: dict[int, list[bytes]], t: int, name: str, length: int | None) -> bytes:
    values = tlv.get(t)
    if not values:
        raise Nip19Error(f"missing required TLV: {name}")
    if length is not None and len(values[0]) != length:
        raise Nip19Error(f"wrong length: {name} is {len(values[0])} bytes, expected {length}")
    return values[0]


def _optional(tlv: dict[int, list[bytes]], t: int, length: int) -> bytes | None:
    for value in tlv.get(t, []):
        if len(value) == length:
            return value
    return None  # absent or malformed: optional records that cannot be read are ignored


def _fixed32(payload: bytes, hrp: str) -> bytes:
    if len(payload) != 32:
        raise Nip19Error(f"wrong length: {hrp} data is {len(payload)} bytes, expected 32")
    return payload


def _from_payload(hrp: str, payload: bytes) -> Entity:
    if hrp == "npub":
        return Npub(_fixed32(payload, hrp).hex())
    if hrp == "note":
        return Note(_fixed32(payload, hrp).hex())
    if hrp == "nsec":
        try:
            return Nsec(SecretKey(_fixed32(payload, hrp)))
        except InvalidKeyError:
            raise Nip19Error("not a valid secret key (zero or not below the curve order)") from None
    tlv = _parse_tlv(payload)
    relays = _relays_from(tlv)
    if hrp == "nprofile":
        return Nprofile(_required(tlv, _TLV_SPECIAL, "pubkey", 32).hex(), relays)
    if hrp == "nevent":
        author = _optional(tlv, _TLV_AUTHOR, 32)
        kind = _optional(tlv, _TLV_KIND, 4)
        return Nevent(
            _required(tlv, _TLV_SPECIAL, "id", 32).hex(),
            relays,
            author.hex() if author is not None else None,
            int.from_bytes(kind, "big") if kind is not None else None,
        )
    if hrp == "naddr":
        try:
            identifier = _required(tlv, _TLV_SPECIAL, "identifier", None).decode("utf-8")
        except UnicodeDecodeError:
            raise Nip19Error("identifier is not valid UTF-8") from None
        author_raw = _required(tlv, _TLV_AUTHOR, "author", 32)
        kind_raw = _required(tlv, _TLV_KIND, "kind", 4)
        return Naddr(identifier, author_raw.hex(), int.from_bytes(kind_raw, "big"), relays)
    raise Nip19Error(f"unknown prefix: {hrp[:20]}")  # pragma: no cover - filtered by the caller


# --- public API ---------------------------------------------------------------------------


def encode(entity: Entity) -> str:
    """The bech32 string of an entity (type-0 record first, then relays, author, kind)."""
    if isinstance(entity, Npub):
        return _bech32_encode("npub", bytes.fromhex(entity.pubkey))
    if isinstance(entity, Note):
        return _bech32_encode("note", bytes.fromhex(entity.id))
    if isinstance(entity, Nsec):
        return _bech32_encode("nsec", entity.secret.secret_bytes())
    relays = [(_TLV_RELAY, r.encode("utf-8")) for r in entity.relays]
    if isinstance(entity, Nprofile):
        return _bech32_encode("nprofile", _tlv([(_TLV_SPECIAL, bytes.fromhex(entity.pubkey)), *relays]))
    if isinstance(entity, Nevent):
        records = [(_TLV_SPECIAL, bytes.fromhex(entity.id)), *relays]
        if entity.author is not None:
            records.append((_TLV_AUTHOR, bytes.fromhex(entity.author)))
        if entity.kind is not None:
            records.append((_TLV_KIND, entity.kind.to_bytes(4, "big")))
        return _bech32_encode("nevent", _tlv(records))
    if isinstance(entity, Naddr):
        records = [
            (_TLV_SPECIAL, entity.identifier.encode("utf-8")),
            *relays,
            (_TLV_AUTHOR, bytes.fromhex(entity.author)),
            (_TLV_KIND, entity.kind.to_bytes(4, "big")),
        ]
        return _bech32_encode("naddr", _tlv(records))
    raise Nip19Error("not a NIP-19 entity")


def decode(text: str, expect: str | Iterable[str] | None = None) -> Entity:
    """Decode a bech32 entity or a `nostr:` URI (surrounding whitespace ignored).

    `expect` limits the accepted prefixes ("npub", or several). Raises Nip19Error, and nothing
    else, whatever the input. A `nostr:` URI may not carry an nsec (NIP-21).
    """
    if not isinstance(text, str):
        raise Nip19Error("not a string")
    text = text.strip()
    is_uri = text[: len(URI_SCHEME)].lower() == URI_SCHEME
    if is_uri:
        text = text[len(URI_SCHEME) :]
    hrp, payload = _bech32_decode(text)
    if hrp not in PREFIXES:
        raise Nip19Error(f"unknown prefix: {hrp[:20]}")
    if expect is not None:
        wanted = (expect,) if isinstance(expect, str) else tuple(expect)
        if hrp not in wanted:
            raise Nip19Error(f"wrong prefix: expected {' or '.join(wanted)}, got {hrp}")
    if is_uri and hrp == "nsec":
        raise Nip19Error("a nostr: URI cannot carry an nsec")
    return _from_payload(hrp, payload)


def parse_uri(text: str) -> Entity:
    """Decode a NIP-21 `nostr:` URI (scheme case-insensitive). Raises Nip19Error."""
    if not isinstance(text, str) or text.strip()[: len(URI_SCHEME)].lower() != URI_SCHEME:
        raise Nip19Error("not a nostr: URI")
    return decode(text)


def to_uri(entity: Entity) -> str:
    """The `nostr:` URI of an entity (never for an nsec)."""
    if isinstance(entity, Nsec):
        raise Nip19Error("a nostr: URI cannot carry an nsec")
    return URI_SCHEME + encode(entity)


def npub_encode(pubkey_hex: str) -> str:
    """npub of a hex public key."""
    return encode(Npub(pubkey_hex))


def note_encode(event_id: str) -> str:
    """note of a hex event id."""
    return encode(Note(event_id))


def nsec_encode(secret: SecretKey) -> str:
    """nsec of a secret key. Only for an explicit export."""
    return encode(Nsec(secret))


def npub_decode(text: str) -> str:
    """The hex public key of an npub (or `nostr:npub` URI). Raises Nip19Error."""
    entity = decode(text, "npub")
    assert isinstance(entity, Npub)
    return entity.pubkey


def note_decode(text: str) -> str:
    """The hex event id of a note (or `nostr:note` URI). Raises Nip19Error."""
    entity = decode(text, "note")
    assert isinstance(entity, Note)
    return entity.id


def nsec_decode(text: str) -> SecretKey:
    """The secret key of an nsec. Raises Nip19Error."""
    entity = decode(text, "nsec")
    assert isinstance(entity, Nsec)
    return entity.secret


def _hex64(text: str) -> str | None:
    value = text.lower()
    return value if len(value) == 64 and _HEX.issuperset(value) else None


def pubkey_from_ref(text: str) -> str:
    """The hex public key named by a hex key, npub, nprofile or `nostr:` URI. Raises Nip19Error."""
    value = text.strip()
    found = _hex64(value)
    if found is not None:
        return found
    entity = decode(value, ("npub", "nprofile"))
    assert isinstance(entity, Npub | Nprofile)
    return entity.pubkey


def event_ref(text: str) -> tuple[str, tuple[str, ...]]:
    """(event id, relay hints) named by a hex id, note, nevent or `nostr:` URI. Raises Nip19Error."""
    value = text.strip()
    found = _hex64(value)
    if found is not None:
        return found, ()
    entity = decode(value, ("note", "nevent"))
    if isinstance(entity, Nevent):
        return entity.id, entity.relays
    assert isinstance(entity, Note)
    return entity.id, ()
