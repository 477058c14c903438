"""The one signing interface: sign events, NIP-44 encrypt and decrypt. A local NIP-49 key implements it
today; a remote signer (NIP-46) implements the same protocol later."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..protocol import nip44
from ..protocol.event import Event, sign_event
from ..protocol.keys import SecretKey


@dataclass(frozen=True, slots=True)
class EventTemplate:
    """An event before it is signed: what to say, not who says it (the signer adds pubkey, id and sig)."""

    kind: int
    content: str
    tags: tuple[tuple[str, ...], ...] = ()
    created_at: int | None = None  # None: the time of signing

    @classmethod
    def make(cls, kind: int, content: str, tags: Iterable[Sequence[str]] = (),
             created_at: int | None = None) -> EventTemplate:
        """A template from any iterable of tag sequences."""
        return cls(kind, content, tuple(tuple(t) for t in tags), created_at)


@runtime_checkable
class Signer(Protocol):
    """Signs for one public key. Every method may wait (a passphrase, a remote signer's answer)."""

    @property
    def pubkey(self) -> str:
        """The hex public key it signs for."""
        ...

    @property
    def remote(self) -> bool:
        """True when the key lives elsewhere (a NIP-46 bunker); False for a key held here."""
        ...

    async def sign(self, template: EventTemplate) -> Event:
        """The signed event."""
        ...

    async def nip44_encrypt(self, peer: str, plaintext: str) -> str:
        """A NIP-44 v2 payload only `peer` (hex pubkey) and this key can read."""
        ...

    async def nip44_decrypt(self, peer: str, payload: str) -> str:
        """The plaintext of a NIP-44 payload from (or to) `peer`."""
        ...


UnlockFn = Callable[[], SecretKey]
"""Runs in a worker thread: asks the passphrase and decrypts the key (slow on purpose: scrypt)."""


@dataclass(eq=False)
class LocalSigner:
    """A key kept here, encrypted at rest (NIP-49), decrypted on first use and held only by this object.

    `lock_after` seconds without signing (None: never) drop the decrypted key; the next use asks again.
    Concurrent first uses share one unlock (one passphrase prompt).
    """

    account_pubkey: str
    unlock_fn: UnlockFn = field(repr=False)
    lock_after: float | None = None
    clock: Callable[[], float] = time.monotonic
    _secret: SecretKey | None = field(default=None, repr=False)
    _last_use: float = 0.0
    _unlocking: asyncio.Future[SecretKey] | None = field(default=None, repr=False)

    @property
    def pubkey(self) -> str:
        """The account's public key (known without the passphrase)."""
        return self.account_pubkey

    @property
    def remote(self) -> bool:
        """A local key."""
        return False

    @property
    def unlocked(self) -> bool:
        """True while the decrypted key is held."""
        self._expire()
        return self._secret is not None

    def lock(self) -> None:
        """Forget the decrypted key now."""
        self._secret = None

    def _expire(self) -> None:
        if self._secret is not None and self.lock_after is not None:
            if self.clock() - self._last_use >= self.lock_after:
                self._secret = None

    async def unlock(self) -> None:
        """Decrypt the key if it is not held (asking for the passphrase off the event loop)."""
        await self._key()

    def hold(self, secret: SecretKey) -> None:
        """Keep a key decrypted just now (the account was created this moment), so its first use asks nothing.
        Raises ValueError when it is not this account's key."""
        if secret.public_key != self.account_pubkey:
            raise ValueError("the key is not this account's key")
        self._secret, self._last_use = secret, self.clock()

    async def _key(self) -> SecretKey:
        self._expire()
        if self._secret is not None:
            self._last_use = self.clock()
            return self._secret
        if self._unlocking is None:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[SecretKey] = loop.create_future()
            self._unlocking = future
            try:
                secret = await asyncio.to_thread(self.unlock_fn)
            except BaseException as exc:
                self._unlocking = None
                if not future.done():
                    future.set_exception(exc)
                    future.exception()  # retrieved: the waiters re-raise it themselves
                raise
            self._unlocking = None
            if secret.public_key != self.account_pubkey:
                exc2 = ValueError("the decrypted key is not this account's key")
                future.set_exception(exc2)
                future.exception()
                raise exc2
            self._secret, self._last_use = secret, self.clock()
            future.set_result(secret)
            return secret
        return await asyncio.shield(self._unlocking)

    async def sign(self, template: EventTemplate) -> Event:
        """Sign with the held key (unlocking it first when needed)."""
        secret = await self._key()
        return sign_event(secret, template.kind, template.content, template.tags, template.created_at)

    async def nip44_encrypt(self, peer: str, plaintext: str) -> str:
        """NIP-44 v2 encryption to `peer`."""
        return nip44.encrypt_to(await self._key(), peer, plaintext)

    async def nip44_decrypt(self, peer: str, payload: str) -> str:
        """NIP-44 v2 decryption of a payload exchanged with `peer`."""
        return nip44.decrypt_from(await self._key(), peer, payload)


@dataclass(eq=False)
class KeySigner:
    """A key given in clear for this process only (NOSTR_SECRET_KEY for scripts); never written anywhere."""

    secret: SecretKey = field(repr=False)

    @property
    def pubkey(self) -> str:
        """Its public key."""
        return self.secret.public_key

    @property
    def remote(self) -> bool:
        """A local key."""
        return False

    @property
    def unlocked(self) -> bool:
        """Always: the key was given in clear."""
        return True

    def lock(self) -> None:
        """Nothing to forget: the key came from the environment."""

    async def unlock(self) -> None:
        """Nothing to unlock."""

    async def sign(self, template: EventTemplate) -> Event:
        """Sign at once."""
        return sign_event(self.secret, template.kind, template.content, template.tags, template.created_at)

    async def nip44_encrypt(self, peer: str, plaintext: str) -> str:
        """NIP-44 v2 encryption to `peer`."""
        return nip44.encrypt_to(self.secret, peer, plaintext)

    async def nip44_decrypt(self, peer: str, payload: str) -> str:
        """NIP-44 v2 decryption of a payload exchanged with `peer`."""
        return nip44.decrypt_from(self.secret, peer, payload)
