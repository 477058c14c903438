"""Cross-checks against nostr-sdk (rust-nostr), an independent implementation.

Events signed here verify there with the same id, and the other way round; NIP-19 strings encoded
here decode there to the same fields, and the other way round.
"""

from __future__ import annotations

import json
import random
from typing import Any

import nostr_sdk as sdk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nostr_tui.protocol import nip19
from nostr_tui.protocol.event import Event, parse_event_json, sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.protocol.nip19 import Naddr, Nevent, Note, Nprofile, Npub, Nsec

CONTROL = "".join(chr(c) for c in range(0x20)) + "\x7f"
AWKWARD = [
    "plain",
    "",
    "emoji 😀🦀👩‍👩‍👧 flags 🇫🇷 and é ü ß 日本語 עברית",
    CONTROL,
    "line\u2028separator\u2029paragraph \ufeff bom \u200b zwsp",
    'quotes " and \\ backslashes \\n literally / slash',
    "x" * 65536,
    ("ünï 😀 \x01\n" * 9000),
]


def _awkward_tags(rng: random.Random, count: int) -> list[list[str]]:
    pieces = ["e", "p", "t", "a", "x", "😀", CONTROL, "\u2028", "wss://r.example", "", "a" * 64]
    return [[rng.choice(pieces[:5])] + [rng.choice(pieces) for _ in range(rng.randint(0, 4))]
            for _ in range(count)]


def _sdk_sign(keys: Any, kind: int, content: str, tags: list[list[str]], created_at: int) -> Any:
    builder = (
        sdk.EventBuilder(sdk.Kind(kind), content)
        .tags([sdk.Tag.parse(t) for t in tags])
        .custom_created_at(sdk.Timestamp.from_secs(created_at))
    )
    return keys.sign_event(builder.finalize_unsigned(keys.public_key()))


def _same(ours: Event, theirs: Any) -> None:
    assert theirs.id().to_hex() == ours.id
    assert theirs.author().to_hex() == ours.pubkey
    assert theirs.created_at().as_secs() == ours.created_at
    assert theirs.kind().as_u16() == ours.kind
    assert theirs.content() == ours.content
    assert [tuple(t.to_vec()) for t in theirs.tags()] == list(ours.tags)
    assert theirs.signature() == ours.sig


@pytest.mark.parametrize("content", AWKWARD, ids=lambda c: repr(c[:12]) + f"+{len(c)}")
def test_signed_here_verifies_there(content: str) -> None:
    rng = random.Random(len(content))
    key = SecretKey.generate()
    for tag_count in (0, 3, 400):
        event = sign_event(key, rng.choice([1, 7, 30023, 65535]), content, _awkward_tags(rng, tag_count),
                           created_at=rng.randint(0, 2**40))
        theirs = sdk.Event.from_json(event.to_json())
        assert theirs.verify_id() and theirs.verify_signature()
        _same(event, theirs)


@pytest.mark.parametrize("content", AWKWARD, ids=lambda c: repr(c[:12]) + f"+{len(c)}")
def test_signed_there_parses_here(content: str) -> None:
    rng = random.Random(len(content) + 1)
    keys = sdk.Keys.generate()
    for tag_count in (0, 3, 400):
        theirs = _sdk_sign(keys, rng.choice([0, 1, 20000, 30023]), content, _awkward_tags(rng, tag_count),
                           rng.randint(0, 2**40))
        ours = parse_event_json(theirs.as_json())
        _same(ours, theirs)
        # Their JSON and ours carry the same event.
        assert json.loads(theirs.as_json()) == ours.to_dict()


@settings(max_examples=40, deadline=None)
@given(
    content=st.text(max_size=200),
    tags=st.lists(st.lists(st.text(max_size=10), min_size=1, max_size=3), max_size=5),
    kind=st.integers(0, 65535),
    created_at=st.integers(0, 2**40),
)
def test_random_events_agree_both_ways(content: str, tags: list[list[str]], kind: int, created_at: int) -> None:
    key = SecretKey.generate()
    ours = sign_event(key, kind, content, tags, created_at=created_at)
    theirs = sdk.Event.from_json(ours.to_json())
    assert theirs.verify()
    _same(ours, theirs)
    keys = sdk.Keys.parse(key.hex())
    again = _sdk_sign(keys, kind, content, tags, created_at)
    assert again.id().to_hex() == ours.id
    assert parse_event_json(again.as_json()).id == ours.id


def test_tampered_event_is_refused_by_both() -> None:
    event = sign_event(SecretKey.generate(), 1, "hello", created_at=1).to_dict()
    event["content"] = "hellO"
    text = json.dumps(event)
    with pytest.raises(ValueError):
        parse_event_json(text)
    try:
        ok = sdk.Event.from_json(text).verify()
    except Exception:  # nostr-sdk may refuse while parsing
        ok = False
    assert not ok


# --- NIP-19 ---------------------------------------------------------------------------------


