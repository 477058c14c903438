"""NIP-49: a secret key encrypted with a passphrase (`ncryptsec`): scrypt, XChaCha20-Poly1305, bech32."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Final

from bech32 import CHARSET, bech32_create_checksum, bech32_verify_checksum, convertbits

from .keys import InvalidKeyError, SecretKey

HRP: Final = "ncryptsec"
VERSION: Final = 0x02
PAYLOAD_LEN: Final = 91  # version, log_n, salt 16, nonce 24, key security 1, ciphertext 32 + tag 16

KEY_SECURITY_INSECURE: Final = 0x00  # known to have been handled insecurely (e.g. pasted as nsec)
KEY_SECURITY_SECURE: Final = 0x01  # not known to have been handled insecurely
KEY_SECURITY_UNKNOWN: Final = 0x02  # the client does not track this
KEY_SECURITY_VALUES: Final = frozenset({KEY_SECURITY_INSECURE, KEY_SECURITY_SECURE, KEY_SECURITY_UNKNOWN})

MIN_LOG_N: Final = 1
MAX_LOG_N: Final = 22  # 4 GiB of memory for scrypt; anything above is refused rather than tried
_HASHLIB_MAX_LOG_N: Final = 20  # hashlib.scrypt's maxmem must stay below 2**31


class Nip49Error(ValueError):
    """An ncryptsec that cannot be decoded or decrypted. `reason` is a short code, the message one line.

    Reasons: "not-ncryptsec", "checksum", "version", "damaged", "log-n", "wrong-passphrase", "invalid-key".
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Ncryptsec:
    """The fields of a decoded ncryptsec (no secret in clear here)."""

    log_n: int
    salt: bytes
    nonce: bytes
    key_security: int
    ciphertext: bytes  # 32 bytes of encrypted key followed by the 16-byte Poly1305 tag
    version: int = VERSION

    def payload(self) -> bytes:
        """The 91 bytes that are bech32-encoded."""
        return (
            bytes([self.version, self.log_n])
            + self.salt
            + self.nonce
            + bytes([self.key_security])
            + self.ciphertext
        )

    def to_bech32(self) -> str:
        """The `ncryptsec1...` string."""
        data = convertbits(self.payload(), 8, 5, True)
        assert data is not None
        return HRP + "1" + "".join(CHARSET[d] for d in data + bech32_create_checksum(HRP, data))


def normalize_password(password: str) -> bytes:
    """The password as NIP-49 feeds it to scrypt: Unicode NFKC, UTF-8 encoded."""
    return unicodedata.normalize("NFKC", password).encode("utf-8")


def _scrypt(password: bytes, salt: bytes, log_n: int) -> bytes:
    n = 1 << log_n
    if log_n <= _HASHLIB_MAX_LOG_N:
        return hashlib.scrypt(
            password, salt=salt, n=n, r=8, p=1, dklen=32, maxmem=min(2 * 128 * 8 * n + (1 << 20), 2**31 - 1)
        )
    from Crypto.Protocol.KDF import scrypt as slow_scrypt  # hashlib caps its memory below 2 GiB

    key = slow_scrypt(password, salt, 32, N=n, r=8, p=1)
    assert isinstance(key, bytes)
    return key


def symmetric_key(password: str, salt: bytes, log_n: int) -> bytes:
    """The 32-byte scrypt key (r=8, p=1, N=2**log_n) for a password and salt."""
    if not MIN_LOG_N <= log_n <= MAX_LOG_N:
        raise Nip49Error("log-n", f"log_n must be between {MIN_LOG_N} and {MAX_LOG_N}, got {log_n}")
    try:
        return _scrypt(normalize_password(password), salt, log_n)
    except UnicodeEncodeError:  # a lone surrogate: no passphrase was ever encrypted with it
        raise Nip49Error("wrong-passphrase", "the passphrase is not valid Unicode text") from None
    except (MemoryError, ValueError):
        raise Nip49Error("log-n", f"not enough memory for scrypt with log_n {log_n}") from None


