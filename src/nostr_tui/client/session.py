"""The session: accounts, the active one and its signer, and where passphrases come from.

The passphrase source is the same for every front end: `NOSTR_TUI_PASSPHRASE`, else `[keys]
passphrase_command`, else the front end's own prompt (the terminal for the command line, a modal in the
TUI). The decrypted key lives only inside the active account's signer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from .. import environment
from ..config import KeysConfig
from ..keystore.accounts import Account
from ..keystore.passphrase import AskPassphrase, new_passphrase_source, passphrase_source, tty_prompt
from ..keystore.store import KeyStore
from ..protocol import nip19
from ..protocol.event import Event
from ..protocol.keys import InvalidKeyError, SecretKey
from .errors import NO_ACCOUNT_HINT, NoAccountError, ReadOnlyError, translated
from .events import AccountChanged, Notifications
from .signer import EventTemplate, KeySigner, LocalSigner, Signer

SECRET_ENV = "NOSTR_SECRET_KEY"


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """One account as front ends show it (never its key)."""

    name: str
    pubkey: str
    read_only: bool
    active: bool
    has_backup: bool
    origin: str

    @property
    def npub(self) -> str:
        """The public key as an npub."""
        return nip19.npub_encode(self.pubkey)


SwitchListener = Callable[["AccountInfo | None"], Awaitable[None]]


def secret_from_environ(environ: Mapping[str, str]) -> SecretKey | None:
    """The key in NOSTR_SECRET_KEY (nsec or hex), or None when unset. Raises ValueError when malformed."""
    text = environ.get(SECRET_ENV, "").strip()
    if not text:
        return None
    try:
        return nip19.nsec_decode(text) if text.startswith("nsec1") else SecretKey.from_hex(text)
    except (nip19.Nip19Error, InvalidKeyError):
        raise ValueError(f"{SECRET_ENV} is not a valid nsec or 64-character hex secret key") from None


class Session:
    """Accounts in the key store, the active account, its signer; switching tells the listeners.

    `prompt` is the front end's way to ask a person (terminal or modal); `passphrase`, when given,
    replaces the whole source (the demo's throwaway key). With `env_key`, a key in NOSTR_SECRET_KEY signs
    instead of the active account (for scripts).
    """

    def __init__(
        self,
        keystore: KeyStore,
        keys: KeysConfig,
        notifications: Notifications,
        *,
        environ: Mapping[str, str] | None = None,
        prompt: AskPassphrase | None = None,
        passphrase: AskPassphrase | None = None,
        env_key: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keystore = keystore
        self._keys = keys
        self._notes = notifications
        self._clock = clock
        env = environment.environ() if environ is None else environ
        self._environ = env
        self._prompt = prompt or tty_prompt
        self._ask: AskPassphrase = passphrase or passphrase_source(keys, env, self._prompt)
        self._new: AskPassphrase = passphrase or new_passphrase_source(env, self._prompt)
        self._env_key = env_key
        self._signer: Signer | None = None
        self._signer_for: str | None = None
        self._listeners: list[SwitchListener] = []
        self._loaded: Account | None = None
        self._read = False  # the key store is read on first use, not when the client is made

    def __repr__(self) -> str:
        return f"Session(account={self.account_name!r})"

    # -- reading -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the active account from the key store again."""
        with translated():
            self._loaded = self._keystore.active()
        self._read = True
        if self._signer_for not in ("env", self._loaded.pubkey if self._loaded else None):
            self._drop_signer()

    @property
    def _active(self) -> Account | None:
        if not self._read:
            self.reload()
        return self._loaded

    @property
    def pubkey(self) -> str | None:
        """The public key of whoever signs: NOSTR_SECRET_KEY's (with env_key), else the active account's."""
        env = self._env_signer()
        if env is not None:
            return env.pubkey
        return self._active.pubkey if self._active else None

    @property
    def account_name(self) -> str | None:
        """The active account's name."""
        return self._active.name if self._active else None

    @property
    def read_only(self) -> bool:
        """True when nothing can sign (no account, or an npub-only account)."""
        if self._env_signer() is not None:
            return False
        return self._active is None or self._active.read_only

    @property
    def active(self) -> AccountInfo | None:
        """The active account."""
        return self._info(self._active, self._active.name if self._active else None) if self._active else None

    def accounts(self) -> list[AccountInfo]:
        """Every account, in the order added."""
        with translated():
            accounts = self._keystore.accounts()
        active = self.account_name
        return [self._info(a, active) for a in accounts]

    def account(self, name: str) -> AccountInfo:
        """One account by name. Raises AccountError."""
        with translated():
            return self._info(self._keystore.get(name), self.account_name)

    @staticmethod
    def _info(account: Account, active: str | None) -> AccountInfo:
        return AccountInfo(account.name, account.pubkey, account.read_only, account.name == active,
                           account.has_backup, account.origin)

    # -- changing accounts ---------------------------------------------------------------------

    def on_switch(self, listener: SwitchListener) -> None:
        """Call `listener(account)` after the active account changed."""
        self._listeners.append(listener)

    async def _switched(self) -> None:
        self.reload()
        info = self.active
        for listener in self._listeners:
            await listener(info)
        self._notes.put(AccountChanged(info))

    async def generate(self, name: str | None = None) -> AccountInfo:
        """A new account with a fresh key, encrypted with a new passphrase; it becomes active if none was."""
        with translated():
            account = await asyncio.to_thread(self._keystore.generate, name, self._ask)
        return await self._added(account)

    async def import_key(self, text: str, name: str | None = None) -> AccountInfo:
        """An account from an nsec, hex key, ncryptsec or npub (never stored unencrypted)."""
        with translated():
            account = await asyncio.to_thread(self._keystore.import_key, text, name, self._ask)
        return await self._added(account)

    async def _added(self, account: Account) -> AccountInfo:
        before = self._active.name if self._active else None
        self.reload()
        if before != self.account_name:
            await self._switched()
        return self._info(account, self.account_name)

    async def use(self, name: str) -> AccountInfo:
        """Make `name` the active account; the listeners (lists, feeds) follow it."""
        with translated():
            await asyncio.to_thread(self._keystore.use, name)
        await self._switched()
        info = self.active
        assert info is not None
        return info

    async def remove(self, name: str) -> AccountInfo:
        """Delete an account (its key is gone unless a backup exists: `has_backup`)."""
        with translated():
            account = await asyncio.to_thread(self._keystore.remove, name)
        was_active = name == self.account_name
        self.reload()
        if was_active:
            await self._switched()
        return self._info(account, None)

    async def export_ncryptsec(self, name: str | None = None) -> str:
        """The stored encrypted key (counted as a backup from now on)."""
        with translated():
            return await asyncio.to_thread(self._keystore.export_ncryptsec, self._name(name))

    async def export_nsec(self, name: str | None = None) -> str:
        """The raw nsec, after the passphrase."""
        with translated():
            return await asyncio.to_thread(self._keystore.export_nsec, self._name(name), self._ask)

    async def change_passphrase(self, name: str | None = None) -> None:
        """Re-encrypt an account's key under a new passphrase (NOSTR_TUI_NEW_PASSPHRASE or the prompt)."""
        target = self._name(name)
        with translated():
            await asyncio.to_thread(self._keystore.change_passphrase, target, self._ask, self._new)
        if target == self.account_name:
            self._drop_signer()

    def _name(self, name: str | None) -> str:
        if name is not None:
            return name
        if self._active is None:
            raise NoAccountError(NO_ACCOUNT_HINT)
        return self._active.name

    # -- signing -------------------------------------------------------------------------------

    def _env_signer(self) -> Signer | None:
        if not self._env_key:
            return None
        if self._signer is None or self._signer_for != "env":
            try:
                secret = secret_from_environ(self._environ)
            except ValueError as exc:
                raise ReadOnlyError(str(exc)) from None
            if secret is None:
                return None
            self._signer, self._signer_for = KeySigner(secret), "env"
        return self._signer

    def _drop_signer(self) -> None:
        signer = self._signer
        if isinstance(signer, (LocalSigner, KeySigner)):
            signer.lock()
        self._signer, self._signer_for = None, None

    def signer(self) -> Signer:
        """Who signs now. Raises NoAccountError or ReadOnlyError before any passphrase is asked."""
        env = self._env_signer()
        if env is not None:
            return env
        account = self._active
        if account is None:
            if self._env_key:
                raise NoAccountError(f"no secret key: set {SECRET_ENV} or add an account (nostr-tui keys generate, "
                                     "or keys import) or choose one (keys use NAME)")
            raise NoAccountError(NO_ACCOUNT_HINT)
        if account.read_only:
            raise ReadOnlyError("this account has no key (read-only): log in with a key to post or reply")
        if self._signer is None or self._signer_for != account.pubkey:
            self._drop_signer()
            name = account.name

            def unlock() -> SecretKey:
                with translated():
                    return self._keystore.secret_key(name, self._ask)

            self._signer = LocalSigner(account.pubkey, unlock, self._keys.lock_after, self._clock)
            self._signer_for = account.pubkey
        return self._signer

    async def unlock(self) -> None:
        """Make sure the signer can sign (asks for the passphrase once, off the event loop)."""
        signer = self.signer()
        if isinstance(signer, (LocalSigner, KeySigner)):
            with translated():
                await signer.unlock()

    async def sign(self, template: EventTemplate) -> Event:
        """Sign with the active signer."""
        signer = self.signer()
        with translated():
            return await signer.sign(template)

    def close(self) -> None:
        """Forget every decrypted key."""
        self._drop_signer()
