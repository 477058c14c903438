"""Running the terminal interface: the log file, the checks before the app starts, the demo's profile."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sys
import tempfile
from pathlib import Path

from ..client import ClientError
from ..config import Config, ConfigError, load_config, write_default_config


def _rotate_privately(source: str, dest: str) -> None:
    """Rotate a log file; the fresh one that takes its place is created readable by the user only."""
    os.replace(source, dest)
    os.close(os.open(source, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))


def log_to_file(path: Path | None = None) -> Path | None:
    """Send the program's log (INFO and up; never secrets) to a rotating private file while the TUI owns the
    terminal. Returns the file, or None when it cannot be opened (logging then stays off)."""
    from ..paths import log_file

    target = path or log_file()
    try:
        target.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(target.parent, target.parent.stat().st_mode & 0o7700)  # nobody else may look in
        handler = logging.handlers.RotatingFileHandler(target, maxBytes=1_000_000, backupCount=2, encoding="utf-8")
        handler.rotator = _rotate_privately
        for old in [target, *target.parent.glob(target.name + ".*")]:
            os.chmod(old, 0o600)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("nostr_tui")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return target


def run_app(args: argparse.Namespace) -> int:
    """Run the terminal interface (with `--demo`, against a seeded local relay in a temporary profile).
    Without a terminal on stdin and stdout it says so in one line and returns 2."""
    from ..cli.common import PROG, fail

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(f"{PROG}: error: the terminal interface needs a terminal on stdin and stdout; for scripts use the "
              f"commands (see {PROG} --help)", file=sys.stderr)
        return 2
    if not args.demo:
        log_to_file()
    written = None
    if args.demo:
        config = Config(relays=())
    else:
        if args.config is None:
            written = write_default_config()  # first run: public relays, every setting commented
        try:
            config = load_config(args.config)
        except ConfigError as exc:
            return fail(str(exc))
    from ..paths import default_config_file
    from .app import NostrApp

    app = NostrApp(config, demo=args.demo, config_path=None if args.demo else args.config or default_config_file())
    app.config_written = written
    try:
        app.run()
    except ClientError as exc:
        return fail(str(exc))
    if app.startup_error is not None:
        return fail(app.startup_error)
    return app.return_code or 0


def temp_profile() -> Path:
    """A fresh private directory for a demo profile."""
    return Path(tempfile.mkdtemp(prefix="nostr-tui-demo-"))
