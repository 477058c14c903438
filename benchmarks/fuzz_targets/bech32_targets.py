"""Fuzz targets for the NIP-19 and NIP-49 decoders and the NIP-27 content tokenizer."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from bech32 import CHARSET
from Crypto.Cipher import ChaCha20_Poly1305
from hypothesis import strategies as st

from nostr_tui.protocol import nip19, nip49
from nostr_tui.protocol.content import HashtagToken, ReferenceToken, TextToken, UrlToken, tags_for_content, tokenize
from nostr_tui.protocol.nip19 import Naddr, Nevent, Nip19Error, Note, Nprofile, Npub, Nsec

from . import FuzzTarget
from .hostile import (
    bech32_from_bytes,
    bech32_from_words,
    bech32_payload,
    bech32_split,
    hostile_text,
    mutated_bytes,
    mutated_text,
    mutated_words,
    weighted,
)
from .protocol_targets import secret_keys

_HEX32 = st.binary(min_size=32, max_size=32).map(bytes.hex)
_RELAYS = st.lists(st.text(max_size=30) | st.sampled_from(["wss://relay.example.com", "ws://127.0.0.1:7"]), max_size=3)
_KINDS = st.integers(0, 2**32 - 1) | st.sampled_from([0, 1, 30023])
_HRPS = st.sampled_from([*nip19.PREFIXES, "ncryptsec", "lnurl", "n", "NPUB"]) | st.text(
    st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=10
)


def entities() -> st.SearchStrategy[nip19.Entity]:
    """Valid NIP-19 entities of every type."""
    return st.one_of(
        st.builds(Npub, _HEX32),
        st.builds(Note, _HEX32),
        st.builds(Nsec, secret_keys()),
        st.builds(Nprofile, _HEX32, _RELAYS.map(tuple)),
        st.builds(Nevent, _HEX32, _RELAYS.map(tuple), st.none() | _HEX32, st.none() | _KINDS),
        st.builds(Naddr, st.text(max_size=20), _HEX32, _KINDS, _RELAYS.map(tuple)),
    )


@st.composite
def nip19_strings(draw: st.DrawFn) -> str:
    """Entity strings: valid, with characters changed, or with words or payload bytes changed under a
    recomputed checksum (so the length checks and the TLV parser see the damage), in any wrapping."""
    valid = nip19.encode(draw(entities()))
    form = draw(st.sampled_from(["valid", "valid", "chars", "words", "bytes", "tlv", "records", "random"]))
    if form == "chars":
        text = draw(mutated_text(valid, st.sampled_from(CHARSET) | st.text(max_size=2)))
    elif form == "words":
        hrp, words = bech32_split(valid)
        text = bech32_from_words(draw(st.just(hrp) | _HRPS), draw(mutated_words(words)))
    elif form in ("bytes", "tlv"):
        hrp, payload = bech32_payload(valid)
        if form == "bytes":
            payload = draw(mutated_bytes(payload))
        else:
            record_type = draw(st.integers(0, 4) | st.integers(0, 255))
            value = draw(st.binary(max_size=40))
            length = draw(st.just(len(value)) | st.integers(0, 255))
            at = draw(st.integers(0, len(payload)))
            payload = payload[:at] + bytes([record_type, length]) + value + payload[at:]
        text = bech32_from_bytes(draw(st.just(hrp) | _HRPS), payload)
    elif form == "records":
        value = st.binary(max_size=40) | st.binary(min_size=32, max_size=32)
        records = draw(st.lists(st.tuples(st.integers(0, 4), value)))
        payload = b"".join(bytes([t, len(v)]) + v for t, v in records)
        text = bech32_from_bytes(draw(st.sampled_from(["nprofile", "nevent", "naddr"]) | _HRPS), payload)
    elif form == "random":
        text = draw(_HRPS) + "1" + draw(st.text(st.sampled_from(CHARSET), max_size=120))
    else:
        text = valid
    wrap = draw(st.sampled_from(["", "", "nostr:", "NOSTR:", "upper", "space"]))
    if wrap == "upper":
        return text.upper()
    if wrap == "space":
        return " \n" + text + "\t"
    return wrap + text


def check_nip19(text: str) -> str:
    """nip19.decode: Nip19Error, or an entity that encodes back to itself."""
    try:
        entity = nip19.decode(text)
    except Nip19Error as exc:
        try:
            nip19.parse_uri(text)
        except Nip19Error:
            pass
        return "rejected:" + exc.reason.split(":")[0]
    assert nip19.decode(nip19.encode(entity)) == entity
    entity.to_json_dict()
    if not isinstance(entity, Nsec):
        assert nip19.parse_uri(nip19.to_uri(entity)) == entity
    return "accepted:" + entity.type


def nip19_target() -> FuzzTarget:
    """The NIP-19 decoder."""
    strategy = weighted((4, nip19_strings()), (1, hostile_text(120)))
    deep = (
        *(f"accepted:{p}" for p in nip19.PREFIXES),
        "rejected:bad checksum",
        "rejected:malformed TLV",
        "rejected:missing required TLV",
        "rejected:wrong length",
        "rejected:not bech32",
        "rejected:unknown prefix",
    )
    return FuzzTarget("nip19", strategy, check_nip19, deep=deep)


# --- NIP-49 -----------------------------------------------------------------------------------

MAX_FUZZ_LOG_N = 8  # a mutated log_n byte may ask for 4 GiB of scrypt: such cases are only decoded
_PASSWORDS = st.text(max_size=20) | st.sampled_from(["", "nostr", "ﬁ", "Å", "A\u030a", "ÅΩẛ̣"])


def _encrypt_raw(raw: bytes, password: str, log_n: int, key_security: int) -> str:
    """An ncryptsec of any 32 bytes, including ones that are not a valid secret key."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(24)
    cipher = ChaCha20_Poly1305.new(key=nip49.symmetric_key(password, salt, log_n), nonce=nonce)
    cipher.update(bytes([key_security]))
    body, tag = cipher.encrypt_and_digest(raw)
    return nip49.Ncryptsec(log_n, salt, nonce, key_security, body + tag).to_bech32()


