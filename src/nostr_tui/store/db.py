"""SQLite plumbing shared by the cache and the state file: opening, migrations, nested transactions."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from .errors import StoreError

Migration = Callable[[sqlite3.Connection], None]

BUSY_SECONDS = 10.0
"""How long a connection waits for another process's lock on the file before it gives up."""


class SchemaTooNewError(StoreError):
    """The file was written by a newer nostr-tui whose schema this version does not know."""


class Database:
    """One sqlite3 connection in autocommit mode whose `transaction()` nests through savepoints."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), or a savepoint when one is already open."""
        depth = self._depth
        self.conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT sp{depth}")
        self._depth += 1
        try:
            yield self.conn
        except BaseException:
            self._depth = depth
            try:
                if depth == 0:
                    self.conn.execute("ROLLBACK")
                else:
                    self.conn.execute(f"ROLLBACK TO sp{depth}")
                    self.conn.execute(f"RELEASE sp{depth}")
            except sqlite3.Error:
                pass
            raise
        self._depth = depth
        self.conn.execute("COMMIT" if depth == 0 else f"RELEASE sp{depth}")

    @property
    def in_transaction(self) -> bool:
        """True while a `transaction()` block is open."""
        return self._depth > 0

    def close(self) -> None:
        """Close the connection (idempotent)."""
        try:
            self.conn.close()
        except sqlite3.Error:
            pass


def read_rows(conn: sqlite3.Connection, sql: str, params: Any, columns: str) -> list[Any]:
    """The rows of the query `sql` (its result columns named `columns`) as lists, read in one step.

    SQLite folds the rows into one JSON array. Stepping through rows one at a time gives Python's GIL up and
    takes it back once per row, and beside a busy thread (the event loop in a flood) each of those waits
    lasts up to the interpreter's switch interval (5 ms). The statement's ORDER BY holds: SQLite keeps a
    subquery's order under json_group_array."""
    row = conn.execute(f"SELECT json_group_array(json_array({columns})) FROM ({sql})", params).fetchone()
    rows: list[Any] = orjson.loads(row[0])
    return rows


def run_statements(conn: sqlite3.Connection, statements: Sequence[str]) -> None:
    """Execute DDL statements one by one (inside the caller's transaction)."""
    for sql in statements:
        conn.execute(sql)


def schema_version(conn: sqlite3.Connection) -> int:
    """The file's `PRAGMA user_version`."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(db: Database, migrations: Sequence[Migration], what: str, upto: int | None = None) -> int:
    """Bring the file to `upto` (default: the newest) schema version; returns the version reached.

    Version n means migrations[0:n] were applied. Each step runs in its own transaction together
    with the new `user_version`, so a crash leaves the file at a whole version.
    """
    target = len(migrations) if upto is None else upto
    version = _known_version(db, migrations, what, schema_version(db.conn))
    while version < target:
        with db.transaction() as conn:
            # Read again under the write lock: another process opening the same file at the same moment (two
            # commands started together on a new profile) may have migrated it while this one waited.
            version = _known_version(db, migrations, what, schema_version(conn))
            if version >= target:
                break
            migrations[version](conn)
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")
    return version


def _known_version(db: Database, migrations: Sequence[Migration], what: str, version: int) -> int:
    if version > len(migrations):
        raise SchemaTooNewError(
            f"{what} {db.path} has schema version {version}, newer than this nostr-tui knows "
            f"({len(migrations)}); upgrade nostr-tui"
        )
    return version


def connect(
    path: Path,
    *,
    synchronous: str = "NORMAL",
    incremental_vacuum: bool = False,
    query_only: bool = False,
    cache_kib: int = 16_000,
    checkpoint_pages: int = 1000,
) -> Database:
    """Open (creating when missing) a SQLite file in WAL mode. sqlite3 errors propagate to the caller.

    With `incremental_vacuum`, a new file is created so that freed pages can be returned to the
    file system later (`PRAGMA incremental_vacuum`).
    """
    if not query_only:
        make_private(path)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_SECONDS)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
        # Reading the header here turns "not a database" into an error at open time.
        fresh = schema_version(conn) == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        if fresh and incremental_vacuum and not query_only:
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        if not query_only:
            _use_wal(conn, BUSY_SECONDS)
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        # Fewer, larger checkpoints; the WAL file left behind is trimmed to 64 MiB.
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint_pages)}")
        conn.execute("PRAGMA journal_size_limit = 67108864")
        if query_only:
            conn.execute("PRAGMA query_only = 1")
    except BaseException:
        conn.close()
        raise
    return Database(conn, path)


def _use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Put the file in WAL mode, waiting (bounded) while another process holds it locked.

    SQLite's busy handler does not cover this pragma while another process holds a write lock on a file not
    yet in WAL mode (one creating the file, in its first transaction): it fails at once with "database is
    locked". Two commands started together on a new profile (`req --stream` and `publish`) then saw one of
    them end with "state file ... is busy"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
        time.sleep(0.01)


def make_private(path: Path) -> None:
    """Before SQLite opens `path`: its directory is the user's alone (0700) and the file, with its -wal and -shm
    companions (which SQLite creates with the file's own mode), readable by the user only (0600). Only other
    people's access is taken away: a directory or file the user made read-only stays read-only. A directory with
    the sticky bit (/tmp) is shared by design and keeps its mode: closing it would break it for everyone else."""
    parent = path.parent
    if not parent.is_dir():
        parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    if os.name != "posix":  # pragma: no cover - modes mean little elsewhere
        return
    try:
        if not parent.stat().st_mode & stat.S_ISVTX:
            _private(parent)
        if not path.exists():
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if p.exists():
                _private(p)
    except OSError:
        pass  # a read-only data directory: SQLite says so itself, with the file's name


def _private(path: Path) -> None:
    mode = path.stat().st_mode & 0o7777
    if mode & 0o077:
        os.chmod(path, mode & ~0o077)


def file_bytes(path: Path) -> int:
    """Bytes on disk of a SQLite file together with its -wal and -shm companions."""
    total = 0
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            total += p.stat().st_size
        except OSError:
            pass
    return total


def move_aside(path: Path, now: float | None = None) -> Path:
    """Rename a damaged file (and its -wal/-shm) to `<name>.corrupt-<timestamp>`; returns the new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{target}{suffix}"))
    if path.exists():
        os.replace(path, target)
    return target
