"""NIP-19 entities and NIP-21 URIs: vectors, round trips, typed errors on any input."""

from __future__ import annotations

from typing import Any

import pytest
from bech32 import bech32_encode, convertbits
from hypothesis import given, settings
from hypothesis import strategies as st

from nostr_tui.protocol import nip19
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.protocol.nip19 import Naddr, Nevent, Nip19Error, Note, Nprofile, Npub, Nsec

from ._support import load_json

VECTORS = load_json("nip19.vectors.json")
PK = "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"
ID = "b9f5441e45ca39179320e0031cfb18e34078673dcc3d3e3a3b3a981760aa5696"


def _expected_fields(case: dict[str, Any]) -> dict[str, Any]:
    """The decoded fields both reference libraries agree on (rust-nostr where they differ)."""
    fields = dict(case["rust_nostr_decoded"])
    if "pubkey" in fields and case["type"] == "naddr":
        fields["author"] = fields.pop("pubkey")
    if "seckey" in fields:
        fields["secret"] = fields.pop("seckey")
    for key, value in list(fields.items()):
        if value is None:
            del fields[key]  # absent optional fields are omitted
    return {"type": case["type"], **fields}


@pytest.mark.parametrize("case", VECTORS["valid"], ids=lambda c: c["bech32"][:24])
def test_valid_vectors(case: dict[str, Any]) -> None:
    entity = nip19.decode(case["bech32"])
    assert entity.type == case["type"]
    assert entity.to_json_dict() == _expected_fields(case)
    for key, value in case["expect"].items():
        name = {"seckey": "secret", "pubkey": "author" if case["type"] == "naddr" else "pubkey"}.get(key, key)
        assert entity.to_json_dict().get(name) == value
    # Round trip: what we encode decodes to the same fields.
    again = nip19.decode(nip19.encode(entity))
    assert again == entity
    if case.get("encode_exact") is True:
        assert nip19.encode(entity) == case["bech32"]
    # Upper-case strings (QR codes) and nostr: URIs decode the same (nsec excepted for URIs).
    assert nip19.decode(case["bech32"].upper()) == entity
    if case["type"] != "nsec":
        assert nip19.parse_uri("nostr:" + case["bech32"]) == entity
        assert nip19.decode("NOSTR:" + case["bech32"]) == entity
        assert nip19.to_uri(entity) == "nostr:" + nip19.encode(entity)


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["why"])
def test_invalid_vectors(case: dict[str, Any]) -> None:
    with pytest.raises(Nip19Error):
        nip19.decode(case["bech32"])


def test_spec_examples_encode_exactly() -> None:
    assert nip19.npub_encode("7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e") == (
        "npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg"
    )
    secret = SecretKey.from_hex("67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa")
    assert nip19.nsec_encode(secret) == "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"
    assert nip19.encode(Nprofile(PK, ("wss://r.x.com", "wss://djbas.sadkb.com"))) == (
        "nprofile1qqsrhuxx8l9ex335q7he0f09aej04zpazpl0ne2cgukyawd24mayt8gpp4mhxue69uhhytnc9e3k7mgpz4mhxue69uhk"
        "g6nzv9ejuumpv34kytnrdaksjlyr9p"
    )


def _raw(hrp: str, payload: bytes) -> str:
    words = convertbits(payload, 8, 5, True)
    assert words is not None
    return bech32_encode(hrp, words)


def _tlv(*records: tuple[int, bytes]) -> bytes:
    return b"".join(bytes((t, len(v))) + v for t, v in records)


