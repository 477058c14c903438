"""Recognise a key given for import: nsec, 64-hex secret, ncryptsec or npub. Errors never echo the input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..protocol import nip19, nip49
from ..protocol.keys import InvalidKeyError, SecretKey
from .errors import InvalidKeyInputError

KeyKind = Literal["secret", "ncryptsec", "npub"]
_EXPECTED = "expected an nsec, a 64-character hex secret key, an ncryptsec or an npub"


@dataclass(frozen=True)
class KeyInput:
    """What was given: a secret key in clear, an encrypted one (kept as given), or a public key only."""

    kind: KeyKind
    secret: SecretKey | None = None  # its repr hides the secret
    ncryptsec: str | None = None
    pubkey: str | None = None


def parse_key_input(text: str) -> KeyInput:
    """Classify and check one key. Raises InvalidKeyInputError with a reason, never with the key."""
    words = text.split()
    if len(words) != 1:
        raise InvalidKeyInputError(f"{_EXPECTED}, one on a line" if words else f"no key given: {_EXPECTED}")
    word = words[0]
    low = word.lower()
    if low.startswith("ncryptsec1"):
        try:
            nip49.decode(word)
        except nip49.Nip49Error as exc:
            raise InvalidKeyInputError(f"cannot import the ncryptsec: {exc}") from None
        return KeyInput("ncryptsec", ncryptsec=low)
    if low.startswith(("nsec1", "npub1", "nostr:npub1")):
        try:
            entity = nip19.decode(word, ("nsec", "npub"))
        except nip19.Nip19Error as exc:
            what = "nsec" if low.startswith("nsec1") else "npub"
            raise InvalidKeyInputError(f"not a valid {what}: {exc.reason}") from None
        if isinstance(entity, nip19.Nsec):
            return KeyInput("secret", secret=entity.secret)
        assert isinstance(entity, nip19.Npub)
        return KeyInput("npub", pubkey=entity.pubkey)
    if len(word) == 64:
        try:
            raw = bytes.fromhex(word)
        except ValueError:
            raise InvalidKeyInputError(f"not valid hex: {_EXPECTED}") from None
        try:
            return KeyInput("secret", secret=SecretKey(raw))
        except InvalidKeyError:
            raise InvalidKeyInputError(
                "not a valid secp256k1 secret key (zero or not below the curve order)"
            ) from None
    raise InvalidKeyInputError(_EXPECTED)
