"""Accounts and secret keys at rest (NIP-49 ncryptsec), private files, passphrase sources."""

from __future__ import annotations

from .accounts import Account
from .errors import (
    AccountExistsError,
    DamagedStoreError,
    InvalidKeyInputError,
    KeystoreError,
    NoActiveAccountError,
    PassphraseError,
    ReadOnlyAccountError,
    UnknownAccountError,
    WrongPassphraseError,
)
from .passphrase import AskPassphrase, new_passphrase_source, passphrase_source, tty_prompt
from .store import KeyStore, open_keystore

__all__ = [
    "Account",
    "AccountExistsError",
    "AskPassphrase",
    "DamagedStoreError",
    "InvalidKeyInputError",
    "KeyStore",
    "KeystoreError",
    "NoActiveAccountError",
    "PassphraseError",
    "ReadOnlyAccountError",
    "UnknownAccountError",
    "WrongPassphraseError",
    "new_passphrase_source",
    "open_keystore",
    "passphrase_source",
    "tty_prompt",
]
