"""Errors of the key store: each message is one line a person can act on, and never holds a secret."""

from __future__ import annotations


class KeystoreError(Exception):
    """Base class: something about accounts or keys went wrong. Nothing was written."""


class UnknownAccountError(KeystoreError):
    """No account has that name."""


class NoActiveAccountError(KeystoreError):
    """No account is chosen (none exist, or the active one was removed)."""


class AccountExistsError(KeystoreError):
    """An account with that name or that key already exists."""


class ReadOnlyAccountError(KeystoreError):
    """The account has only a public key, so it cannot sign or decrypt."""


class WrongPassphraseError(KeystoreError):
    """The passphrase does not decrypt the account's key."""


class DamagedStoreError(KeystoreError):
    """The accounts file (or a key in it) cannot be read as written; it is left as it is."""


class InvalidKeyInputError(KeystoreError):
    """Text given to import is not an nsec, hex secret key, ncryptsec or npub, or not a valid key."""


class PassphraseError(KeystoreError):
    """No passphrase could be obtained (no terminal, the command failed, entries did not match)."""
