"""`nostr-tui mute|unmute|profile|lists|relays`: the user's lists and relays, changed without losing entries.

Every change reads the newest version first (the cache and every relay that should hold it), refuses when a
relay did not answer and no version is known, and needs `--force` to shrink a list by more than one entry.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .client_cmds import change_list
from .common import CliError, print_json, run_client, warn

if TYPE_CHECKING:
    from ..client import Client, ListVersion

LIST_NAMES = ("follows", "mutes", "relays", "profile")
PROFILE_FIELDS = ("name", "display_name", "about", "picture", "banner", "nip05", "lud16", "website")


def _force(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true", help="publish even if the list would lose more than one entry")


def cmd_mute(args: argparse.Namespace) -> int:
    """Mute or unmute a person, #hashtag or word."""
    if args.command == "mute":
        return change_list(args, lambda c: c.lists.mute(args.target, force=args.force))
    return change_list(args, lambda c: c.lists.unmute(args.target, force=args.force))


def _fields(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in PROFILE_FIELDS:
            raise CliError(f"{pair[:40]!r}: expected FIELD=VALUE with FIELD one of {', '.join(PROFILE_FIELDS)}")
        out[name] = value
    return out


def cmd_profile(args: argparse.Namespace) -> int:
    """Show or change the profile (kind 0); fields the command does not name are kept."""
    if args.profile_command == "set":
        fields = _fields(args.fields)
        if not fields:
            raise CliError("nothing to set: give FIELD=VALUE pairs, e.g. name=alice")
        return change_list(args, lambda c: c.lists.set_profile(fields, force=args.force))

    async def show(client: Client) -> dict[str, Any]:
        from ..client.changes import PROFILE, profile_fields

        event = await client.lists.newest(PROFILE)
        return profile_fields(event.content) if event is not None else {}

    print_json(run_client(args, show))
    return 0


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def cmd_lists(args: argparse.Namespace) -> int:
    """History, restore and undo of the user's lists."""
    if args.lists_command == "history":
        async def history(client: Client) -> list[ListVersion]:
            return await client.lists.history(args.list)

        for v in run_client(args, history, network=False):
            print_json({"number": v.number, "entries": v.size, "created_at": v.event.created_at,
                        "replaced_at": _when(v.replaced_at), "id": v.event.id})
        return 0
    if args.lists_command == "restore":
        return change_list(args, lambda c: c.lists.restore(args.list, args.number, force=args.force))
    return change_list(args, lambda c: c.lists.undo(force=args.force))


def cmd_relays(args: argparse.Namespace) -> int:
    """The configured relays: list, add, remove (saved to config.toml), publish as the NIP-65 list."""
    action = args.relays_command
    if action == "publish":
        return change_list(args, lambda c: c.lists.publish_configured_relays(force=args.force))

    async def work(client: Client) -> list[dict[str, Any]]:
        if action == "add":
            try:
                url = client.relays.add(args.url, read=not args.write_only, write=not args.read_only)
            except ValueError as exc:
                raise CliError(str(exc)) from None
            warn(f"saved to {client.relays.saved_to}; publish it as your relay list with: nostr-tui relays publish")
            return [{"url": url, "added": True}]
        if action == "remove":
            if not any(rc.url == args.url for rc in client.relays.configured()):
                raise CliError(f"{args.url} is not one of the configured relays (see: nostr-tui relays list)")
            await client.relays.remove(args.url)
            return [{"url": args.url, "removed": True}]
        return [{"url": rc.url, "read": rc.read, "write": rc.write, "auth": rc.auth}
                for rc in client.relays.configured()]

    for line in run_client(args, work, network=False):
        print_json(line)
    return 0


def register(sub: Any) -> None:
    """Add mute, unmute, profile, lists and relays."""
    for name, what in (("mute", "mute"), ("unmute", "stop muting")):
        p = sub.add_parser(name, help=f"{what} a person (npub, nprofile, hex), a #hashtag or a word (NIP-51 kind "
                                      "10000, public tags)")
        p.add_argument("target", metavar="NPUB|NPROFILE|HEX|#HASHTAG|WORD")
        _force(p)
        p.set_defaults(func=cmd_mute)

    profile = sub.add_parser("profile", help="show or change your profile (kind 0); unnamed fields are kept")
    psub = profile.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    p = psub.add_parser("show", help="the newest profile, as JSON")
    p.set_defaults(func=cmd_profile)
    p = psub.add_parser("set", help=f"set fields: {', '.join(PROFILE_FIELDS)} (FIELD= removes one)")
    p.add_argument("fields", nargs="*", metavar="FIELD=VALUE")
    _force(p)
    p.set_defaults(func=cmd_profile)

    lists = sub.add_parser("lists", help="versions of your follows, mutes, relays and profile: history, restore")
    lsub = lists.add_subparsers(dest="lists_command", metavar="ACTION", required=True)
    p = lsub.add_parser("history", help="the versions your changes replaced, newest first (the last 20)")
    p.add_argument("list", choices=LIST_NAMES)
    p.set_defaults(func=cmd_lists)
    p = lsub.add_parser("restore", help="publish version N of the history again")
    p.add_argument("list", choices=LIST_NAMES)
    p.add_argument("number", type=int, metavar="N")
    _force(p)
    p.set_defaults(func=cmd_lists)
    p = lsub.add_parser("undo", help="reverse your last list change (on the newest version)")
    _force(p)
    p.set_defaults(func=cmd_lists)

    relays = sub.add_parser("relays", help="the configured relays (saved to config.toml) and your NIP-65 list")
    rsub = relays.add_subparsers(dest="relays_command", metavar="ACTION", required=True)
    p = rsub.add_parser("list", help="the configured relays, one JSON line each")
    p.set_defaults(func=cmd_relays)
    p = rsub.add_parser("add", help="add a relay to config.toml (read and write unless told otherwise)")
    p.add_argument("url", metavar="URL")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--read-only", action="store_true", help="only read from it")
    only.add_argument("--write-only", action="store_true", help="only publish to it")
    p.set_defaults(func=cmd_relays)
    p = rsub.add_parser("remove", help="remove a relay from config.toml")
    p.add_argument("url", metavar="URL")
    p.set_defaults(func=cmd_relays)
    p = rsub.add_parser("publish", help="publish the configured relays as your relay list (NIP-65 kind 10002)")
    _force(p)
    p.set_defaults(func=cmd_relays)