@st.composite
def nip49_cases(draw: st.DrawFn) -> tuple[str, str, str | None]:
    """(ncryptsec text, password to try, the secret hex it must decrypt to or None when unknown)."""
    password = draw(_PASSWORDS)
    log_n = draw(st.integers(1, 4))
    security = draw(st.sampled_from(sorted(nip49.KEY_SECURITY_VALUES)))
    form = draw(st.sampled_from(["valid", "valid", "chars", "words", "bytes", "header", "bad-key", "random"]))
    if form == "bad-key":
        raw = draw(st.sampled_from([bytes(32), b"\xff" * 32]))
        return _encrypt_raw(raw, password, log_n, security), password, None
    if form == "random":
        body = draw(st.text(st.sampled_from(CHARSET), max_size=170))
        return draw(st.sampled_from(["ncryptsec1", "NCRYPTSEC1", "ncryptsec"])) + body, password, None
    secret = draw(secret_keys())
    valid = nip49.encrypt(secret, password, log_n, security)
    expected: str | None = secret.hex()
    if form == "chars":
        valid = draw(mutated_text(valid, st.sampled_from(CHARSET) | st.text(max_size=2)))
    elif form == "words":
        valid = bech32_from_words(nip49.HRP, draw(mutated_words(bech32_split(valid)[1])))
    elif form == "bytes":
        valid = bech32_from_bytes(nip49.HRP, draw(mutated_bytes(bech32_payload(valid)[1])))
    elif form == "header":
        payload = bytearray(bech32_payload(valid)[1])
        index = draw(st.sampled_from([0, 1, 1, 42]))
        payload[index] = draw(st.integers(0, 255) | st.integers(0, MAX_FUZZ_LOG_N + 1))
        valid = bech32_from_bytes(nip49.HRP, bytes(payload))
    try_password = draw(st.just(password) | hostile_text(20))
    return valid, try_password, expected


