"""`nostr-tui keys ...`: accounts and their encrypted keys. Keys are read from stdin or a prompt, never argv."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .common import CliError, print_json, run_client, warn

if TYPE_CHECKING:
    from ..client import AccountInfo, Client

T = TypeVar("T")
TTY_PATH = "/dev/tty"
KEY_PROMPT = "Key (nsec, hex secret key, ncryptsec or npub; not shown): "
NSEC_WARNING = (
    "this is the secret key in clear: whoever sees it controls this identity for good. "
    "Store it offline; never paste it into a website or a message."
)


def _session(args: argparse.Namespace, work: Callable[[Client], Awaitable[T]]) -> T:
    """Run `work` with the account commands of a client that opens nothing else (no store, no relays)."""
    return run_client(args, work, start=False, env_key=False)


def _account_json(account: AccountInfo) -> dict[str, Any]:
    return {"name": account.name, "npub": account.npub, "read_only": account.read_only, "active": account.active}


def _has_tty() -> bool:
    try:
        with open(TTY_PATH, "rb"):
            return True
    except OSError:
        return False


def _read_key_text() -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        return sys.stdin.read()
    if not _has_tty():
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


def _backup_note(account: AccountInfo) -> str:
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
    account = _session(args, lambda c: c.session.generate(args.name))
    print_json(_account_json(account))
    warn(f"the new key exists only here; back it up: nostr-tui keys export {account.name} --ncryptsec")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    async def work(client: Client) -> AccountInfo:
        client.session.accounts()  # a damaged accounts file is reported before the key is asked for
        return await client.session.import_key(_read_key_text(), args.name)

    print_json(_account_json(_session(args, work)))
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    async def work(client: Client) -> list[AccountInfo]:
        return client.session.accounts()

    for account in _session(args, work):
        print_json(_account_json(account))
    return 0


def _cmd_use(args: argparse.Namespace) -> int:
    print_json(_account_json(_session(args, lambda c: c.session.use(args.name))))
    return 0


def _active_or(client: Client, name: str | None) -> str:
    if name is not None:
        return name
    active = client.session.active
    if active is None:
        raise CliError("no active account: add an account (nostr-tui keys generate, or keys import) or choose "
                       "one (keys use NAME)")
    return active.name


def _cmd_export(args: argparse.Namespace) -> int:
    async def work(client: Client) -> dict[str, str]:
        name = _active_or(client, args.name)
        if args.nsec:
            return {"name": name, "nsec": await client.session.export_nsec(name)}
        if args.ncryptsec:
            return {"name": name, "ncryptsec": await client.session.export_ncryptsec(name)}
        return {"name": name, "npub": client.session.account(name).npub}

    out = _session(args, work)
    if args.nsec:
        warn(NSEC_WARNING)
    print_json(out)
    return 0


def _cmd_passwd(args: argparse.Namespace) -> int:
    async def work(client: Client) -> str:
        name = _active_or(client, args.name)
        await client.session.change_passphrase(name)
        return name

    print_json({"name": _session(args, work), "passphrase_changed": True})
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    async def look(client: Client) -> AccountInfo:
        return client.session.account(args.name)

    account = _session(args, look)
    warn(_backup_note(account))
    if not args.yes:
        if not _has_tty():
            raise CliError(f"not removing {account.name!r} without confirmation: add --yes")
        if not _confirm(f"Remove account {account.name!r}? [y/N] "):
            raise CliError(f"account {account.name!r} kept")
    _session(args, lambda c: c.session.remove(account.name))
    print_json({"name": account.name, "removed": True, "had_backup": account.has_backup})
    return 0


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
    p.set_defaults(func=(_cmd_generate))

    p = ksub.add_parser("import", help="add an account from an nsec, hex key, ncryptsec or npub read from stdin")
    p.add_argument("--name", help="account name")
    p.set_defaults(func=(_cmd_import))

    p = ksub.add_parser("list", help="one JSON line per account: name, npub, read_only, active")
    p.set_defaults(func=(_cmd_list))

    p = ksub.add_parser("use", help="make an account the active one")
    p.add_argument("name")
    p.set_defaults(func=(_cmd_use))

    p = ksub.add_parser("export", help="print the npub (default), the ncryptsec, or on request the raw nsec")
    p.add_argument("name", nargs="?", help="account (default: the active one)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--ncryptsec", action="store_true", help="the encrypted key as stored")
    what.add_argument("--nsec", action="store_true", help="the raw secret key (asks the passphrase; warns)")
    p.set_defaults(func=(_cmd_export))

    p = ksub.add_parser("passwd", help="change an account's passphrase (new one from NOSTR_TUI_NEW_PASSPHRASE "
                        "or a prompt)")
    p.add_argument("name", nargs="?", help="account (default: the active one)")
    p.set_defaults(func=(_cmd_passwd))

    p = ksub.add_parser("remove", help="delete an account (asks first; says whether a backup exists)")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=(_cmd_remove))
