"""Errors of the store: each carries a one-line reason a person can act on."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# SQLite primary result codes that mean "the file is damaged or is not a database".
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
# ... and the codes that mean "it cannot be written here" (disk full, read-only, no permission), not damage.
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 3, 8, 10, 13, 14
_UNWRITABLE = {
    _SQLITE_FULL: "the disk is full",
    _SQLITE_READONLY: "it is read-only",
    _SQLITE_PERM: "permission denied",
    _SQLITE_CANTOPEN: "it cannot be opened (read-only or missing directory?)",
    _SQLITE_IOERR: "the disk refused a write (full or read-only?)",
}
_UNWRITABLE_ERRNO = {28: "the disk is full", 30: "it is read-only", 13: "permission denied", 1: "permission denied"}


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


class StoreUnwritableError(StoreError):
    """A file of the store cannot be written (disk full, read-only, no permission). Nothing in it was changed."""

    def __init__(self, what: str, path: Path, why: str) -> None:
        super().__init__(f"{what} {path} cannot be written: {why}; nothing was lost, "
                         "free some space or make it writable and try again")
        self.path = path
        self.why = why


def unwritable_reason(exc: BaseException) -> str | None:
    """Why a sqlite3 or OS error means the file cannot be written (disk full, read-only...), else None."""
    if isinstance(exc, OSError):
        return _UNWRITABLE_ERRNO.get(exc.errno or 0)
    if not isinstance(exc, sqlite3.Error) or is_corruption(exc):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _UNWRITABLE:
        return _UNWRITABLE[code & 0xFF]
    text = str(exc).lower()
    if "disk is full" in text or "readonly" in text or "disk i/o error" in text:
        return "the disk refused a write (full or read-only?)"
    return None


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


@contextmanager
def translated(path: Path, corrupt: Callable[[Path, str], StoreError], what: str) -> Iterator[None]:
    """Turn SQLite's errors into the store's own: `corrupt(path, detail)` for a damaged file,
    StoreUnwritableError for a disk that is full or read-only; anything else passes through."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            raise corrupt(path, describe(exc)) from None
        why = unwritable_reason(exc)
        if why is not None:
            raise StoreUnwritableError(what, path, why) from None
        raise