ERRORS: list[tuple[str, str]] = [
    ("npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptx", "bad checksum"),
    ("", "not bech32"),
    ("hello", "not bech32"),
    ("npub1", "not bech32"),
    ("Npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg", "mixed upper and lower case"),
    ("npub1b0elfcs", "not bech32"),
    (_raw("npub", b"\x01" * 33), "wrong length: npub data is 33 bytes, expected 32"),
    (_raw("note", b"\x01" * 31), "wrong length: note data is 31 bytes, expected 32"),
    (_raw("nsec", b"\x00" * 32), "not a valid secret key"),
    (_raw("nrelay", _tlv((0, b"wss://x"))), "unknown prefix: nrelay"),
    (_raw("nprofile", _tlv((1, b"wss://x"))), "missing required TLV: pubkey"),
    (_raw("nprofile", _tlv((0, b"\x01" * 31))), "wrong length: pubkey is 31 bytes, expected 32"),
    (_raw("nevent", _tlv((2, b"\x01" * 32))), "missing required TLV: id"),
    (_raw("naddr", _tlv((0, b"d"), (3, b"\x00\x00\x75\x23"))), "missing required TLV: author"),
    (_raw("naddr", _tlv((0, b"d"), (2, b"\x01" * 32))), "missing required TLV: kind"),
    (_raw("naddr", _tlv((2, b"\x01" * 32), (3, b"\x00\x00\x75\x23"))), "missing required TLV: identifier"),
    (_raw("naddr", _tlv((0, b"d"), (2, b"\x01" * 32), (3, b"\x75\x23"))), "wrong length: kind is 2 bytes"),
    (_raw("naddr", _tlv((0, b"\xff"), (2, b"\x01" * 32), (3, b"\0\0\0\1"))), "identifier is not valid UTF-8"),
    (_raw("nevent", b"\x00\x20" + b"\x01" * 10), "malformed TLV"),
    ("npub1" + "q" * 5000, "too long"),
    ("nostr:" + nip19.nsec_encode(SecretKey.generate()), "cannot carry an nsec"),
]


@pytest.mark.parametrize(("text", "reason"), ERRORS, ids=lambda x: str(x)[:30])
def test_errors_have_clear_reasons(text: str, reason: str) -> None:
    with pytest.raises(Nip19Error) as info:
        nip19.decode(text)
    assert reason in info.value.reason


def test_wrong_prefix() -> None:
    note = nip19.note_encode(ID)
    with pytest.raises(Nip19Error) as info:
        nip19.npub_decode(note)
    assert info.value.reason == "wrong prefix: expected npub, got note"
    with pytest.raises(Nip19Error, match="expected nprofile or npub, got note"):
        nip19.decode(note, expect=("nprofile", "npub"))
    assert nip19.note_decode(note) == ID


def test_unknown_tlv_types_are_skipped_and_relays_repeat() -> None:
    payload = _tlv((9, b"future"), (0, bytes.fromhex(ID)), (1, b"wss://a"), (200, b""), (1, b"wss://b"),
                   (2, bytes.fromhex(PK)), (3, (1).to_bytes(4, "big")))
    entity = nip19.decode(_raw("nevent", payload))
    assert entity == Nevent(ID, ("wss://a", "wss://b"), PK, 1)
    assert entity.to_json_dict() == {"type": "nevent", "id": ID, "relays": ["wss://a", "wss://b"],
                                     "author": PK, "kind": 1}


def test_nevent_with_malformed_optional_fields_drops_them() -> None:
    payload = _tlv((0, bytes.fromhex(ID)), (2, PK.encode()), (3, b"\x01"), (1, b"\xff\xfe"))
    assert nip19.decode(_raw("nevent", payload)) == Nevent(ID)


def test_long_strings_beyond_90_characters() -> None:
    relays = tuple(f"wss://relay-number-{i}.example.com/some/long/path" for i in range(40))
    naddr = Naddr("an identifier with spaces and ünïcode 🦀", PK, 30023, relays)
    text = nip19.encode(naddr)
    assert 90 < len(text) <= nip19.MAX_LENGTH
    assert nip19.decode(text) == naddr
    with pytest.raises(Nip19Error, match="too long"):
        nip19.encode(Nprofile(PK, tuple(f"wss://{i:0>200}" for i in range(20))))


def test_entity_constructors_refuse_bad_values() -> None:
    with pytest.raises(Nip19Error):
        Npub(PK.upper())
    with pytest.raises(Nip19Error):
        Note("xyz")
    with pytest.raises(Nip19Error):
        Nevent(ID, kind=2**32)
    with pytest.raises(Nip19Error):
        Nprofile(PK, ("x" * 256,))
    with pytest.raises(Nip19Error):
        Nprofile(PK, "wss://not-a-sequence")  # type: ignore[arg-type]
    with pytest.raises(Nip19Error):
        Naddr("\ud800", PK, 1)
    with pytest.raises(Nip19Error):
        nip19.to_uri(Nsec(SecretKey.generate()))
    assert Nprofile(PK, ["wss://a"]).relays == ("wss://a",)  # type: ignore[arg-type]


