"""Secrets that arrive in environment variables: read once, then kept out of every child process."""

from __future__ import annotations

import os

SECRET_VARIABLES = ("NOSTR_TUI_PASSPHRASE", "NOSTR_TUI_NEW_PASSPHRASE", "NOSTR_SECRET_KEY")

_taken: dict[str, str] = {}


def take_secrets() -> None:
    """Move the secret variables out of this process's environment (so no child inherits them) into memory,
    where `environ()` still finds them. Called once at start."""
    for name in SECRET_VARIABLES:
        value = os.environ.pop(name, None)
        if value is not None:
            _taken[name] = value


def environ() -> dict[str, str]:
    """This process's environment as it started, secret variables included."""
    return {**os.environ, **{k: v for k, v in _taken.items() if k not in os.environ}}


def child_environ() -> dict[str, str]:
    """The environment for a child process ($EDITOR, passphrase_command, ...): the secret variables removed."""
    return {k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}
