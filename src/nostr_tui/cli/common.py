"""Shared pieces of the command line: errors on stderr, JSON on stdout, config loading."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..config import Config, ConfigError, load_config

PROG = "nostr-tui"


class CliError(Exception):
    """An error for the person at the terminal: printed as one line, exit status 1."""


def fail(message: str) -> int:
    """Print `nostr-tui: error: message` on stderr and return exit status 1."""
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 1


def warn(message: str) -> None:
    """Print a one-line warning on stderr."""
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def print_json(obj: Any) -> None:
    """One compact JSON line on stdout (non-ASCII kept)."""
    sys.stdout.write(json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n")


def config_from_args(args: Any) -> Config:
    """The config named by `--config`, else the default file. Raises CliError."""
    path: Path | None = getattr(args, "config", None)
    try:
        return load_config(path)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
