"""The client's error types: each message is one line a person can act on, and never holds a secret.

Front ends catch `ClientError`; the subclasses say what kind of trouble it is when a front end wants to
react differently (ask the passphrase again, offer a retry, ...). Errors of the layers below (key store,
store) are translated into these at the client's edge, so nothing above the client needs to know them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..keystore.errors import (
    KeystoreError,
    NoActiveAccountError,
    PassphraseError,
    ReadOnlyAccountError,
    UnknownAccountError,
    WrongPassphraseError,
)
from ..store.errors import StoreError


class ClientError(Exception):
    """Something asked of the client cannot be done; the message says why and what to do."""


class AccountError(ClientError):
    """About accounts and keys: none chosen, unknown, exists, damaged, cannot be written."""


class NoAccountError(AccountError):
    """No account is active."""


class ReadOnlyError(AccountError):
    """The active account has no secret key (an npub only), so it cannot sign."""


class WrongPassphrase(AccountError):
    """The passphrase given does not unlock the key."""


class NoPassphrase(AccountError):
    """No passphrase could be obtained (no terminal, the command failed, the dialog was cancelled)."""


class StorageError(ClientError):
    """The cache or the state file cannot be read or written (full disk, read-only, damaged)."""


class BadReference(ClientError):
    """A note or person reference (note1, nevent1, npub1, hex, nostr: URI) that cannot be read."""


class NotFound(ClientError):
    """What was asked for is neither in the store nor on the relays asked."""


class ListUnavailable(ClientError):
    """A replaceable list (follows, mutes, relays, profile) cannot be changed safely now: a relay that
    should hold it did not answer and no version of it is known. `relays` are the ones that did not answer."""

    def __init__(self, message: str, relays: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.relays = relays


class ListShrinks(ClientError):
    """A change would drop more than the one entry removed, or empty the list; it needs an explicit yes.
    `reason` says what would be lost; the message adds how to say yes on the command line (--force)."""

    def __init__(self, reason: str, *, confirmable: bool = True) -> None:
        super().__init__(f"{reason}; confirm it (--force)" if confirmable else reason)
        self.reason = reason


NO_ACCOUNT_HINT = "no account: add one with `nostr-tui keys generate` or `keys import`"


def translate(exc: Exception) -> ClientError:
    """The client error for an error of the key store or the store (others are returned as ClientError)."""
    if isinstance(exc, ClientError):
        return exc
    text = str(exc)
    if isinstance(exc, WrongPassphraseError):
        return WrongPassphrase(text)
    if isinstance(exc, PassphraseError):
        return NoPassphrase(text)
    if isinstance(exc, ReadOnlyAccountError):
        return ReadOnlyError(text)
    if isinstance(exc, NoActiveAccountError):
        return NoAccountError(text)
    if isinstance(exc, (UnknownAccountError, KeystoreError)):
        return AccountError(text)
    if isinstance(exc, StoreError):
        return StorageError(exc.reason)
    return ClientError(text)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """`with translated():` key store and store errors leave the block as client errors."""
    try:
        yield
    except (KeystoreError, StoreError) as exc:
        raise translate(exc) from None
