"""Secret and public keys, BIP-340 Schnorr signatures, through libsecp256k1's bindings."""

from __future__ import annotations

import secrets
from typing import Any

from secp256k1 import ffi, lib, secp256k1_ctx

_CTX: Any = secp256k1_ctx


class InvalidKeyError(ValueError):
    """A key that is not a valid secp256k1 key."""


def _is_hex(s: str, n: int) -> bool:
    if len(s) != n:
        return False
    try:
        bytes.fromhex(s)
    except ValueError:
        return False
    return s == s.lower()


class SecretKey:
    """A secp256k1 secret key. It never shows itself in repr or str; use `.hex()` on purpose."""

    __slots__ = ("__raw", "_keypair", "_pubkey_hex")

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes) or len(raw) != 32:
            raise InvalidKeyError("a secret key is 32 bytes")
        if lib.secp256k1_ec_seckey_verify(_CTX, raw) != 1:
            raise InvalidKeyError("not a valid secp256k1 secret key (zero or not below the curve order)")
        keypair = ffi.new("secp256k1_keypair *")
        if lib.secp256k1_keypair_create(_CTX, keypair, raw) != 1:
            raise InvalidKeyError("not a valid secp256k1 secret key")
        xonly = ffi.new("secp256k1_xonly_pubkey *")
        lib.secp256k1_keypair_xonly_pub(_CTX, xonly, ffi.NULL, keypair)
        out = ffi.new("unsigned char[32]")
        lib.secp256k1_xonly_pubkey_serialize(_CTX, out, xonly)
        self.__raw = raw
        self._keypair = keypair
        self._pubkey_hex = bytes(ffi.buffer(out, 32)).hex()

    @classmethod
    def generate(cls) -> SecretKey:
        """A fresh key from the operating system's randomness."""
        while True:
            try:
                return cls(secrets.token_bytes(32))
            except InvalidKeyError:  # pragma: no cover - probability 2**-128
                continue

    @classmethod
    def from_hex(cls, text: str) -> SecretKey:
        """Parse 64 hex characters."""
        text = text.strip()
        if len(text) != 64:
            raise InvalidKeyError("a hex secret key is 64 hex characters")
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise InvalidKeyError("a hex secret key is 64 hex characters") from None
        return cls(raw)

    def secret_bytes(self) -> bytes:
        """The raw 32 bytes. Only for encryption at rest or an explicit export."""
        return self.__raw

    def hex(self) -> str:
        """The secret as hex. Only for an explicit export."""
        return self.__raw.hex()

    @property
    def public_key(self) -> str:
        """The x-only public key, lower-case hex."""
        return self._pubkey_hex

    def sign(self, msg32: bytes, aux_rand: bytes | None = None) -> bytes:
        """BIP-340 signature of a 32-byte message, with fresh auxiliary randomness unless given."""
        if len(msg32) != 32:
            raise ValueError("Nostr signs 32-byte hashes")
        aux = aux_rand if aux_rand is not None else secrets.token_bytes(32)
        if len(aux) != 32:
            raise ValueError("auxiliary randomness is 32 bytes")
        sig = ffi.new("unsigned char[64]")
        if lib.secp256k1_schnorrsig_sign(_CTX, sig, msg32, self._keypair, aux) != 1:
            raise RuntimeError("signing failed")  # pragma: no cover
        return bytes(ffi.buffer(sig, 64))

    def __repr__(self) -> str:
        return f"SecretKey(public_key={self._pubkey_hex[:16]}..., secret hidden)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a SecretKey cannot be pickled")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretKey) and secrets.compare_digest(self.__raw, other.__raw)

    def __hash__(self) -> int:
        return hash(self._pubkey_hex)


_XONLY_CACHE: dict[bytes, Any] = {}
_XONLY_CACHE_MAX = 50_000


def _parse_xonly(pub: bytes) -> Any | None:
    cached = _XONLY_CACHE.get(pub)
    if cached is not None:
        return cached
    xonly = ffi.new("secp256k1_xonly_pubkey *")
    if lib.secp256k1_xonly_pubkey_parse(_CTX, xonly, pub) != 1:
        return None
    if len(_XONLY_CACHE) >= _XONLY_CACHE_MAX:
        _XONLY_CACHE.clear()
    _XONLY_CACHE[pub] = xonly
    return xonly


def verify(pubkey: bytes, msg: bytes, sig: bytes) -> bool:
    """BIP-340 verification: True when `sig` is `pubkey`'s signature of `msg`. Never raises on bad input."""
    if len(pubkey) != 32 or len(sig) != 64:
        return False
    xonly = _parse_xonly(pubkey)
    if xonly is None:
        return False
    return bool(lib.secp256k1_schnorrsig_verify(_CTX, sig, msg, len(msg), xonly) == 1)


SIGNATURE_INPUT = 128
"""Bytes of one signature check in `verify_many`: x-only public key (32), signed hash (32), signature (64)."""


def verify_many(blob: bytes) -> bytes:
    """BIP-340 verification of many signatures: `blob` holds 128-byte checks (public key, hash, signature);
    the answer holds one byte per check, 1 when valid, else 0. Never raises on bad input."""
    count = len(blob) // SIGNATURE_INPUT
    out = bytearray(count)
    if not count:
        return bytes(out)
    base = ffi.cast("unsigned char *", ffi.from_buffer(blob))
    check = lib.secp256k1_schnorrsig_verify
    for i in range(count):
        at = i * SIGNATURE_INPUT
        xonly = _parse_xonly(blob[at : at + 32])
        if xonly is not None and check(_CTX, base + (at + 64), base + (at + 32), 32, xonly) == 1:
            out[i] = 1
    return bytes(out)


def is_valid_public_key(pubkey_hex: str) -> bool:
    """True when the hex string is a lower-case x-only key on the curve."""
    if not _is_hex(pubkey_hex, 64):
        return False
    return _parse_xonly(bytes.fromhex(pubkey_hex)) is not None


def ecdh_x(secret: SecretKey, pubkey_hex: str) -> bytes:
    """The x coordinate of secret * pubkey (unhashed), as NIP-44 needs it."""
    point = ffi.new("secp256k1_pubkey *")
    compressed = b"\x02" + bytes.fromhex(pubkey_hex)
    if lib.secp256k1_ec_pubkey_parse(_CTX, point, compressed, 33) != 1:
        raise InvalidKeyError("not a valid public key")
    out = ffi.new("unsigned char[32]")

    def _copy_x(output: Any, x32: Any, y32: Any, data: Any) -> int:
        ffi.memmove(output, x32, 32)
        return 1

    hashfp: Any = ffi.callback("int(unsigned char *, unsigned char *, unsigned char *, void *)")(_copy_x)
    if lib.secp256k1_ecdh(_CTX, out, point, secret.secret_bytes(), hashfp, ffi.NULL) != 1:
        raise InvalidKeyError("ECDH failed")
    return bytes(ffi.buffer(out, 32))
