"""NIP-44 v2 against the published vectors, the spec's extended-length table, and nostr-sdk."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import nostr_sdk
import pytest

from nostr_tui.protocol import nip44
from nostr_tui.protocol.keys import InvalidKeyError, SecretKey

V2: dict[str, Any] = json.loads((Path(__file__).parent / "vectors" / "nip44.vectors.json").read_text("utf-8"))["v2"]
VALID, INVALID = V2["valid"], V2["invalid"]


@pytest.mark.parametrize("v", VALID["get_conversation_key"])
def test_conversation_key(v: dict[str, str]) -> None:
    assert nip44.conversation_key(SecretKey.from_hex(v["sec1"]), v["pub2"]).hex() == v["conversation_key"]


def test_message_keys() -> None:
    conv = bytes.fromhex(VALID["get_message_keys"]["conversation_key"])
    for v in VALID["get_message_keys"]["keys"]:
        keys = nip44.message_keys(conv, bytes.fromhex(v["nonce"]))
        assert [k.hex() for k in keys] == [v["chacha_key"], v["chacha_nonce"], v["hmac_key"]]


def test_padded_lengths() -> None:
    for unpadded, padded in VALID["calc_padded_len"]:
        assert nip44.padded_len(unpadded) == padded


@pytest.mark.parametrize("v", VALID["encrypt_decrypt"])
def test_encrypt_decrypt(v: dict[str, str]) -> None:
    sec1, sec2 = SecretKey.from_hex(v["sec1"]), SecretKey.from_hex(v["sec2"])
    conv = nip44.conversation_key(sec1, sec2.public_key)
    assert conv.hex() == v["conversation_key"]
    assert nip44.encrypt(v["plaintext"], conv, bytes.fromhex(v["nonce"])) == v["payload"]
    assert nip44.conversation_key(sec2, sec1.public_key) == conv
    assert nip44.decrypt(v["payload"], conv) == v["plaintext"]


@pytest.mark.parametrize("v", VALID["encrypt_decrypt_long_msg"])
def test_long_messages(v: dict[str, Any]) -> None:
    plaintext = v["pattern"] * v["repeat"]
    assert hashlib.sha256(plaintext.encode()).hexdigest() == v["plaintext_sha256"]
    payload = nip44.encrypt(plaintext, bytes.fromhex(v["conversation_key"]), bytes.fromhex(v["nonce"]))
    assert hashlib.sha256(payload.encode()).hexdigest() == v["payload_sha256"]
    assert nip44.decrypt(payload, bytes.fromhex(v["conversation_key"])) == plaintext


# The spec's "Extended length prefix test vectors" table (NIP-44 text; newer than the vectors file,
# which still lists 65536 as an invalid length).
EXTENDED = [
    (65535, "6e1bebca6a8229364a162a72ef064826c4cd7457bf54f190ef782bd9deff3e42",
     "6d8c2810d1e870fbaa1f0a0937126cca837a15f9260e27060c331d70a3c0bc84"),
    (65536, "bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a",
     "b7b4edb36ba92e267d322d56d9aebc22e7fa96ff52e3c12adc07f07a43cbc616"),
    (65537, "008ffc88d3c96a9f307524eb361e47c5222a887fc45fa0c1fb8d429c5c23b430",
     "eeb7c7c5373894ea2c1547cfd3ccb15d5a0b2d619da852e5c79df792dcc9e435"),
]


@pytest.mark.parametrize(("length", "plain_sha", "payload_sha"), EXTENDED)
def test_extended_length_prefix(length: int, plain_sha: str, payload_sha: str) -> None:
    conv = bytes.fromhex("c41c775356fd92eadc63ff5a0dc1da211b268cbea22316767095b2871ea1412d")
    plaintext = "a" * length
    assert hashlib.sha256(plaintext.encode()).hexdigest() == plain_sha
    payload = nip44.encrypt(plaintext, conv, (1).to_bytes(32, "big"))
    assert hashlib.sha256(payload.encode()).hexdigest() == payload_sha
    assert nip44.decrypt(payload, conv) == plaintext


def test_empty_plaintext_is_refused() -> None:
    assert 0 in INVALID["encrypt_msg_lengths"]
    with pytest.raises(nip44.Nip44Error, match="plaintext must be"):
        nip44.encrypt("", bytes(32), bytes(32))


@pytest.mark.parametrize("v", INVALID["get_conversation_key"], ids=lambda v: v["note"])
def test_invalid_conversation_keys(v: dict[str, str]) -> None:
    with pytest.raises((nip44.Nip44Error, InvalidKeyError)):
        nip44.conversation_key(SecretKey.from_hex(v["sec1"]), v["pub2"])


@pytest.mark.parametrize("v", INVALID["decrypt"], ids=lambda v: v["note"])
def test_invalid_payloads(v: dict[str, str]) -> None:
    with pytest.raises(nip44.Nip44Error) as err:
        nip44.decrypt(v["payload"], bytes.fromhex(v["conversation_key"]))
    first_word = v["note"].split()[0]
    assert first_word in str(err.value)


def test_interoperates_with_nostr_sdk() -> None:
    alice, bob = SecretKey.generate(), SecretKey.generate()
    sdk_bob = nostr_sdk.SecretKey.parse(bob.hex())
    sdk_alice_pub = nostr_sdk.PublicKey.parse(alice.public_key)
    ours = nip44.encrypt_to(alice, bob.public_key, "hello ✓ 🦄")
    assert nostr_sdk.nip44_decrypt(sdk_bob, sdk_alice_pub, ours) == "hello ✓ 🦄"
    sdk_alice = nostr_sdk.SecretKey.parse(alice.hex())
    theirs = nostr_sdk.nip44_encrypt(sdk_alice, nostr_sdk.PublicKey.parse(bob.public_key), "back at you",
                                     nostr_sdk.Nip44Version.V2)
    assert nip44.decrypt_from(bob, alice.public_key, theirs) == "back at you"
