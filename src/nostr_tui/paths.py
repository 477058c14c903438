"""Every file location of nostr-tui, from platformdirs (so XDG_* variables move them)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "nostr-tui"


def config_dir() -> Path:
    """The user's config directory for nostr-tui."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_config_file() -> Path:
    """`config.toml` in the user's config directory."""
    return config_dir() / "config.toml"


def data_dir() -> Path:
    """The user's data directory (store, keys). Override with NOSTR_TUI_DATA_DIR."""
    override = os.environ.get("NOSTR_TUI_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_file(base: Path | None = None) -> Path:
    """The disposable SQLite event cache."""
    return (base or data_dir()) / "cache.sqlite3"


def state_file(base: Path | None = None) -> Path:
    """The user's own state: outbox, drafts, local settings. Never deleted by the program."""
    return (base or data_dir()) / "state.sqlite3"


def keys_dir(base: Path | None = None) -> Path:
    """The 0700 directory holding accounts and encrypted keys."""
    return (base or data_dir()) / "keys"


def log_file() -> Path:
    """Where the TUI writes its log (never secrets)."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / "nostr-tui.log"
