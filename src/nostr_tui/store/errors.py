"""Errors of the store: each carries a one-line reason a person can act on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# SQLite primary result codes that mean "the file is damaged or is not a database".
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class StoreError(Exception):
    """A store operation that failed; `reason` is one line naming the file and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CacheCorruptError(StoreError):
    """The event cache is damaged or unreadable. It is disposable: move it aside and rebuild."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"event cache {path} is unusable ({detail}); run `nostr-tui cache rebuild` to start a fresh one"
        )
        self.path = path
        self.detail = detail


class StateCorruptError(StoreError):
    """The user's state file (outbox, drafts) is damaged or unreadable. It is never moved or deleted."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"state file {path} is unusable ({detail}); it was left untouched: "
            "copy it somewhere safe before trying to repair it"
        )
        self.path = path
        self.detail = detail


def is_corruption(exc: BaseException) -> bool:
    """True when a sqlite3 error says the file is damaged or not a database at all."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def describe(exc: BaseException) -> str:
    """A short, single-line description of a sqlite3 or OS error."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__
