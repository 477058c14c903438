"""Offline commands: decode, encode, verify, event."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from ..protocol import nip19
from ..protocol.event import Event, EventError, parse_event
from ..protocol.keys import InvalidKeyError, SecretKey
from .common import CliError, print_json

if TYPE_CHECKING:
    from ..client import Client

SECRET_ENV = "NOSTR_SECRET_KEY"


def _cmd_decode(args: argparse.Namespace) -> int:
    try:
        entity = nip19.decode(args.value)
    except nip19.Nip19Error as exc:
        raise CliError(f"cannot decode: {exc.reason}") from None
    print_json(entity.to_json_dict())
    return 0


def _hex32(value: str | None, what: str) -> str:
    if value is None:
        raise CliError(f"{what} is required")
    v = value.strip().lower()
    if len(v) != 64 or any(c not in "0123456789abcdef" for c in v):
        raise CliError(f"{what} must be 64 hex characters")
    return v


def _cmd_encode(args: argparse.Namespace) -> int:
    relays = tuple(args.relay or ())
    author = _hex32(args.author, "--author") if args.author else None
    kind = args.kind
    try:
        entity: nip19.Entity
        if args.type == "naddr":
            if args.identifier is None:
                raise CliError("naddr needs --identifier D (may be empty: --identifier '')")
            if kind is None:
                raise CliError("naddr needs --kind N")
            entity = nip19.Naddr(args.identifier, _hex32(author or args.hex, "--author"), kind, relays)
        elif args.type == "nsec":
            if args.hex is not None:
                raise CliError("a secret key is never taken from the command line: pipe the hex to stdin")
            secret_text = sys.stdin.readline()
            try:
                entity = nip19.Nsec(SecretKey.from_hex(secret_text))
            except InvalidKeyError as exc:
                raise CliError(str(exc)) from None
        else:
            value = _hex32(args.hex, "the hex value")
            if args.type == "npub":
                entity = nip19.Npub(value)
            elif args.type == "note":
                entity = nip19.Note(value)
            elif args.type == "nprofile":
                entity = nip19.Nprofile(value, relays)
            else:
                entity = nip19.Nevent(value, relays, author, kind)
        print(nip19.encode(entity))
    except nip19.Nip19Error as exc:
        raise CliError(f"cannot encode: {exc.reason}") from None
    return 0


def verify_line(line: str) -> tuple[bool, str]:
    """Check one JSON event line: (True, "ok <id>") or (False, "invalid <id or -> <reason>").

    The line is a signed event, or an object carrying one under "event" (what `feed` and `thread` print)."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return False, "invalid - not valid JSON"
    if isinstance(obj, dict) and isinstance(obj.get("event"), dict):
        obj = obj["event"]
    try:
        event = parse_event(obj)
    except EventError as exc:
        shown = exc.event_id or "-"
        return False, f"invalid {shown} {exc.reason}"
    return True, f"ok {event.id}"


def _cmd_verify(args: argparse.Namespace) -> int:
    all_ok = True
    out = sys.stdout
    write = out.write
    for line in sys.stdin:
        if not line.strip():
            continue
        ok, text = verify_line(line)
        all_ok = all_ok and ok
        write(text + "\n")
    out.flush()
    return 0 if all_ok else 1


def sign_template(args: argparse.Namespace, kind: int, content: str, tags: list[list[str]],
                  created_at: int | None) -> Event:
    """Sign with NOSTR_SECRET_KEY if set, else the active account (asking for its passphrase). Raises CliError."""
    from ..client import EventTemplate
    from .common import run_client

    try:
        template = EventTemplate.make(kind, content, tags, created_at)
    except (TypeError, ValueError) as exc:
        raise CliError(str(exc)) from None

    async def sign(client: Client) -> Event:
        return await client.session.sign(template)

    return run_client(args, sign, start=False)


def parse_tag(text: str) -> list[str]:
    """`name=value` (more values separated by `;`) into a tag list. Raises CliError."""
    name, sep, rest = text.partition("=")
    if not sep or not name:
        raise CliError(f"tag must look like name=value, got {text!r}")
    return [name, *rest.split(";")]


def _cmd_event(args: argparse.Namespace) -> int:
    tags = [parse_tag(t) for t in args.tag or ()]
    try:
        event = sign_template(args, args.kind, args.content, tags, args.created_at)
    except EventError as exc:
        raise CliError(exc.reason) from None
    print(event.to_json())
    return 0


def register(sub: Any) -> None:
    """Add decode, encode, verify and event."""
    p = sub.add_parser("decode", help="decode an npub/nsec/note/nprofile/nevent/naddr or nostr: URI to JSON")
    p.add_argument("value", help="bech32 string or nostr: URI")
    p.set_defaults(func=_cmd_decode)

    p = sub.add_parser(
        "encode",
        help="encode hex as npub/nsec/note/nprofile/nevent/naddr",
        description="Print the bech32 string. For nsec, the hex secret is read from stdin, never from arguments.",
    )
    p.add_argument("type", choices=["npub", "nsec", "note", "nprofile", "nevent", "naddr"])
    p.add_argument("hex", nargs="?", help="the key or event id in hex (naddr: the author, or use --author)")
    p.add_argument("--relay", action="append", metavar="URL", help="relay hint (repeatable)")
    p.add_argument("--author", metavar="HEX", help="author pubkey (nevent, naddr)")
    p.add_argument("--kind", type=int, metavar="N", help="event kind (nevent, naddr)")
    p.add_argument("--identifier", metavar="D", help="the d tag (naddr)")
    p.set_defaults(func=_cmd_encode)

    p = sub.add_parser(
        "verify",
        help="check events (JSON lines on stdin): prints 'ok <id>' or 'invalid <id> <reason>' per line",
        description="Exit status 0 when every event is valid, 1 otherwise.",
    )
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser(
        "event",
        help="print a signed event as JSON",
        description=f"The secret key comes from {SECRET_ENV} (nsec or hex), else the active account.",
    )
    p.add_argument("-k", "--kind", type=int, required=True, metavar="KIND")
    p.add_argument("-c", "--content", default="", metavar="CONTENT")
    p.add_argument("-t", "--tag", action="append", metavar="NAME=VALUE", help="tag; more values with ';' (repeatable)")
    p.add_argument("--created-at", type=int, metavar="N", help="unix time (default: now)")
    p.set_defaults(func=_cmd_event)
