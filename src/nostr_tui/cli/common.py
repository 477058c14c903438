"""Shared pieces of the command line: errors on stderr, JSON on stdout, config loading."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..collector import quiet_collector
from ..config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from ..client import Client

T = TypeVar("T")

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


def json_line(text: str) -> str:
    """A JSON text made safe for line-based readers: U+2028 and U+2029 (line breaks to some) escaped."""
    if "\u2028" in text or "\u2029" in text:
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text + "\n"


def json_lines(texts: Iterable[bytes]) -> bytes:
    """`json_line` for many UTF-8 JSON texts at once, joined."""
    blob = b"\n".join(texts) + b"\n"
    if b"\xe2\x80\xa8" in blob or b"\xe2\x80\xa9" in blob:  # U+2028, U+2029 in UTF-8 (never inside another character)
        blob = blob.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return blob


def print_json(obj: Any) -> None:
    """One compact JSON line on stdout (non-ASCII kept, except the two Unicode line separators)."""
    sys.stdout.write(json_line(json.dumps(obj, separators=(",", ":"), ensure_ascii=False)))


def config_from_args(args: Any) -> Config:
    """The config named by `--config`, else the default file. Raises CliError."""
    path: Path | None = getattr(args, "config", None)
    try:
        return load_config(path)
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def make_client(args: Any, *, env_key: bool = True) -> Client:
    """A client for the command line: the config from `--config`, passphrases from NOSTR_TUI_PASSPHRASE,
    `[keys] passphrase_command` or the terminal, and (with `env_key`) NOSTR_SECRET_KEY to sign with."""
    from ..client import ClientError
    from ..client.facade import Client
    from ..paths import default_config_file

    config = config_from_args(args)
    path: Path | None = getattr(args, "config", None)
    try:
        return Client(config, env_key=env_key, config_path=path or default_config_file(), live_counts=False,
                      relay_info=False)
    except ClientError as exc:
        raise CliError(str(exc)) from None


def run_client(args: Any, work: Callable[[Client], Awaitable[T]], *, start: bool = True, network: bool = True,
               env_key: bool = True, relay_warnings: bool = False) -> T:
    """Run `work(client)` on a client started for it (unless `start` is False) and closed after it; the
    client's warnings go to stderr as they come (with `relay_warnings`, also each relay that cannot be
    reached, once), its errors become one-line CLI errors."""
    from ..client import ClientError, Message, RelayState, RelayStatusChanged

    client = make_client(args, env_key=env_key)
    failed: set[str] = set()

    def report_one(note: object) -> None:
        if isinstance(note, Message) and note.level != "info":
            warn(note.text)
        elif relay_warnings and isinstance(note, RelayStatusChanged) and note.url not in failed:
            if note.state in (RelayState.WAITING, RelayState.FAILED):
                failed.add(note.url)
                warn(f"{note.url}: {note.reason or 'unreachable'}")

    async def main() -> T:
        async def report() -> None:
            while True:
                report_one(await client.notifications.get())

        reporter = asyncio.ensure_future(report())
        try:
            if start:
                await client.start(network=network)
            result = await work(client)
            if start and network:  # what the outbox retried on connecting gets its answers before we go
                await client.publisher.idle(client.config.network.publish_timeout)
            return result
        finally:
            await client.close()
            for note in client.notifications.drain():
                report_one(note)
            reporter.cancel()

    restore_collector = quiet_collector()  # the client is made: what started it is frozen out of collections
    try:
        return asyncio.run(main())
    except ClientError as exc:
        raise CliError(str(exc)) from None
    finally:
        restore_collector()