def check_nip49(case: tuple[str, str, str | None]) -> str:
    """nip49.decode and decrypt: Nip49Error, or the key that was encrypted."""
    text, password, expected = case
    try:
        enc = nip49.decode(text)
    except nip49.Nip49Error as exc:
        return "rejected:" + exc.reason
    assert nip49.decode(enc.to_bech32()) == enc
    if enc.log_n > MAX_FUZZ_LOG_N:
        return "decoded:log-n too costly to try"
    try:
        secret = nip49.decrypt(text, password)
    except nip49.Nip49Error as exc:
        assert exc.reason != "log-n", f"a small log_n ({enc.log_n}) failed as {exc}"
        return "rejected:" + exc.reason
    if expected is not None:
        assert secret.hex() == expected
    return "decrypted"


def nip49_target() -> FuzzTarget:
    """The NIP-49 decoder and decryption."""
    strategy = weighted((5, nip49_cases()), (1, st.tuples(hostile_text(200), hostile_text(10), st.none())))
    deep = tuple(
        "rejected:" + r
        for r in ("checksum", "version", "damaged", "log-n", "invalid-key", "not-ncryptsec", "wrong-passphrase")
    )
    return FuzzTarget("nip49", strategy, check_nip49, ("decrypted", "rejected"), deep)


# --- content ----------------------------------------------------------------------------------

CONTENT_PIECES = (
    "nostr:",
    "NOSTR:",
    "Nostr:",
    "npub1",
    "note1",
    "nsec1",
    "nevent1",
    "#",
    "##",
    "#1",
    "#_",
    "http://",
    "https://",
    "HTTPS://",
    "://",
    "/",
    "(",
    ")",
    "[",
    "]",
    ".",
    ",",
    "!",
    "?",
    "'",
    '"',
    "*",
    " ",
    "\n",
    "\x00",
    "\x7f",
    "😀",
    "👨‍👩‍👧",
    "e\u0301",
    "\u0301",
    "\u200b",
    "\u202e",
    "\ud800",
    "a",
    "é",
    "1",
    "_",
    "x.com",
    "#nostr",
    " #Bitcoin ",
    "#日本",
    "https://example.com/a_(b)?q=1#frag",
    "http://127.0.0.1:8080/",
)


def _content_pieces() -> st.SearchStrategy[str]:
    references = entities().map(nip19.encode)
    return weighted(
        (4, st.sampled_from(CONTENT_PIECES)),
        (1, hostile_text(6)),
        (1, references.map(lambda s: "nostr:" + s)),
        (1, references),
    )


def check_content(content: str) -> str:
    """tokenize and tags_for_content never raise; tokens join back into the content."""
    tokens = tokenize(content)
    assert "".join(t.text for t in tokens) == content
    for before, after in itertools.pairwise(tokens):
        assert not (isinstance(before, TextToken) and isinstance(after, TextToken))
    for token in tokens:
        assert token.text
        if isinstance(token, HashtagToken):
            assert token.text == "#" + token.tag
        elif isinstance(token, UrlToken):
            assert token.text.lower().startswith(("http://", "https://"))
        elif isinstance(token, ReferenceToken):
            assert not isinstance(token.entity, Nsec)
            assert nip19.decode(token.text) == token.entity
    tags = tags_for_content(content)
    assert all(isinstance(tag, list) and tag and all(isinstance(x, str) for x in tag) for tag in tags)
    assert len({tuple(tag) for tag in tags}) == len(tags)
    kinds = sorted({type(t).__name__.removesuffix("Token") for t in tokens if not isinstance(t, TextToken)})
    return "+".join(kinds) or "text only"


def content_target() -> FuzzTarget:
    """The NIP-27 content tokenizer."""
    strategy: st.SearchStrategy[Any] = st.lists(_content_pieces(), max_size=16).map("".join) | hostile_text(300)
    return FuzzTarget("content", strategy, check_content, ("Reference", "text only"), ("Url", "Hashtag"))
