"""Accounts as stored in `accounts.json`: the value type and its strict (de)serialisation."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..protocol import nip19
from ..protocol.keys import is_valid_public_key
from .errors import DamagedStoreError, KeystoreError

FORMAT_VERSION = 1
Origin = Literal["generated", "imported", "public"]
ORIGINS: tuple[str, ...] = ("generated", "imported", "public")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_name(name: str) -> str:
    """`name` if it is a usable account name (1-64 of letters, digits, `.`, `_`, `-`), else KeystoreError."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise KeystoreError(
            "an account name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class Account:
    """One identity: a name, a public key, and its NIP-49 encrypted secret key unless read-only.

    `origin` says where the key came from: "generated" here, "imported" from elsewhere (so a copy exists
    there), or "public" (only an npub was imported). `exported` is true once its ncryptsec or nsec was shown.
    """

    name: str
    pubkey: str
    ncryptsec: str | None = field(default=None, repr=False)
    origin: Origin = "generated"
    exported: bool = False
    created_at: int = 0

    @property
    def read_only(self) -> bool:
        """True when there is no secret key: the account can read but not sign."""
        return self.ncryptsec is None

    @property
    def npub(self) -> str:
        """The public key as an npub."""
        return nip19.npub_encode(self.pubkey)

    @property
    def has_backup(self) -> bool:
        """True when a copy of the secret key should exist elsewhere (imported, or exported once)."""
        return self.origin != "generated" or self.exported

    def with_changes(self, **changes: Any) -> Account:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object stored in the accounts file."""
        return {
            "name": self.name,
            "pubkey": self.pubkey,
            "ncryptsec": self.ncryptsec,
            "origin": self.origin,
            "exported": self.exported,
            "created_at": self.created_at,
        }


@dataclass
class AccountsFile:
    """The whole accounts file: the accounts in order and the active account's name."""

    accounts: list[Account] = field(default_factory=list)
    active: str | None = None

    def find(self, name: str) -> Account | None:
        """The account called `name`, or None."""
        return next((a for a in self.accounts if a.name == name), None)

    def find_pubkey(self, pubkey: str) -> Account | None:
        """The account holding this public key, or None."""
        return next((a for a in self.accounts if a.pubkey == pubkey), None)

    def put(self, account: Account) -> None:
        """Replace the account of the same name, or append it."""
        for i, a in enumerate(self.accounts):
            if a.name == account.name:
                self.accounts[i] = account
                return
        self.accounts.append(account)

    def to_json(self) -> bytes:
        """The file's bytes."""
        doc = {"version": FORMAT_VERSION, "active": self.active, "accounts": [a.to_dict() for a in self.accounts]}
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _damaged(where: str, why: str) -> DamagedStoreError:
    return DamagedStoreError(f"{where} is damaged ({why}); it was left as it is: restore it from a backup")


def _account(obj: object, where: str, i: int) -> Account:
    if not isinstance(obj, dict):
        raise _damaged(where, f"account {i} is not an object")
    name = obj.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _damaged(where, f"account {i} has no valid name")
    pubkey = obj.get("pubkey")
    if not isinstance(pubkey, str) or not is_valid_public_key(pubkey):
        raise _damaged(where, f"account {name!r} has no valid public key")
    ncryptsec = obj.get("ncryptsec")
    if ncryptsec is not None and not isinstance(ncryptsec, str):
        raise _damaged(where, f"account {name!r} has a key that is not a string")
    origin = obj.get("origin", "imported")
    if origin not in ORIGINS:
        raise _damaged(where, f"account {name!r} has an unknown origin")
    exported = obj.get("exported", False)
    created_at = obj.get("created_at", 0)
    if not isinstance(exported, bool) or not isinstance(created_at, int) or isinstance(created_at, bool):
        raise _damaged(where, f"account {name!r} has a wrong field type")
    return Account(name, pubkey, ncryptsec, origin, exported, created_at)


def parse_accounts(data: bytes, where: str) -> AccountsFile:
    """Read the accounts file's bytes. Raises DamagedStoreError naming `where` and what is wrong."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _damaged(where, "not valid JSON") from None
    if not isinstance(doc, dict):
        raise _damaged(where, "not a JSON object")
    if doc.get("version") != FORMAT_VERSION:
        raise DamagedStoreError(f"{where}: unsupported accounts file version {doc.get('version')!r}")
    raw_accounts = doc.get("accounts")
    if not isinstance(raw_accounts, list):
        raise _damaged(where, "no list of accounts")
    accounts = [_account(obj, where, i) for i, obj in enumerate(raw_accounts)]
    names = [a.name for a in accounts]
    if len(set(names)) != len(names):
        raise _damaged(where, "two accounts have the same name")
    active = doc.get("active")
    if active is not None and active not in names:
        raise _damaged(where, "the active account does not exist")
    return AccountsFile(accounts, active)