def _fields_from_sdk(text: str) -> dict[str, Any]:
    """Decode with nostr-sdk into our `to_json_dict()` shape."""
    e = sdk.Nip19.from_bech32(text).as_enum()
    if e.is_pubkey():
        return {"type": "npub", "pubkey": e.npub.to_hex()}
    if e.is_secret():
        return {"type": "nsec", "secret": e.nsec.to_hex()}
    if e.is_note():
        return {"type": "note", "id": e.event_id.to_hex()}
    if e.is_profile():
        p = e.nprofile
        return {"type": "nprofile", "pubkey": p.public_key().to_hex(), "relays": [str(r) for r in p.relays()]}
    if e.is_event():
        ev = e.event
        out: dict[str, Any] = {"type": "nevent", "id": ev.event_id().to_hex(), "relays": [str(r) for r in ev.relays()]}
        if ev.author() is not None:
            out["author"] = ev.author().to_hex()
        if ev.kind() is not None:
            out["kind"] = ev.kind().as_u16()
        return out
    assert e.is_addr()
    c = e.coordinate
    return {
        "type": "naddr",
        "identifier": c.coordinate().identifier(),
        "author": c.coordinate().public_key().to_hex(),
        "kind": c.coordinate().kind().as_u16(),
        "relays": [str(r) for r in c.relays()],
    }


def _relays_sdk(relays: tuple[str, ...]) -> list[Any]:
    return [sdk.RelayUrl.parse(r) for r in relays]


hex32 = st.binary(min_size=32, max_size=32).map(bytes.hex)
# Relay URLs nostr-sdk keeps as written: a host, an optional path, no trailing slash games.
relay = st.builds(lambda h, p: f"wss://{h}.example.com{p}", st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True),
                  st.sampled_from(["", "/", "/nostr", "/a/b"]))
relays = st.lists(relay, max_size=3, unique=True).map(tuple)
valid_pubkeys = st.builds(lambda: SecretKey.generate().public_key)
ours_entities = st.one_of(
    valid_pubkeys.map(Npub),
    hex32.map(Note),
    st.builds(Nprofile, valid_pubkeys, relays),
    st.builds(Nevent, hex32, relays, st.none() | valid_pubkeys, st.none() | st.integers(0, 65535)),
    st.builds(Naddr, st.text(max_size=40).filter(lambda s: len(s.encode()) <= 255), valid_pubkeys,
              st.integers(0, 65535), relays),
)


@settings(max_examples=120, deadline=None)
@given(ours_entities)
def test_nip19_encoded_here_decodes_there(entity: nip19.Entity) -> None:
    text = nip19.encode(entity)
    assert _fields_from_sdk(text) == entity.to_json_dict()
    if not isinstance(entity, Npub | Note):
        assert _fields_from_sdk(nip19.to_uri(entity).removeprefix("nostr:")) == entity.to_json_dict()


@settings(max_examples=120, deadline=None)
@given(ours_entities)
def test_nip19_encoded_there_decodes_here(entity: nip19.Entity) -> None:
    if isinstance(entity, Npub):
        text = sdk.PublicKey.parse(entity.pubkey).to_bech32()
    elif isinstance(entity, Note):
        text = sdk.EventId.parse(entity.id).to_bech32()
    elif isinstance(entity, Nprofile):
        text = sdk.Nip19Profile(sdk.PublicKey.parse(entity.pubkey), _relays_sdk(entity.relays)).to_bech32()
    elif isinstance(entity, Nevent):
        text = sdk.Nip19Event(
            sdk.EventId.parse(entity.id),
            sdk.PublicKey.parse(entity.author) if entity.author else None,
            sdk.Kind(entity.kind) if entity.kind is not None else None,
            _relays_sdk(entity.relays),
        ).to_bech32()
    else:
        assert isinstance(entity, Naddr)
        coordinate = sdk.Coordinate(sdk.Kind(entity.kind), sdk.PublicKey.parse(entity.author), entity.identifier)
        text = sdk.Nip19Coordinate(coordinate, _relays_sdk(entity.relays)).to_bech32()
    assert nip19.decode(text).to_json_dict() == _fields_from_sdk(text)
    assert nip19.decode(text) == entity


def test_nsec_both_ways() -> None:
    for _ in range(5):
        key = SecretKey.generate()
        ours = nip19.nsec_encode(key)
        assert sdk.SecretKey.parse(ours).to_hex() == key.hex()
        theirs = sdk.SecretKey.parse(key.hex()).to_bech32()
        decoded = nip19.decode(theirs)
        assert isinstance(decoded, Nsec) and decoded.secret == key
        assert ours == theirs


def test_nostr_uris_both_ways() -> None:
    pk = SecretKey.generate().public_key
    uri = sdk.PublicKey.parse(pk).to_nostr_uri()
    assert nip19.parse_uri(uri) == Npub(pk)
    ours = nip19.to_uri(Nprofile(pk, ("wss://r.example.com",)))
    assert sdk.Nip19Profile.from_nostr_uri(ours).public_key().to_hex() == pk
