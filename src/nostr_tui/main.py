"""The `nostr-tui` command: a subcommand runs the command line, none opens the terminal interface."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Sequence

from . import cli, environment


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments; run a subcommand, or the TUI (with `--demo`, against a local seeded relay)."""
    os.umask(0o077)  # every file the program creates (store, logs, config, keys) is the user's alone
    environment.take_secrets()  # no child process ($EDITOR, passphrase_command, a browser) inherits them
    # At exit everything is closed and written, and what is left in memory is freed with the process: the
    # collector is kept off it, or its last passes over the heap take longer than the work (0.13 s after a
    # `req` of 10,000 events). Exit handlers run before those passes, so this is the last thing done.
    atexit.register(gc.freeze)
    parser = cli.build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is not None:
        return cli.run(args)
    try:
        from .tui.run import run_app
    except ModuleNotFoundError as exc:  # pragma: no cover - only while the TUI is absent
        return cli.common.fail(f"the terminal interface is not available ({exc.name})")
    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
