"""NIP-49 ncryptsec: the official vectors, nostr-sdk both ways, and each failure as its own clear error."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import nostr_sdk
import pytest
from Crypto.Cipher import ChaCha20_Poly1305
from Crypto.Protocol.KDF import scrypt as reference_scrypt
from hypothesis import given, settings
from hypothesis import strategies as st

from nostr_tui.protocol import nip49
from nostr_tui.protocol.keys import SecretKey

VECTORS = Path(__file__).parent / "vectors"
SPEC: dict[str, Any] = json.loads((VECTORS / "nip49.spec.json").read_text("utf-8"))
TOOLS: list[list[Any]] = json.loads((VECTORS / "nip49.nostr-tools.vectors.json").read_text("utf-8"))
SECRET = SecretKey.from_hex("3501454135014541350145413501453fefb02227e449e57cf4d3a3ce05378683")


def test_spec_vector_decrypts_with_default_log_n() -> None:
    vector = SPEC["decrypt"][0]
    enc = nip49.decode(vector["ncryptsec"])
    assert enc.log_n == vector["log_n"] == 16
    assert nip49.decrypt(vector["ncryptsec"], vector["password"]).hex() == vector["secret_key_hex"]


def test_spec_vector_encrypts_back_to_the_same_string_given_its_salt_and_nonce() -> None:
    vector = SPEC["decrypt"][0]
    enc = nip49.decode(vector["ncryptsec"])
    again = nip49.encrypt(
        SecretKey.from_hex(vector["secret_key_hex"]), vector["password"], enc.log_n, enc.key_security,
        salt=enc.salt, nonce=enc.nonce,
    )
    assert again == vector["ncryptsec"]


def test_password_is_nfkc_normalised() -> None:
    case = SPEC["password_nfkc"]
    assert case["input"].encode("utf-8").hex() == case["input_utf8_hex"]
    assert nip49.normalize_password(case["input"]).hex() == case["nfkc_utf8_hex"]
    assert nip49.normalize_password(case["nfkc"]).hex() == case["nfkc_utf8_hex"]


@pytest.mark.parametrize("vector", TOOLS, ids=[f"log_n{v[2]}-ks{v[3]}-{i}" for i, v in enumerate(TOOLS)])
def test_nostr_tools_vectors_decrypt_and_encrypt_deterministically(vector: list[Any]) -> None:
    password, secret_hex, log_n, key_security, ncryptsec = vector
    enc = nip49.decode(ncryptsec)
    assert (enc.log_n, enc.key_security, enc.version) == (log_n, key_security, 2)
    assert nip49.decrypt(ncryptsec, password).hex() == secret_hex
    again = nip49.encrypt(
        SecretKey.from_hex(secret_hex), password, log_n, key_security, salt=enc.salt, nonce=enc.nonce
    )
    assert again == ncryptsec


def test_nfkc_equivalent_passwords_open_the_same_key() -> None:
    composed = next(v for v in TOOLS if v[0] == "ÅΩṩ")
    decomposed_password = "ÅΩẛ̣"
    assert unicodedata.normalize("NFKC", decomposed_password) == composed[0]
    assert nip49.decrypt(composed[4], decomposed_password).hex() == composed[1]


def test_shape_of_an_ncryptsec() -> None:
    text = nip49.encrypt(SECRET, "pw", 4)
    enc = nip49.decode(text)
    assert len(enc.payload()) == 91
    assert text.startswith("ncryptsec1") and len(text) == 162  # longer than bech32's usual 90
    assert enc.key_security == nip49.KEY_SECURITY_UNKNOWN  # the default: the caller did not say
    assert nip49.decode(text.upper()) == enc
    assert nip49.encrypt(SECRET, "pw", 4) != text  # fresh salt and nonce each time


def test_made_here_decrypts_in_nostr_sdk() -> None:
    secret = SecretKey.generate()
    for security, expected in [
        (nip49.KEY_SECURITY_INSECURE, nostr_sdk.KeySecurity.WEAK),
        (nip49.KEY_SECURITY_SECURE, nostr_sdk.KeySecurity.MEDIUM),
        (nip49.KEY_SECURITY_UNKNOWN, nostr_sdk.KeySecurity.UNKNOWN),
    ]:
        text = nip49.encrypt(secret, "correct horse ✓", 5, security)
        theirs = nostr_sdk.EncryptedSecretKey.from_bech32(text)
        assert theirs.key_security() == expected
        assert theirs.decrypt("correct horse ✓").to_hex() == secret.hex()


def test_made_by_nostr_sdk_decrypts_here() -> None:
    theirs = nostr_sdk.SecretKey.generate()
    text = nostr_sdk.EncryptedSecretKey(theirs, "pässwörd", 6, nostr_sdk.KeySecurity.MEDIUM).to_bech32()
    enc = nip49.decode(text)
    assert (enc.log_n, enc.key_security) == (6, nip49.KEY_SECURITY_SECURE)
    assert nip49.decrypt(text, "pässwörd").hex() == theirs.to_hex()


def test_wrong_passphrase() -> None:
    text = nip49.encrypt(SECRET, "right", 4)
    with pytest.raises(nip49.Nip49Error) as err:
        nip49.decrypt(text, "wrong")
    assert err.value.reason == "wrong-passphrase"
    assert "wrong passphrase" in str(err.value)


def _reencode(payload: bytes) -> str:
    return nip49.Ncryptsec(payload[1], payload[2:18], payload[18:42], payload[42], payload[43:],
                           payload[0]).to_bech32()


def _one_letter_upper(text: str) -> str:
    """`text` with its first letter from position 20 on made upper case (a digit has no upper case)."""
    at = next(i for i in range(20, len(text)) if text[i].isalpha())
    return text[:at] + text[at].upper() + text[at + 1:]


def test_altered_key_security_byte_fails_authentication() -> None:
    payload = nip49.decode(nip49.encrypt(SECRET, "pw", 4, nip49.KEY_SECURITY_INSECURE)).payload()
    forged = _reencode(payload[:42] + bytes([nip49.KEY_SECURITY_SECURE]) + payload[43:])
    with pytest.raises(nip49.Nip49Error) as err:
        nip49.decrypt(forged, "pw")
    assert err.value.reason == "wrong-passphrase"


@pytest.mark.parametrize(
    ("make", "reason", "words"),
    [
        (lambda good: "nsec1" + good[10:], "not-ncryptsec", "not an ncryptsec"),
        (lambda good: "hello", "not-ncryptsec", "not an ncryptsec"),
        (lambda good: good[:-1] + ("q" if good[-1] != "q" else "p"), "checksum", "checksum"),
        (lambda good: good[:40] + good[41:], "checksum", "checksum"),
        (lambda good: good[:20] + ("b" if good[20] != "b" else "c") + good[21:], "damaged", "damaged"),
        (lambda good: _one_letter_upper(good), "damaged", "case"),
        (lambda good: _reencode(bytes([3]) + nip49.decode(good).payload()[1:]), "version", "version 3"),
        (lambda good: _reencode(nip49.decode(good).payload()[:-1]), "damaged", "90 bytes"),
        (lambda good: _reencode(nip49.decode(good).payload()[:42] + b"\x07" + nip49.decode(good).payload()[43:]),
         "damaged", "key-security"),
        (lambda good: _reencode(b"\x02\x40" + nip49.decode(good).payload()[2:]), "log-n", "log_n 64"),
    ],
)
def test_each_kind_of_bad_input_has_its_reason(make: Any, reason: str, words: str) -> None:
    good = nip49.encrypt(SECRET, "pw", 4)
    with pytest.raises(nip49.Nip49Error) as err:
        nip49.decrypt(make(good), "pw")
    assert err.value.reason == reason
    assert words in str(err.value)
    assert SECRET.hex() not in str(err.value)


def test_a_decrypted_value_that_is_not_a_valid_scalar_is_refused() -> None:
    salt, nonce = bytes(range(16)), bytes(range(24))
    key = nip49.symmetric_key("pw", salt, 4)
    cipher = ChaCha20_Poly1305.new(key=key, nonce=nonce)
    cipher.update(b"\x02")
    body, tag = cipher.encrypt_and_digest(bytes.fromhex("ff" * 32))  # above the curve order
    text = nip49.Ncryptsec(4, salt, nonce, 2, body + tag).to_bech32()
    with pytest.raises(nip49.Nip49Error) as err:
        nip49.decrypt(text, "pw")
    assert err.value.reason == "invalid-key"


def test_scrypt_matches_an_independent_implementation_and_large_log_n_path() -> None:
    salt = b"s" * 16
    ours = nip49.symmetric_key("ÅΩẛ̣", salt, 10)
    assert ours == reference_scrypt(nip49.normalize_password("ÅΩẛ̣"), salt, 32, N=1024, r=8, p=1)
    assert nip49._scrypt(b"pw", salt, 3) == reference_scrypt(b"pw", salt, 32, N=8, r=8, p=1)
    with pytest.raises(nip49.Nip49Error) as err:
        nip49.symmetric_key("pw", salt, 0)
    assert err.value.reason == "log-n"


def test_error_and_value_reprs_hold_no_secret() -> None:
    text = nip49.encrypt(SECRET, "pw", 4)
    assert SECRET.hex() not in repr(nip49.decode(text))
    assert SECRET.hex() not in repr(nip49.decrypt(text, "pw"))


@settings(max_examples=15, deadline=None)
@given(password=st.text(max_size=20), security=st.sampled_from([0, 1, 2]), seed=st.binary(min_size=32, max_size=32))
def test_round_trip(password: str, security: int, seed: bytes) -> None:
    try:
        secret = SecretKey(seed)
    except ValueError:
        return
    text = nip49.encrypt(secret, password, 2, security)
    assert nip49.decrypt(text, unicodedata.normalize("NFKC", password)) == secret
    assert nip49.decode(text).key_security == security
