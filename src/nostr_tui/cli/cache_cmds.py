"""`nostr-tui cache stats|prune|rebuild`: look after the local event cache (never the state file)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ..protocol import nip19
from .common import CliError, config_from_args, print_json, run_client

if TYPE_CHECKING:
    from ..client import CacheStats, Client, PruneReport


def _pubkey(text: str) -> str:
    value = text.strip()
    if value.startswith("npub1"):
        try:
            return nip19.npub_decode(value)
        except nip19.Nip19Error as exc:
            raise CliError(f"--protect {value[:12]}...: {exc.reason}") from None
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value.lower()):
        return value.lower()
    raise CliError("--protect takes an npub or 64 hex characters")


def _cmd_stats(args: argparse.Namespace) -> int:
    config = config_from_args(args)

    async def work(client: Client) -> CacheStats:
        return await client.cache.stats()

    stats = run_client(args, work, start=False, env_key=False)
    out: dict[str, Any] = asdict(stats)
    out["by_kind"] = {str(k): v for k, v in stats.by_kind.items()}
    out["max_cache_bytes"] = config.store.max_cache_mb * 1024 * 1024
    print_json(out)
    return 0


def _cmd_prune(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    max_mb = config.store.max_cache_mb if args.max_mb is None else args.max_mb
    if max_mb < 0:
        raise CliError("--max-mb must not be negative")
    protected = {_pubkey(p) for p in args.protect or ()}

    async def work(client: Client) -> PruneReport:
        from ..client import ClientError

        try:
            protected.update(a.pubkey for a in client.session.accounts())
        except ClientError as exc:
            raise CliError(f"cannot read your accounts, so cannot tell which events are yours: {exc}") from None
        return await client.cache.prune(max_mb * 1024 * 1024, protected, vacuum=args.vacuum)

    report = run_client(args, work, start=False, env_key=False)
    print_json({**asdict(report), "protected_authors": len(protected)})
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    async def work(client: Client) -> tuple[str, str]:
        return str(client.cache.path), await client.cache.rebuild()

    path, notice = run_client(args, work, start=False, env_key=False)
    print_json({"path": path, "notice": notice})
    return 0


def register(sub: Any) -> None:
    """Add `cache stats`, `cache prune` and `cache rebuild`."""
    cache = sub.add_parser("cache", help="the local event cache (stats, prune, rebuild)")
    cmds = cache.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    stats = cmds.add_parser("stats", help="events by kind and size on disk, as JSON")
    stats.set_defaults(func=_cmd_stats)
    prune = cmds.add_parser(
        "prune",
        help="delete the oldest cached events down to the size cap (never your own events, your follow "
        "list, your follows' profiles, the outbox or drafts)",
    )
    prune.add_argument("--max-mb", type=int, help="size cap in MiB (default: [store] max_cache_mb)")
    prune.add_argument("--protect", action="append", metavar="NPUB", help="also keep every event by this key")
    prune.add_argument("--vacuum", action="store_true", help="also rewrite the file compactly (slower)")
    prune.set_defaults(func=_cmd_prune)
    rebuild = cmds.add_parser("rebuild", help="move the cache aside (cache.sqlite3.corrupt-TIME) and start empty")
    rebuild.set_defaults(func=_cmd_rebuild)
