"""Network commands: `req` (query relays, print events as JSON lines) and `publish` (send a signed event)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..config import ConfigError, validate_relay_url
from ..protocol import nip19
from ..protocol.event import Event, EventError, parse_event_json
from ..protocol.filters import Filter, FilterError
from .common import CliError, config_from_args, json_line, json_lines, print_json, run_client, warn

if TYPE_CHECKING:
    from ..client import Client, RelayResult

# ---------------------------------------------------------------- filters from arguments


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the NIP-01 filter options (-k, -a, -e, -t, -l, --since, --until) to a parser."""
    parser.add_argument("-k", "--kind", dest="kinds", type=int, action="append", metavar="KIND", help="event kind")
    parser.add_argument(
        "-a", "--author", dest="authors", action="append", metavar="AUTHOR", help="author: hex or npub/nprofile"
    )
    parser.add_argument("-e", "--id", dest="ids", action="append", metavar="ID", help="event id: hex or note/nevent")
    parser.add_argument(
        "-t", "--tag", dest="tags", action="append", metavar="NAME=VALUE", help="tag filter, e.g. -t t=nostr"
    )
    parser.add_argument("-l", "--limit", type=int, metavar="LIMIT", help="at most this many stored events per relay")
    parser.add_argument("--since", metavar="T", help="created at or after T (unix seconds or ISO 8601)")
    parser.add_argument("--until", metavar="T", help="created at or before T (unix seconds or ISO 8601)")


def _author(text: str) -> str:
    try:
        return nip19.pubkey_from_ref(text)
    except nip19.Nip19Error as exc:
        raise CliError(f"-a {text[:80]}: not a hex public key or npub ({exc.reason})") from None


def _event_id(text: str) -> str:
    try:
        return nip19.event_ref(text)[0]
    except nip19.Nip19Error as exc:
        raise CliError(f"-e {text[:80]}: not a hex event id, note or nevent ({exc.reason})") from None


def parse_time(text: str, option: str) -> int:
    """Unix seconds from an integer or an ISO 8601 date/time (UTC when no zone is given)."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        example = "an ISO 8601 date such as 2024-05-01"
        raise CliError(f"{option} {text[:40]!r}: expected unix seconds or {example}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, int(moment.timestamp()))


def filter_from_args(args: argparse.Namespace) -> Filter:
    """The Filter described by the options `add_filter_arguments` added. Raises CliError."""
    tags: dict[str, list[str]] = {}
    for item in getattr(args, "tags", None) or ():
        name, sep, value = item.partition("=")
        if not sep or len(name) != 1 or not name.isascii() or not name.isalpha():
            raise CliError(f"-t {item[:40]}: expected a one-letter tag name, '=' and a value, e.g. t=nostr")
        tags.setdefault(name, []).append(value)
    kinds = getattr(args, "kinds", None)
    if kinds and any(not 0 <= k <= 65535 for k in kinds):
        raise CliError("-k: kinds are between 0 and 65535")
    limit = getattr(args, "limit", None)
    if limit is not None and limit < 0:
        raise CliError("-l: the limit cannot be negative")
    since = parse_time(args.since, "--since") if getattr(args, "since", None) else None
    until = parse_time(args.until, "--until") if getattr(args, "until", None) else None
    try:
        return Filter.make(
            ids=[_event_id(i) for i in args.ids] if getattr(args, "ids", None) else None,
            authors=[_author(a) for a in args.authors] if getattr(args, "authors", None) else None,
            kinds=kinds or None,
            tags=tags or None,
            since=since,
            until=until,
            limit=limit,
        )
    except FilterError as exc:
        raise CliError(str(exc)) from None


def relays_from_args(args: argparse.Namespace, default: Sequence[str], what: str) -> list[str]:
    """The --relay URLs (validated), else `default`. Raises CliError when there are none."""
    try:
        urls = [validate_relay_url(u) for u in (getattr(args, "relay", None) or ())]
    except ConfigError as exc:
        raise CliError(f"--relay: {exc}") from None
    chosen = list(dict.fromkeys(urls or default))
    if not chosen:
        raise CliError(f"no relays to {what}: pass --relay URL or add relays to the config")
    return chosen


# ---------------------------------------------------------------- req


def _print_event(event: Event) -> None:
    sys.stdout.write(json_line(event.to_json()))


def _print_events(events: Sequence[Event]) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(json_lines([e.to_json_bytes() for e in events]))
    sys.stdout.buffer.flush()


async def run_req(client: Client, relays: Sequence[str], flt: Filter, *, stream: bool = False,
                  on_events: Callable[[Sequence[Event]], None] = _print_events) -> int:
    """Query `relays` with `flt` through the client (each event stored), handing each event once to
    `on_events` (a batch at a time, as they arrive). Returns after every relay sent EOSE, failed or timed out
    (or never, with `stream`)."""
    received = 0
    reading = await client.ingest.stream([flt], relays, live=stream)
    async for batch in reading:
        on_events([r.event for r in batch])
        received += len(batch)
    for url in reading.timed_out:
        warn(f"{url}: no end of stored events within {client.config.network.eose_timeout:g} s")
    if not received and not reading.answered:
        raise CliError("no relay answered (see the warnings above)")
    return 0


def _cmd_req(args: argparse.Namespace) -> int:
    flt = filter_from_args(args)
    if args.local:  # answered from the local cache, without the network
        async def local(client: Client) -> list[Event]:
            return await client.search.query(flt)

        for event in run_client(args, local, network=False):
            _print_event(event)
        return 0
    config = config_from_args(args)
    relays = relays_from_args(args, config.read_relays(), "read from")

    async def work(client: Client) -> int:
        return await run_req(client, relays, flt, stream=args.stream)

    return run_client(args, work, network=False, relay_warnings=True)


# ---------------------------------------------------------------- publish


def _cmd_publish(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    relays = relays_from_args(args, config.write_relays(), "publish to")
    text = sys.stdin.read()
    if not text.strip():
        raise CliError("publish reads one signed event as JSON from stdin, and stdin was empty")
    try:
        event = parse_event_json(text.strip())
    except EventError as exc:
        raise CliError(f"stdin: not a valid signed event ({exc.reason})") from None

    async def work(client: Client) -> list[RelayResult]:
        return await client.publisher.broadcast(event, relays)

    results = run_client(args, work, network=False)
    for r in results:
        print_json({"relay": r.url, "status": r.status.value, "message": r.message})
    return 0 if any(r.status.value == "accepted" for r in results) else 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `req` and `publish` commands."""
    p = sub.add_parser(
        "req",
        help="query relays with a filter; print matching events as JSON lines, each once",
        description="Query relays (default: the configured read relays) and print each matching event once. "
        "Exits when every relay sent its stored events (or timed out), unless --stream.",
    )
    p.add_argument("--relay", action="append", metavar="URL", help="relay to ask (repeatable)")
    add_filter_arguments(p)
    p.add_argument("--stream", action="store_true", help="keep printing new events until interrupted")
    p.add_argument("--local", action="store_true", help="answer from the local cache, without the network")
    p.set_defaults(func=_cmd_req)
    p = sub.add_parser(
        "publish",
        help="publish one signed event read from stdin; one JSON result line per relay",
        description="Read one signed event (JSON) from stdin and send it to the relays (default: the configured "
        "write relays). Exit status 0 when at least one relay accepted it.",
    )
    p.add_argument("--relay", action="append", metavar="URL", help="relay to publish to (repeatable)")
    p.set_defaults(func=_cmd_publish)
