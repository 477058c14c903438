"""NIP-44 version 2: encrypted payloads between two keys (ECDH, HKDF-SHA256, ChaCha20, HMAC-SHA256)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import Final

from .keys import InvalidKeyError, SecretKey, ecdh_x, is_valid_public_key

VERSION: Final = 2
MIN_PLAINTEXT: Final = 1
MAX_PLAINTEXT: Final = 0xFFFFFFFF
EXTENDED_PREFIX_THRESHOLD: Final = 65536
DEFAULT_MAX_PAYLOAD: Final = 8 * 1024 * 1024  # base64 characters accepted by decrypt unless told otherwise
_SALT: Final = b"nip44-v2"


class Nip44Error(ValueError):
    """A payload that cannot be encrypted or decrypted; the message says why (never the plaintext)."""


def conversation_key(secret: SecretKey, pubkey_hex: str) -> bytes:
    """The 32-byte key shared by `secret`'s owner and `pubkey_hex`'s (the same from either side)."""
    if not is_valid_public_key(pubkey_hex):
        raise Nip44Error("not a valid public key")
    try:
        shared_x = ecdh_x(secret, pubkey_hex)
    except InvalidKeyError:
        raise Nip44Error("not a valid public key") from None
    return hmac.digest(_SALT, shared_x, hashlib.sha256)  # HKDF-extract(salt, IKM)


def message_keys(conv_key: bytes, nonce: bytes) -> tuple[bytes, bytes, bytes]:
    """ChaCha20 key, ChaCha20 nonce and HMAC key for one message (HKDF-expand to 76 bytes)."""
    if len(conv_key) != 32:
        raise Nip44Error("conversation key must be 32 bytes")
    if len(nonce) != 32:
        raise Nip44Error("nonce must be 32 bytes")
    out = b""
    block = b""
    counter = 1
    while len(out) < 76:
        block = hmac.digest(conv_key, block + nonce + bytes([counter]), hashlib.sha256)
        out += block
        counter += 1
    return out[0:32], out[32:44], out[44:76]


def padded_len(unpadded: int) -> int:
    """The padded size of a plaintext of `unpadded` bytes (without the length prefix)."""
    if unpadded <= 32:
        return 32
    next_power = 1 << (unpadded - 1).bit_length()
    chunk = 32 if next_power <= 256 else next_power // 8
    return chunk * ((unpadded - 1) // chunk + 1)


def _pad(plaintext: bytes) -> bytes:
    n = len(plaintext)
    if not MIN_PLAINTEXT <= n <= MAX_PLAINTEXT:
        raise Nip44Error(f"plaintext must be 1 to {MAX_PLAINTEXT} bytes, got {n}")
    prefix = b"\x00\x00" + n.to_bytes(4, "big") if n >= EXTENDED_PREFIX_THRESHOLD else n.to_bytes(2, "big")
    return prefix + plaintext + bytes(padded_len(n) - n)


def _unpad(padded: bytes) -> bytes:
    first = int.from_bytes(padded[0:2], "big")
    if first == 0:
        n = int.from_bytes(padded[2:6], "big")
        if n < EXTENDED_PREFIX_THRESHOLD:
            raise Nip44Error("invalid padding")
        start = 6
    else:
        n, start = first, 2
    body = padded[start : start + n]
    if n == 0 or len(body) != n or len(padded) != start + padded_len(n):
        raise Nip44Error("invalid padding")
    return body


def encrypt(plaintext: str, conv_key: bytes, nonce: bytes | None = None) -> str:
    """The base64 payload of `plaintext` for a conversation key; the nonce is random unless given."""
    nonce = secrets.token_bytes(32) if nonce is None else nonce
    chacha_key, chacha_nonce, hmac_key = message_keys(conv_key, nonce)
    from Crypto.Cipher import ChaCha20  # imported when used: it costs tens of ms at start-up

    ciphertext = ChaCha20.new(key=chacha_key, nonce=chacha_nonce).encrypt(_pad(plaintext.encode("utf-8")))
    mac = hmac.digest(hmac_key, nonce + ciphertext, hashlib.sha256)
    return base64.b64encode(bytes([VERSION]) + nonce + ciphertext + mac).decode("ascii")


def decrypt(payload: str, conv_key: bytes, max_payload: int = DEFAULT_MAX_PAYLOAD) -> str:
    """The plaintext of a payload. Raises Nip44Error (unknown version, bad MAC, bad padding, too long)."""
    if payload[:1] == "#":
        raise Nip44Error("unknown encryption version")
    if len(payload) < 132 or len(payload) > max_payload:
        raise Nip44Error(f"invalid payload length: {len(payload)}")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise Nip44Error("invalid base64") from None
    if len(data) < 99:
        raise Nip44Error(f"invalid data length: {len(data)}")
    if data[0] != VERSION:
        raise Nip44Error(f"unknown encryption version {data[0]}")
    nonce, ciphertext, mac = data[1:33], data[33:-32], data[-32:]
    chacha_key, chacha_nonce, hmac_key = message_keys(conv_key, nonce)
    if not hmac.compare_digest(hmac.digest(hmac_key, nonce + ciphertext, hashlib.sha256), mac):
        raise Nip44Error("invalid MAC")
    from Crypto.Cipher import ChaCha20

    padded = ChaCha20.new(key=chacha_key, nonce=chacha_nonce).decrypt(ciphertext)
    try:
        return _unpad(padded).decode("utf-8")
    except UnicodeDecodeError:
        raise Nip44Error("plaintext is not UTF-8") from None


def encrypt_to(secret: SecretKey, pubkey_hex: str, plaintext: str) -> str:
    """Encrypt `plaintext` from `secret`'s owner to `pubkey_hex`."""
    return encrypt(plaintext, conversation_key(secret, pubkey_hex))


def decrypt_from(secret: SecretKey, pubkey_hex: str, payload: str) -> str:
    """Decrypt a payload that `pubkey_hex` sent to `secret`'s owner."""
    return decrypt(payload, conversation_key(secret, pubkey_hex))
