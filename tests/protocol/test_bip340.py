"""BIP-340 official vectors through SecretKey.sign and verify."""

from __future__ import annotations

import csv

import pytest

from nostr_tui.protocol.keys import InvalidKeyError, SecretKey, verify

from ._support import VECTORS

with open(VECTORS / "bip340-test-vectors.csv", newline="", encoding="utf-8") as _f:
    ROWS = list(csv.DictReader(_f))


def test_vector_file_is_complete() -> None:
    assert len(ROWS) == 19
    assert sum(1 for r in ROWS if r["secret key"]) == 8


SIGNING = [r for r in ROWS if r["secret key"]]


@pytest.mark.parametrize("row", SIGNING, ids=lambda r: f"vector{r['index']}")
def test_public_key_and_signature(row: dict[str, str]) -> None:
    key = SecretKey(bytes.fromhex(row["secret key"]))
    assert key.public_key == row["public key"].lower()
    msg = bytes.fromhex(row["message"])
    if len(msg) == 32:
        sig = key.sign(msg, bytes.fromhex(row["aux_rand"]))
        assert sig.hex() == row["signature"].lower()
    else:
        # Nostr only ever signs 32-byte hashes; other lengths are refused, and verified only.
        with pytest.raises(ValueError, match="32-byte"):
            key.sign(msg, bytes.fromhex(row["aux_rand"]))


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"vector{r['index']}")
def test_verify(row: dict[str, str]) -> None:
    expected = row["verification result"] == "TRUE"
    ok = verify(bytes.fromhex(row["public key"]), bytes.fromhex(row["message"]), bytes.fromhex(row["signature"]))
    assert ok is expected, row["comment"]


def test_fresh_aux_randomness_gives_different_valid_signatures() -> None:
    key = SecretKey.generate()
    msg = bytes(range(32))
    a, b = key.sign(msg), key.sign(msg)
    assert a != b
    assert verify(bytes.fromhex(key.public_key), msg, a) and verify(bytes.fromhex(key.public_key), msg, b)


def test_verify_never_raises_on_bad_lengths() -> None:
    assert verify(b"\x01" * 31, b"\x00" * 32, b"\x00" * 64) is False
    assert verify(b"\x01" * 32, b"\x00" * 32, b"\x00" * 63) is False


@pytest.mark.parametrize(
    "raw",
    [b"\x00" * 32, bytes.fromhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"), b"\x01" * 31],
)
def test_invalid_secret_keys_are_refused(raw: bytes) -> None:
    with pytest.raises(InvalidKeyError):
        SecretKey(raw)


def test_secret_key_never_shows_itself() -> None:
    from nostr_tui.protocol.nip19 import nsec_encode

    key = SecretKey.from_hex("67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa")
    for shown in (repr(key), str(key), f"{key}", repr([key]), repr({"k": key})):
        assert key.hex() not in shown
        assert key.hex().upper() not in shown
        assert nsec_encode(key) not in shown
        assert nsec_encode(key)[5:] not in shown
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(key)
