"""`nostr-tui keys ...`: accounts and their encrypted keys. Keys are read from stdin or a prompt, never argv."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from ..keystore import (
    Account,
    AskPassphrase,
    KeyStore,
    KeystoreError,
    NoActiveAccountError,
    new_passphrase_source,
    open_keystore,
    passphrase_source,
)
from ..keystore.passphrase import TTY_PATH, has_tty
from ..protocol.keys import SecretKey
from . import protocol_cmds
from .common import CliError, config_from_args, print_json, warn

KEY_PROMPT = "Key (nsec, hex secret key, ncryptsec or npub; not shown): "
NO_ACTIVE_HINT = "add an account (nostr-tui keys generate, or keys import) or choose one (keys use NAME)"
NSEC_WARNING = (
    "this is the secret key in clear: whoever sees it controls this identity for good. "
    "Store it offline; never paste it into a website or a message."
)


def _store(args: argparse.Namespace) -> tuple[KeyStore, AskPassphrase]:
    config = config_from_args(args)
    return open_keystore(config, warn=warn), passphrase_source(config.keys, os.environ)


def _account_json(account: Account, active: str | None) -> dict[str, Any]:
    return {
        "name": account.name,
        "npub": account.npub,
        "read_only": account.read_only,
        "active": account.name == active,
    }


def _active_name(store: KeyStore) -> str | None:
    account = store.active()
    return account.name if account is not None else None


def _read_key_text() -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        return sys.stdin.read()
    if not has_tty():
        raise CliError("no key given: pipe an nsec, hex secret key, ncryptsec or npub into stdin")
    try:
        return getpass.getpass(KEY_PROMPT)
    except EOFError:
        raise CliError("no key entered") from None


def _confirm(question: str) -> bool:
    try:
        with open(TTY_PATH, "r+", encoding="utf-8") as tty:
            tty.write(question)
            tty.flush()
            return tty.readline().strip().lower() in ("y", "yes")
    except OSError:
        return False


def _backup_note(account: Account) -> str:
    if account.read_only:
        return f"account {account.name!r} is read-only: no secret key is lost by removing it"
    if account.has_backup:
        how = "was imported from elsewhere" if account.origin == "imported" else "was exported"
        return f"account {account.name!r}: its key {how}, so a backup should exist outside nostr-tui"
    return (
        f"account {account.name!r}: its key was generated here and never exported, so there is NO backup; "
        f"removing it loses this identity for good (back it up first: nostr-tui keys export "
        f"{account.name} --ncryptsec)"
    )


def _cmd_generate(args: argparse.Namespace) -> int:
    store, ask = _store(args)
    account = store.generate(args.name, ask)
    print_json(_account_json(account, _active_name(store)))
    warn(f"the new key exists only here; back it up: nostr-tui keys export {account.name} --ncryptsec")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    store, ask = _store(args)
    store.accounts()  # a damaged accounts file is reported before the key is asked for
    account = store.import_key(_read_key_text(), args.name, ask)
    print_json(_account_json(account, _active_name(store)))
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    store, _ = _store(args)
    active = _active_name(store)
    for account in store.accounts():
        print_json(_account_json(account, active))
    return 0


def _cmd_use(args: argparse.Namespace) -> int:
    store, _ = _store(args)
    account = store.use(args.name)
    print_json(_account_json(account, account.name))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    store, ask = _store(args)
    name = args.name if args.name is not None else store.active_name()
    if args.nsec:
        nsec = store.export_nsec(name, ask)
        warn(NSEC_WARNING)
        print_json({"name": name, "nsec": nsec})
    elif args.ncryptsec:
        print_json({"name": name, "ncryptsec": store.export_ncryptsec(name)})
    else:
        print_json({"name": name, "npub": store.get(name).npub})
    return 0


def _cmd_passwd(args: argparse.Namespace) -> int:
    store, ask = _store(args)
    name = args.name if args.name is not None else store.active_name()
    store.change_passphrase(name, ask, new_passphrase_source(os.environ))
    print_json({"name": name, "passphrase_changed": True})
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    store, _ = _store(args)
    account = store.get(args.name)
    note = _backup_note(account)
    warn(note)
    if not args.yes:
        if not has_tty():
            raise CliError(f"not removing {account.name!r} without confirmation: add --yes")
        if not _confirm(f"Remove account {account.name!r}? [y/N] "):
            raise CliError(f"account {account.name!r} kept")
    store.remove(account.name)
    print_json({"name": account.name, "removed": True, "had_backup": account.has_backup})
    return 0


def active_account_signer(args: argparse.Namespace) -> SecretKey:
    """The active account's key for signing (asks for its passphrase). Raises CliError."""
    store, ask = _store(args)
    try:
        return store.active_secret_key(ask)
    except NoActiveAccountError:
        raise CliError(f"no secret key: set {protocol_cmds.SECRET_ENV} or {NO_ACTIVE_HINT}") from None
    except KeystoreError as exc:
        raise CliError(str(exc)) from None


def _guarded(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            status: int = func(args)
            return status
        except NoActiveAccountError:
            raise CliError(f"no active account: {NO_ACTIVE_HINT}") from None
        except KeystoreError as exc:
            raise CliError(str(exc)) from None

    return run


def register(sub: Any) -> None:
    """Add `keys` with generate, import, list, use, export, passwd and remove."""
    keys = sub.add_parser(
        "keys",
        help="accounts and encrypted keys (NIP-49)",
        description="Manage accounts. Passphrases come from NOSTR_TUI_PASSPHRASE, [keys] passphrase_command "
        "or a prompt; keys to import are read from stdin or a prompt, never from arguments.",
    )
    ksub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)

    p = ksub.add_parser("generate", help="create an account with a fresh key")
    p.add_argument("--name", help="account name (default: 'default', then account2, ...)")
    p.set_defaults(func=_guarded(_cmd_generate))

    p = ksub.add_parser("import", help="add an account from an nsec, hex key, ncryptsec or npub read from stdin")
    p.add_argument("--name", help="account name")
    p.set_defaults(func=_guarded(_cmd_import))

    p = ksub.add_parser("list", help="one JSON line per account: name, npub, read_only, active")
    p.set_defaults(func=_guarded(_cmd_list))

    p = ksub.add_parser("use", help="make an account the active one")
    p.add_argument("name")
    p.set_defaults(func=_guarded(_cmd_use))

    p = ksub.add_parser("export", help="print the npub (default), the ncryptsec, or on request the raw nsec")
    p.add_argument("name", nargs="?", help="account (default: the active one)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--ncryptsec", action="store_true", help="the encrypted key as stored")
    what.add_argument("--nsec", action="store_true", help="the raw secret key (asks the passphrase; warns)")
    p.set_defaults(func=_guarded(_cmd_export))

    p = ksub.add_parser("passwd", help="change an account's passphrase (new one from NOSTR_TUI_NEW_PASSPHRASE "
                        "or a prompt)")
    p.add_argument("name", nargs="?", help="account (default: the active one)")
    p.set_defaults(func=_guarded(_cmd_passwd))

    p = ksub.add_parser("remove", help="delete an account (asks first; says whether a backup exists)")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=_guarded(_cmd_remove))
