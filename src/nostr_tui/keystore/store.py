"""The key store: accounts in one private JSON file, secret keys only ever as NIP-49 ncryptsec."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..config import MIN_LOG_N, Config
from ..paths import keys_dir
from ..protocol import nip19, nip49
from ..protocol.keys import SecretKey
from .accounts import Account, AccountsFile, Origin, check_name, parse_accounts
from .errors import (
    AccountExistsError,
    DamagedStoreError,
    KeystoreError,
    NoActiveAccountError,
    PassphraseError,
    ReadOnlyAccountError,
    UnknownAccountError,
    WrongPassphraseError,
)
from .files import (
    ReplaceFn,
    _os_replace,
    atomic_write,
    ensure_private_dir,
    locked,
    loose_permissions,
    remove_stale_temp_files,
)
from .keyinput import parse_key_input
from .passphrase import AskPassphrase

log = logging.getLogger(__name__)

ACCOUNTS_FILE = "accounts.json"
DEFAULT_LOG_N = 16


class KeyStore:
    """Accounts and their encrypted keys in `directory` (0700; `accounts.json` 0600, replaced atomically).

    Nothing here holds a decrypted key beyond the call that needs it; passphrases come from the
    `ask(prompt, confirm)` callback given to each call.
    """

    def __init__(
        self,
        directory: Path,
        *,
        log_n: int = DEFAULT_LOG_N,
        warn: Callable[[str], None] | None = None,
        generate_key: Callable[[], SecretKey] = SecretKey.generate,
        clock: Callable[[], float] = time.time,
        replace: ReplaceFn = _os_replace,
    ) -> None:
        self.directory = directory
        self.log_n = log_n
        self._warn = warn if warn is not None else log.warning
        self._generate_key = generate_key
        self._clock = clock
        self._replace = replace
        self._checked_permissions = False

    @property
    def path(self) -> Path:
        """The accounts file."""
        return self.directory / ACCOUNTS_FILE

    def __repr__(self) -> str:
        return f"KeyStore({str(self.directory)!r})"

    # --- reading -----------------------------------------------------------------------------

    def check_permissions(self) -> list[str]:
        """Warnings (with the chmod to run) for key files or the directory readable by others."""
        return loose_permissions(self.directory)

    def _load(self) -> AccountsFile:
        if not self._checked_permissions:
            self._checked_permissions = True
            for message in self.check_permissions():
                self._warn(message)
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return AccountsFile()
        except OSError as exc:
            raise KeystoreError(f"{self.path}: cannot read ({exc.strerror})") from None
        return parse_accounts(data, str(self.path))

    def accounts(self) -> list[Account]:
        """All accounts, in the order they were added."""
        return list(self._load().accounts)

    def get(self, name: str) -> Account:
        """The account called `name`. Raises UnknownAccountError."""
        account = self._load().find(name)
        if account is None:
            raise UnknownAccountError(f"no account named {name!r}")
        return account

    def active(self) -> Account | None:
        """The active account, or None when none is chosen."""
        doc = self._load()
        return doc.find(doc.active) if doc.active is not None else None

    def active_name(self) -> str:
        """The active account's name. Raises NoActiveAccountError."""
        account = self.active()
        if account is None:
            raise NoActiveAccountError("no active account: add one (keys generate / keys import) or choose one")
        return account.name

    def active_public_key(self) -> str:
        """The active account's hex public key, without any passphrase. Raises NoActiveAccountError."""
        return self.get(self.active_name()).pubkey

    # --- writing -----------------------------------------------------------------------------

    def _save(self, doc: AccountsFile) -> None:
        atomic_write(self.path, doc.to_json(), replace=self._replace)

    @contextlib.contextmanager
    def _editing(self) -> Iterator[AccountsFile]:
        try:
            ensure_private_dir(self.directory)
            with locked(self.directory):
                remove_stale_temp_files(self.directory)
                doc = self._load()
                yield doc
                self._save(doc)
        except OSError as exc:  # disk full, read-only: the old file is still in place (atomic replace)
            raise KeystoreError(
                f"{self.path} cannot be written ({exc.strerror or exc}); nothing was changed"
            ) from None

    def _check_new(self, doc: AccountsFile, name: str, pubkey: str | None) -> None:
        if doc.find(name) is not None:
            raise AccountExistsError(f"an account named {name!r} exists; choose another name")
        if pubkey is not None:
            same = doc.find_pubkey(pubkey)
            if same is not None:
                raise AccountExistsError(f"this key is already the account {same.name!r}")

    @staticmethod
    def _free_name(doc: AccountsFile, name: str | None) -> str:
        """`name` if it can be used in `doc`, else (for None) the first of "default", "account2", ... not taken."""
        if name is not None:
            check_name(name)
            if doc.find(name) is not None:
                raise AccountExistsError(f"an account named {name!r} exists; choose another name")
            return name
        taken = {a.name for a in doc.accounts}
        if "default" not in taken:
            return "default"
        return next(f"account{i}" for i in range(2, len(taken) + 3) if f"account{i}" not in taken)

    def _new_passphrase(self, ask: AskPassphrase, name: str | None) -> str:
        who = f"account {name!r}" if name is not None else "the new account"
        passphrase = ask(f"New passphrase for {who}: ", True)
        if not passphrase:
            raise PassphraseError("an empty passphrase does not protect the key; choose a passphrase")
        return passphrase

    def use(self, name: str) -> Account:
        """Make `name` the active account (no passphrase needed)."""
        with self._editing() as doc:
            account = doc.find(name)
            if account is None:
                raise UnknownAccountError(f"no account named {name!r}")
            doc.active = name
        return account

    def _store_new(self, name: str | None, pubkey: str, ncryptsec: str | None, origin: Origin) -> Account:
        """Add an account; its name (when not given) is chosen under the lock, so two at once both succeed."""
        now = int(self._clock())
        with self._editing() as doc:
            chosen = self._free_name(doc, name)
            self._check_new(doc, chosen, pubkey)
            account = Account(chosen, pubkey, ncryptsec, origin, False, now)
            doc.accounts.append(account)
            if doc.active is None:
                doc.active = account.name
        log.info("account %s added (%s)", account.name, account.origin)
        return account

    def generate(self, name: str | None, ask: AskPassphrase) -> Account:
        """Create an account with a fresh key from the OS's randomness, encrypted with a new passphrase."""
        if name is not None:
            self._free_name(self._load(), name)  # a taken name is refused before the passphrase is asked
        passphrase = self._new_passphrase(ask, name)
        secret = self._generate_key()
        enc = nip49.encrypt(secret, passphrase, self.log_n, nip49.KEY_SECURITY_SECURE)
        return self._store_new(name, secret.public_key, enc, "generated")

    def import_key(self, text: str, name: str | None, ask: AskPassphrase) -> Account:
        """Add an account from an nsec or hex key (encrypted here with a new passphrase), an ncryptsec (kept as
        given unless its scrypt cost is too low: then re-encrypted at the configured cost; its passphrase is
        asked once) or an npub (read-only). The key of a read-only account upgrades it to one that can sign."""
        given = parse_key_input(text)
        doc = self._load()
        if name is not None and doc.find(name) is not None:
            existing = doc.find(name)
            assert existing is not None
            if not (existing.read_only and given.kind != "npub"):
                raise AccountExistsError(f"an account named {name!r} exists; choose another name")
        if given.kind == "npub":
            assert given.pubkey is not None
            if name is not None:
                check_name(name)
            return self._store_new(name, given.pubkey, None, "public")
        if given.kind == "ncryptsec":
            assert given.ncryptsec is not None
            label = name or "the imported key"
            passphrase = ask(f"Passphrase of the ncryptsec for {label!r}: ", False)
            secret = self._decrypt(given.ncryptsec, passphrase, label)
            ncryptsec = self._strong_enough(given.ncryptsec, secret, passphrase)
            return self._add_secret(doc, name, secret.public_key, ncryptsec)
        assert given.secret is not None
        pubkey = given.secret.public_key
        same = doc.find_pubkey(pubkey)
        if same is not None and not same.read_only:
            raise AccountExistsError(f"this key is already the account {same.name!r}")
        passphrase = self._new_passphrase(ask, same.name if same is not None else name)
        # It arrived in clear (pasted or piped), so NIP-49 says: handled insecurely.
        enc = nip49.encrypt(given.secret, passphrase, self.log_n, nip49.KEY_SECURITY_INSECURE)
        return self._add_secret(doc, name, pubkey, enc)

    def _strong_enough(self, ncryptsec: str, secret: SecretKey, passphrase: str) -> str:
        """The ncryptsec to keep: as given, or re-encrypted at the configured cost when its own is too low."""
        stored = nip49.decode(ncryptsec)
        if stored.log_n >= MIN_LOG_N or stored.log_n >= self.log_n:
            return ncryptsec
        self._warn(f"the imported ncryptsec used a weak scrypt cost (log_n = {stored.log_n}); it was re-encrypted "
                   f"with the same passphrase at log_n = {self.log_n}")
        return nip49.encrypt(secret, passphrase, self.log_n, stored.key_security)

    def _add_secret(self, doc: AccountsFile, name: str | None, pubkey: str, ncryptsec: str) -> Account:
        same = doc.find_pubkey(pubkey)
        if same is None:
            return self._store_new(name, pubkey, ncryptsec, "imported")
        if not same.read_only:
            raise AccountExistsError(f"this key is already the account {same.name!r}")
        with self._editing() as current:  # the read-only account of this key can sign from now on
            found = current.find_pubkey(pubkey)
            if found is None or not found.read_only:
                raise KeystoreError(f"account {same.name!r} changed meanwhile; nothing was changed, try again")
            upgraded = found.with_changes(ncryptsec=ncryptsec, origin="imported")
            current.put(upgraded)
        self._warn(f"account {upgraded.name!r} was read-only; with this key it can now sign")
        log.info("account %s upgraded from read-only", upgraded.name)
        return upgraded

    # --- secrets -----------------------------------------------------------------------------

    def _decrypt(self, ncryptsec: str, passphrase: str, name: str, pubkey: str | None = None) -> SecretKey:
        try:
            secret = nip49.decrypt(ncryptsec, passphrase)
        except nip49.Nip49Error as exc:
            if exc.reason == "wrong-passphrase":
                raise WrongPassphraseError(f"wrong passphrase for account {name!r}") from None
            raise DamagedStoreError(f"account {name!r}: its encrypted key is damaged ({exc})") from None
        if pubkey is not None and secret.public_key != pubkey:
            raise DamagedStoreError(f"account {name!r}: the stored key does not match its public key")
        return secret

    def _encrypted(self, name: str) -> Account:
        account = self.get(name)
        if account.ncryptsec is None:
            raise ReadOnlyAccountError(f"account {name!r} is read-only (no secret key): import its key to sign")
        return account

    def secret_key(self, name: str, ask: AskPassphrase) -> SecretKey:
        """Decrypt the account's key. The caller drops it as soon as it is done with it."""
        account = self._encrypted(name)
        assert account.ncryptsec is not None
        passphrase = ask(f"Passphrase for account {name!r}: ", False)
        return self._decrypt(account.ncryptsec, passphrase, name, account.pubkey)

    @contextlib.contextmanager
    def unlocked(self, name: str, ask: AskPassphrase) -> Iterator[SecretKey]:
        """`with store.unlocked(name, ask) as secret:` the decrypted key, only inside the block."""
        secret: SecretKey | None = self.secret_key(name, ask)
        try:
            assert secret is not None
            yield secret
        finally:
            secret = None

    def active_secret_key(self, ask: AskPassphrase) -> SecretKey:
        """The active account's decrypted key. Raises NoActiveAccountError or ReadOnlyAccountError."""
        return self.secret_key(self.active_name(), ask)

    def _mark_exported(self, account: Account, **changes: object) -> None:
        with self._editing() as doc:
            current = doc.find(account.name)
            if current is None or current.ncryptsec != account.ncryptsec:
                raise KeystoreError(f"account {account.name!r} changed meanwhile; try again")
            doc.put(current.with_changes(exported=True, **changes))

    def export_ncryptsec(self, name: str) -> str:
        """The stored ncryptsec (counted as a backup from now on)."""
        account = self._encrypted(name)
        assert account.ncryptsec is not None
        if not account.exported:
            self._mark_exported(account)
        return account.ncryptsec

    def export_nsec(self, name: str, ask: AskPassphrase) -> str:
        """The key as a raw nsec, after its passphrase. The stored ncryptsec is then re-marked as
        handled insecurely (NIP-49 key-security byte 0x00)."""
        account = self._encrypted(name)
        assert account.ncryptsec is not None
        passphrase = ask(f"Passphrase for account {name!r}: ", False)
        secret = self._decrypt(account.ncryptsec, passphrase, name, account.pubkey)
        stored = nip49.decode(account.ncryptsec)
        changes: dict[str, object] = {}
        if stored.key_security != nip49.KEY_SECURITY_INSECURE:
            changes["ncryptsec"] = nip49.encrypt(secret, passphrase, stored.log_n, nip49.KEY_SECURITY_INSECURE)
        self._mark_exported(account, **changes)
        log.info("account %s: nsec exported", name)
        return nip19.nsec_encode(secret)

    def change_passphrase(self, name: str, ask_old: AskPassphrase, ask_new: AskPassphrase) -> None:
        """Re-encrypt the account's key under a new passphrase; the file is replaced atomically, so a
        crash leaves the old one in place. The key-security byte is kept."""
        account = self._encrypted(name)
        assert account.ncryptsec is not None
        secret = self._decrypt(account.ncryptsec, ask_old(f"Current passphrase for {name!r}: ", False), name,
                               account.pubkey)
        security = nip49.decode(account.ncryptsec).key_security
        enc = nip49.encrypt(secret, self._new_passphrase(ask_new, name), self.log_n, security)
        with self._editing() as doc:
            current = doc.find(name)
            if current is None or current.ncryptsec != account.ncryptsec:
                raise KeystoreError(f"account {name!r} changed meanwhile; nothing was changed, try again")
            doc.put(current.with_changes(ncryptsec=enc))
        log.info("account %s: passphrase changed", name)

    def remove(self, name: str) -> Account:
        """Delete the account (its key is gone unless a backup exists: see `Account.has_backup`)."""
        with self._editing() as doc:
            account = doc.find(name)
            if account is None:
                raise UnknownAccountError(f"no account named {name!r}")
            doc.accounts.remove(account)
            if doc.active == name:
                doc.active = None
        log.info("account %s removed", name)
        return account


def open_keystore(config: Config, warn: Callable[[str], None] | None = None) -> KeyStore:
    """The user's key store: `keys/` under the config's data directory, encrypting with `[keys] log_n`."""
    return KeyStore(keys_dir(config.resolved_data_dir()), log_n=config.keys.log_n, warn=warn)