def decode(text: str) -> Ncryptsec:
    """Parse an `ncryptsec1...` string into its fields without decrypting. Raises Nip49Error."""
    text = text.strip()
    if text.lower() != text and text.upper() != text:
        raise Nip49Error("damaged", "ncryptsec mixes upper and lower case")
    text = text.lower()
    if not text.startswith(HRP + "1"):
        raise Nip49Error("not-ncryptsec", "not an ncryptsec (it must start with ncryptsec1)")
    body = text[len(HRP) + 1 :]
    if len(body) < 6 or any(c not in CHARSET for c in body):
        raise Nip49Error("damaged", "ncryptsec is damaged (characters outside bech32)")
    data = [CHARSET.index(c) for c in body]
    if not bech32_verify_checksum(HRP, data):
        raise Nip49Error("checksum", "ncryptsec has a bad checksum (a typo or a truncated copy)")
    raw = convertbits(data[:-6], 5, 8, False)
    if raw is None:
        raise Nip49Error("damaged", "ncryptsec is damaged (bad padding)")
    payload = bytes(raw)
    if payload and payload[0] != VERSION:
        raise Nip49Error("version", f"ncryptsec version {payload[0]} is not supported (only version 2)")
    if len(payload) != PAYLOAD_LEN:
        raise Nip49Error("damaged", f"ncryptsec is damaged ({len(payload)} bytes instead of {PAYLOAD_LEN})")
    log_n = payload[1]
    if not MIN_LOG_N <= log_n <= MAX_LOG_N:
        raise Nip49Error("log-n", f"ncryptsec asks for log_n {log_n}; only {MIN_LOG_N}..{MAX_LOG_N} are accepted")
    key_security = payload[42]
    if key_security not in KEY_SECURITY_VALUES:
        raise Nip49Error("damaged", f"ncryptsec is damaged (unknown key-security byte {key_security})")
    return Ncryptsec(log_n, payload[2:18], payload[18:42], key_security, payload[43:])


def encrypt(
    secret: SecretKey,
    password: str,
    log_n: int = 16,
    key_security: int = KEY_SECURITY_UNKNOWN,
    *,
    salt: bytes | None = None,
    nonce: bytes | None = None,
) -> str:
    """Encrypt a secret key to an `ncryptsec1...` string. Salt and nonce are random unless given."""
    if key_security not in KEY_SECURITY_VALUES:
        raise ValueError("key_security is 0x00, 0x01 or 0x02")
    salt = secrets.token_bytes(16) if salt is None else salt
    nonce = secrets.token_bytes(24) if nonce is None else nonce
    if len(salt) != 16 or len(nonce) != 24:
        raise ValueError("NIP-49 uses a 16-byte salt and a 24-byte nonce")
    key = symmetric_key(password, salt, log_n)
    from Crypto.Cipher import ChaCha20_Poly1305  # imported when used: it costs tens of ms at start-up

    cipher = ChaCha20_Poly1305.new(key=key, nonce=nonce)  # a 24-byte nonce selects XChaCha20
    cipher.update(bytes([key_security]))
    body, tag = cipher.encrypt_and_digest(secret.secret_bytes())
    return Ncryptsec(log_n, salt, nonce, key_security, body + tag).to_bech32()


def decrypt(text: str | Ncryptsec, password: str) -> SecretKey:
    """Decrypt an ncryptsec with its password. Raises Nip49Error (e.g. reason "wrong-passphrase")."""
    enc = decode(text) if isinstance(text, str) else text
    key = symmetric_key(password, enc.salt, enc.log_n)
    from Crypto.Cipher import ChaCha20_Poly1305

    cipher = ChaCha20_Poly1305.new(key=key, nonce=enc.nonce)
    cipher.update(bytes([enc.key_security]))
    try:
        raw = cipher.decrypt_and_verify(enc.ciphertext[:-16], enc.ciphertext[-16:])
    except ValueError:
        raise Nip49Error("wrong-passphrase", "wrong passphrase (the ncryptsec did not decrypt)") from None
    try:
        return SecretKey(bytes(raw))
    except InvalidKeyError:
        raise Nip49Error("invalid-key", "the decrypted key is not a valid secp256k1 secret key") from None
