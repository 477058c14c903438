"""`nostr-tui post|reply|react|repost|follow|unfollow|thread|feed`: the headless client from a shell.

Publishing commands print one JSON line per relay ({"relay","status","message","id"}) and exit 0 when at
least one relay accepted; `thread` and `feed` print one JSON line per note.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..protocol import nip19
from .common import CliError, print_json, run_client, warn

if TYPE_CHECKING:
    from ..client import Author, Client, ListUpdate, NoteItem, Sending, ThreadRow

FEEDS = ("home", "mentions", "global")


async def report_sending(sending: Sending) -> bool:
    """Print each relay's answer as it comes; True when one accepted."""
    async for r in sending:
        print_json({"relay": r.url, "status": r.status.value, "message": r.message, "id": sending.event.id})
        sys.stdout.flush()
    return sending.accepted


NOT_ACCEPTED = "no relay accepted the event; it stays in the outbox and is sent again on the next run"


def _publish(args: argparse.Namespace, send: Callable[[Client], Awaitable[Sending]]) -> int:
    """Send through the outbox and print each relay's answer as it comes; exit 0 when one accepted."""

    async def work(client: Client) -> bool:
        return await report_sending(await send(client))

    if run_client(args, work):
        return 0
    raise CliError(NOT_ACCEPTED)


def change_list(args: argparse.Namespace, change: Callable[[Client], Awaitable[ListUpdate]]) -> int:
    """Make a list change; print each relay's answer (or that nothing had to change) and exit 0 when the
    change is published or was not needed."""

    async def work(client: Client) -> bool:
        update = await change(client)
        if update.sending is None:
            print_json({"changed": False, "message": update.message})
            return True
        ok = await report_sending(update.sending)
        warn(update.message)
        return ok

    if run_client(args, work):
        return 0
    raise CliError(NOT_ACCEPTED)


def _text(given: str | None) -> str:
    text = given if given is not None else sys.stdin.read()
    if not text.strip():
        raise CliError("nothing to send: give the text as an argument or on stdin")
    return text.rstrip("\n")


def _pubkey(ref: str) -> str:
    try:
        return nip19.pubkey_from_ref(ref)
    except nip19.Nip19Error as exc:
        raise CliError(f"not a person: {exc.reason} (give an npub, nprofile or hex public key)") from None


def _author(a: Author | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {"pubkey": a.pubkey, "name": a.name, "nip05": a.nip05, "nip05_verified": a.nip05_verified}


def note_json(item: NoteItem) -> dict[str, Any]:
    """What one note looks like on the command line: the signed event unchanged under "event", and beside it
    what a reader sees (author, replying to, repost, counts)."""
    ev = item.event
    return {
        "id": ev.id,
        "pubkey": ev.pubkey,
        "author": item.author.name,
        "created_at": ev.created_at,
        "kind": ev.kind,
        "content": ev.content,
        "reply_to": _author(item.reply_to),
        "reposted_by": _author(item.reposted_by),
        "repost_id": item.repost_id,
        "content_warning": item.content_warning,
        "replies": item.counts.replies,
        "reactions": item.counts.reactions,
        "reposts": item.counts.reposts,
        "quoted": [q.event.id for q in item.quoted],
        "event": ev.to_dict(),
    }


def row_json(row: ThreadRow) -> dict[str, Any]:
    """One thread row: the note plus its place in the tree."""
    return {
        "depth": row.depth,
        "parent_id": row.parent_id,
        "focus": row.is_focus,
        "missing_parent": row.missing_parent,
        **note_json(row.item),
    }


def cmd_post(args: argparse.Namespace) -> int:
    """Publish a note."""
    text = _text(args.text)
    return _publish(args, lambda c: c.notes.post(text, draft_key=None))


def cmd_reply(args: argparse.Namespace) -> int:
    """Publish a reply to a note."""
    text = _text(args.text)
    return _publish(args, lambda c: c.notes.reply(args.note, text))


def cmd_react(args: argparse.Namespace) -> int:
    """React to a note (NIP-25)."""
    return _publish(args, lambda c: c.notes.react(args.note, args.content))


def cmd_repost(args: argparse.Namespace) -> int:
    """Repost a note (NIP-18)."""
    return _publish(args, lambda c: c.notes.repost(args.note))


def cmd_follow(args: argparse.Namespace) -> int:
    """Follow or unfollow someone without losing other follows."""
    pubkey = _pubkey(args.person)
    add, remove = ([pubkey], []) if args.command == "follow" else ([], [pubkey])
    return change_list(args, lambda c: c.lists.change_follows(add=add, remove=remove, force=args.force))


def cmd_thread(args: argparse.Namespace) -> int:
    """Print a thread in tree order."""

    async def work(client: Client) -> list[ThreadRow]:
        return await client.threads.load(args.note)

    rows = run_client(args, work)
    if not rows:
        raise CliError("note not found in the cache or on the relays")
    for row in rows:
        print_json(row_json(row))
    return 0


def cmd_feed(args: argparse.Namespace) -> int:
    """Print the newest notes of a feed."""
    from ..client import NoAccountError

    async def work(client: Client) -> list[NoteItem]:
        if client.session.pubkey is None and args.feed != "global":
            raise NoAccountError("no account: the home and mentions feeds need one (nostr-tui keys import NPUB)")
        await client.lists.wait_synced()
        return await client.feeds.open(args.feed).fetch_page(args.limit)

    for item in run_client(args, work):
        print_json(note_json(item))
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= 5000:
        raise argparse.ArgumentTypeError("the limit must be between 1 and 5000")
    return value


def register(sub: Any) -> None:
    """Add the client commands to the parser."""
    p = sub.add_parser("post", help="publish a note (text from the argument or stdin)")
    p.add_argument("text", nargs="?", help="the note (default: read stdin)")
    p.set_defaults(func=cmd_post)

    p = sub.add_parser("reply", help="reply to a note (hex id, note1, nevent1 or nostr: URI)")
    p.add_argument("note", metavar="NOTE-REF")
    p.add_argument("text", nargs="?", help="the reply (default: read stdin)")
    p.set_defaults(func=cmd_reply)

    p = sub.add_parser("react", help="react to a note (NIP-25)")
    p.add_argument("note", metavar="NOTE-REF")
    p.add_argument("--content", default="+", help='the reaction: "+" (like), "-" or an emoji (default: +)')
    p.set_defaults(func=cmd_react)

    p = sub.add_parser("repost", help="repost a note (NIP-18)")
    p.add_argument("note", metavar="NOTE-REF")
    p.set_defaults(func=cmd_repost)

    for name, what in (("follow", "follow someone"), ("unfollow", "stop following someone")):
        p = sub.add_parser(name, help=f"{what} (keeps every other follow; refuses if no relay answers)")
        p.add_argument("person", metavar="NPUB-OR-NPROFILE")
        p.add_argument("--force", action="store_true", help="publish even if the list would lose more than one entry")
        p.set_defaults(func=cmd_follow)

    p = sub.add_parser("thread", help="print a thread as JSON lines in tree order, with depth")
    p.add_argument("note", metavar="NOTE-REF")
    p.set_defaults(func=cmd_thread)

    p = sub.add_parser("feed", help="print a feed as JSON lines, newest first")
    p.add_argument("feed", nargs="?", choices=FEEDS, default="home")
    p.add_argument("-l", "--limit", type=_positive, default=20, help="how many notes (default 20)")
    p.set_defaults(func=cmd_feed)
