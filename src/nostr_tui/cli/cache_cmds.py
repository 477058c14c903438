"""`nostr-tui cache stats|prune|rebuild`: look after the local event cache (never the state file)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import paths
from ..keystore import KeystoreError, open_keystore
from ..protocol import nip19
from ..store import EventCache, StoreError
from .common import CliError, config_from_args, print_json, warn


def _cache_path(args: argparse.Namespace) -> Path:
    return paths.cache_file(config_from_args(args).resolved_data_dir())


def _open(path: Path) -> EventCache:
    if not path.exists():
        raise CliError(f"no event cache at {path} yet (it is created when nostr-tui first reads from relays)")
    try:
        return EventCache.open(path)
    except StoreError as exc:
        raise CliError(exc.reason) from None


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
    cache = _open(paths.cache_file(config.resolved_data_dir()))
    try:
        stats = cache.stats()
    except StoreError as exc:
        raise CliError(exc.reason) from None
    finally:
        cache.close()
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
    try:
        protected |= {a.pubkey for a in open_keystore(config, warn=warn).accounts()}
    except KeystoreError as exc:
        raise CliError(f"cannot read your accounts, so cannot tell which events are yours: {exc}") from None
    cache = _open(paths.cache_file(config.resolved_data_dir()))
    try:
        report = cache.prune(max_mb * 1024 * 1024, protected_authors=protected, full_vacuum=args.vacuum)
    except StoreError as exc:
        raise CliError(exc.reason) from None
    finally:
        cache.close()
    print_json({**asdict(report), "protected_authors": len(protected)})
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    path = _cache_path(args)
    try:
        cache = EventCache.rebuild(path)
    except StoreError as exc:
        raise CliError(exc.reason) from None
    notice = cache.notice
    cache.close()
    print_json({"path": str(path), "notice": notice})
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
