"""Run `nostr-tui ARGS...` as the unprivileged user 65534: everything it may need is imported first (the
interpreter's own files are not readable by that user), then privileges are dropped for good."""

from __future__ import annotations

import importlib
import os
import sys

PRELOAD = (
    "nostr_tui.main", "nostr_tui.cli", "nostr_tui.cli.client_cmds", "nostr_tui.cli.keys_cmds",
    "nostr_tui.cli.net_cmds", "nostr_tui.cli.cache_cmds", "nostr_tui.cli.protocol_cmds", "nostr_tui.tui.app",
    "nostr_tui.tui.screens.feed", "nostr_tui.tui.screens.welcome", "nostr_tui.tui.screens.modals",
    "textual.drivers.linux_driver", "textual.drivers.headless_driver", "textual._xterm_parser",
    "rich.traceback", "rich.segment", "encodings.idna", "encodings.ascii", "encodings.latin_1",
    "sqlite3", "hashlib", "secrets", "getpass", "json", "asyncio", "websockets.asyncio.client", "ssl",
    "concurrent.futures.thread", "multiprocessing", "fcntl", "termios", "tty", "signal", "selectors",
)


def main() -> int:
    for name in PRELOAD:
        importlib.import_module(name)
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    from nostr_tui.main import main as nostr_tui

    return nostr_tui(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
