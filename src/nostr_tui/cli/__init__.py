"""The scriptable command line: subcommands print JSON on stdout and one-line errors on stderr."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from .common import PROG, CliError, fail

# Each module has `register(subparsers)` adding its commands with `set_defaults(func=...)`;
# func(args) returns the exit status.
_COMMAND_MODULES = ("protocol_cmds", "net_cmds", "cache_cmds", "keys_cmds", "client_cmds", "lists_cmds")
# Which module defines each command, so running one command imports only what it needs.
_MODULE_OF = {
    **dict.fromkeys(("decode", "encode", "verify", "event"), "protocol_cmds"),
    **dict.fromkeys(("req", "publish"), "net_cmds"),
    "cache": "cache_cmds",
    "keys": "keys_cmds",
    **dict.fromkeys(("post", "reply", "react", "repost", "follow", "unfollow", "thread", "feed"), "client_cmds"),
    **dict.fromkeys(("mute", "unmute", "profile", "lists", "relays"), "lists_cmds"),
}


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand named in `argv` (skipping the global options), or None."""
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--config":
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        return arg
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser: for a known command in `argv`, only that command's module is loaded."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A terminal Nostr client. Without a command it opens the terminal interface.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--config", type=Path, metavar="PATH", help="config file (default: platformdirs config dir)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against a local relay seeded with the demo thread, in a temporary profile (no internet)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _MODULE_OF.get(_command_in(sys.argv[1:] if argv is None else argv) or "")
    for name in (wanted,) if wanted else _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.register(sub)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the parsed subcommand and return its exit status; errors become one line on stderr."""
    try:
        status: int = args.func(args)
        return status
    except CliError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for subcommands only (the terminal interface lives in nostr_tui.main)."""
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return run(args)