def test_nsec_never_shows_the_secret() -> None:
    secret = SecretKey.generate()
    text = nip19.nsec_encode(secret)
    entity = nip19.decode(text)
    assert isinstance(entity, Nsec)
    hex_secret = secret.hex()
    for shown in (repr(entity), str(entity), repr(nip19.nsec_decode(text))):
        assert hex_secret not in shown and text[5:20] not in shown
    assert entity.to_json_dict() == {"type": "nsec", "secret": hex_secret}
    # A broken nsec's error does not echo the input.
    with pytest.raises(Nip19Error) as info:
        nip19.decode(text[:-1] + ("q" if text[-1] != "q" else "p"))
    assert text[5:20] not in str(info.value)


hex32 = st.binary(min_size=32, max_size=32).map(bytes.hex)
relay = st.text(max_size=40).filter(lambda s: len(s.encode("utf-8")) <= 255)
relays = st.lists(relay, max_size=4).map(tuple)
entities = st.one_of(
    hex32.map(Npub),
    hex32.map(Note),
    st.builds(Nprofile, hex32, relays),
    st.builds(Nevent, hex32, relays, st.none() | hex32, st.none() | st.integers(0, 2**32 - 1)),
    st.builds(Naddr, st.text(max_size=60).filter(lambda s: len(s.encode()) <= 255), hex32,
              st.integers(0, 2**32 - 1), relays),
)


@settings(max_examples=200, deadline=None)
@given(entities)
def test_round_trip(entity: nip19.Entity) -> None:
    text = nip19.encode(entity)
    assert nip19.decode(text) == entity
    assert nip19.decode(text.upper()) == entity
    assert nip19.decode(nip19.to_uri(entity)) == entity


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(max_size=200),
    st.text(alphabet="qpzry9x8gf2tvdw0s3jn54khce6mua7l1nNOSTR:", max_size=200),
    st.sampled_from(["npub1", "nsec1", "note1", "nprofile1", "nevent1", "naddr1", "nostr:nevent1"]).flatmap(
        lambda p: st.text(alphabet="qpzry9x8gf2tvdw0s3jn54khce6mua7l", max_size=120).map(lambda s: p + s)),
    st.tuples(st.sampled_from(nip19.PREFIXES), st.binary(max_size=120)).map(lambda t: _raw(*t)),
))
def test_decoder_raises_only_nip19_error(text: str) -> None:
    try:
        entity = nip19.decode(text)
    except Nip19Error as e:
        assert e.reason
    else:
        assert nip19.decode(nip19.encode(entity)) == entity


def test_surrounding_whitespace_and_non_strings() -> None:
    npub = nip19.npub_encode(PK)
    assert nip19.decode(f"  {npub}\n") == Npub(PK)
    assert nip19.parse_uri(f" nostr:{npub} ") == Npub(PK)
    with pytest.raises(Nip19Error, match="space"):
        nip19.decode(f"nostr: {npub}")
    with pytest.raises(Nip19Error, match="not a nostr: URI"):
        nip19.parse_uri(npub)
    for bad in (None, b"npub1", 5):
        with pytest.raises(Nip19Error):
            nip19.decode(bad)  # type: ignore[arg-type]


def test_references_to_people_and_notes_in_any_form() -> None:
    pk, eid = "ab" * 32, "cd" * 32
    for text in (pk, pk.upper(), nip19.npub_encode(pk), "nostr:" + nip19.encode(nip19.Nprofile(pk, ("wss://r",)))):
        assert nip19.pubkey_from_ref(" " + text + "\n") == pk
    assert nip19.event_ref(eid) == (eid, ())
    assert nip19.event_ref(nip19.note_encode(eid)) == (eid, ())
    assert nip19.event_ref("nostr:" + nip19.encode(nip19.Nevent(eid, ("wss://a", "wss://b")))) == (eid, ("wss://a", "wss://b"))
    for bad, call in (("bob", nip19.pubkey_from_ref), (nip19.note_encode(eid), nip19.pubkey_from_ref),
                      ("ab", nip19.event_ref), (nip19.npub_encode(pk), nip19.event_ref)):
        with pytest.raises(nip19.Nip19Error):
            call(bad)
