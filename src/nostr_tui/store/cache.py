"""The event cache (the disposable SQLite file): storing events under the NIP-01/09/40 rules."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..protocol.event import Event, is_ephemeral
from .db import Database, SchemaTooNewError, connect, migrate, move_aside
from .errors import CacheCorruptError, StoreError, StoreUnwritableError, describe, is_corruption, unwritable_reason
from .reads import CacheReads, row_event
from .rules import expiration_of, keyed_eq, newer, parse_address, ref_rows, slot_of, tag_rows
from .schema import CACHE_MIGRATIONS
from .sqlfilter import EVENT_COLUMNS, contains_all
from .writes import (
    INDEX_CHUNK,
    AddStatus,
    add_plain,
    index_pending,
    is_plain,
    json_array,
    pending_count,
    queue_for_index,
    tags_json,
    unindex,
)

if TYPE_CHECKING:
    from .prune import PruneReport

Clock = Callable[[], float]


def delete_rows(conn: sqlite3.Connection, rows: Sequence[tuple[int, str, str, int, int, str, str, str]]) -> None:
    """Remove events (rows of n + EVENT_COLUMNS) with their tag, relation, search and seen entries."""
    tags: list[tuple[str, str, int, int]] = []
    refs: list[tuple[str, int, int]] = []
    for row in rows:
        n, event = row[0], row_event(row[1:])
        tags += tag_rows(event, n)
        refs += ref_rows(event, n)
    conn.executemany(f"DELETE FROM tags WHERE name = :n AND {keyed_eq('value', ':v')} AND eid = :e",
                     [{"n": name, "v": value, "e": eid} for name, value, _, eid in tags])
    conn.executemany(f"DELETE FROM refs WHERE {keyed_eq('target', ':t')} AND rel = :r AND eid = :e",
                     [{"t": target, "r": rel, "e": eid} for target, rel, eid in refs])
    unindex(conn, [(r[0], r[6]) for r in rows])
    conn.executemany("DELETE FROM seen WHERE eid = ?", [(r[0],) for r in rows])
    conn.executemany("DELETE FROM events WHERE n = ?", [(r[0],) for r in rows])


_ROW = f"n, {EVENT_COLUMNS}"


class EventCache(CacheReads):
    """The synchronous core of the cache. One instance per thread; only one should write at a time.

    Open with `EventCache.open(path)`; the async `Store` runs one of these on its writer thread.
    """

    def __init__(self, db: Database, clock: Clock = time.time) -> None:
        self._db = db
        self._clock = clock
        self.path = db.path
        self.notice: str | None = None
        db.conn.create_function("nt_contains_all", 2, contains_all, deterministic=True)

    @classmethod
    def open(cls, path: Path, *, clock: Clock = time.time, rebuild_if_corrupt: bool = False) -> EventCache:
        """Open or create the cache at `path`, migrating its schema.

        A damaged or unreadable file raises CacheCorruptError; with `rebuild_if_corrupt` it is moved
        aside to `<name>.corrupt-<time>` instead, a fresh cache is created and `notice` says so.
        """
        try:
            return cls._open(path, clock)
        except CacheCorruptError as exc:
            if not rebuild_if_corrupt:
                raise
            cache = cls.rebuild(path, clock=clock)
            cache.notice = f"event cache was unusable ({exc.detail}); {cache.notice}"
            return cache

    @classmethod
    def rebuild(cls, path: Path, *, clock: Clock = time.time) -> EventCache:
        """Move the cache file aside (whatever its state) and create an empty one; `notice` says where."""
        try:
            moved = move_aside(path, clock())
        except OSError as exc:
            raise StoreError(f"cannot move the event cache {path} aside ({describe(exc)})") from None
        cache = cls._open(path, clock)
        cache.notice = f"the old cache was moved to {moved.name} and a new empty cache was started"
        return cache

    @classmethod
    def _open(cls, path: Path, clock: Clock, query_only: bool = False) -> EventCache:
        db: Database | None = None
        try:
            # Random-key indexes dirty many pages per batch: a bigger page cache and rarer checkpoints
            # make batched inserts about 1.6x faster, no fsync another 1.8x. No fsync: the cache is
            # disposable (a file damaged by a power cut is moved aside and rebuilt), and a crash of the
            # program itself loses nothing committed (WAL). Pages stay at 4 KiB: 8 KiB ones made inserts
            # 5% faster but a home-feed page of a 1,000,000-event cache 35% slower.
            db = connect(path, synchronous="OFF", incremental_vacuum=True, query_only=query_only,
                         cache_kib=32_000, checkpoint_pages=10_000)
            if not query_only:
                migrate(db, CACHE_MIGRATIONS, "event cache")
            return cls(db, clock)
        except SchemaTooNewError:
            if db is not None:
                db.close()
            raise CacheCorruptError(path, "written by a newer nostr-tui") from None
        except sqlite3.Error as exc:
            if db is not None:
                db.close()
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                raise StoreError(f"event cache {path} is busy (is another nostr-tui writing it?)") from None
            why = unwritable_reason(exc)
            if why is not None:  # a full or read-only disk is not damage: never move the cache aside for it
                raise StoreUnwritableError("event cache", path, why) from None
            if is_corruption(exc) or isinstance(exc, sqlite3.OperationalError):
                raise CacheCorruptError(path, describe(exc)) from None
            raise StoreError(f"event cache {path}: {describe(exc)}") from None
        except OSError as exc:
            if db is not None:
                db.close()
            why = unwritable_reason(exc)
            if why is not None:
                raise StoreUnwritableError("event cache", path, why) from None
            raise StoreError(f"event cache {path}: {describe(exc)}") from None

    @classmethod
    def open_reader(cls, path: Path, *, clock: Clock = time.time) -> EventCache:
        """A read-only connection to a cache that a writer has already opened (and migrated)."""
        return cls._open(path, clock, query_only=True)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one transaction (nested calls become savepoints)."""
        with self._guard(), self._db.transaction():
            yield

    def add(
        self, events: Iterable[Event], *, relay: str | None = None, sync_key: str | None = None
    ) -> list[AddStatus]:
        """Store events received (from `relay`, when given) in one transaction; a status per event.

        With `relay` and `sync_key`, the subscription's resume point becomes the newest created_at
        given (never later than now), in the same transaction.
        """
        batch = list(events)
        now = self._now()
        with self.transaction():
            conn = self._db.conn
            rid = self._relay_id(relay) if relay else None
            statuses: list[AddStatus] = []
            run: list[Event] = []  # plain events in a row: stored together
            for ev in batch:
                if is_plain(ev):
                    run.append(ev)
                    continue
                if run:
                    statuses += add_plain(conn, run, rid, now)
                    run = []
                statuses.append(self._add_one(conn, ev, rid, now))
            if run:
                statuses += add_plain(conn, run, rid, now)
            if relay and sync_key is not None and batch:
                self._bump_sync(relay, sync_key, min(max(e.created_at for e in batch), now))
        return statuses

    def add_seen(self, seen: Iterable[tuple[str, str]]) -> None:
        """Record that cached events (by id) were also received from relays (by URL); ids not cached are ignored.

        One statement per relay, its ids as one flat JSON array: each id is looked up through the id index and
        its row numbered with the relay's. Pairs grouped by event instead (an array of [id, [relays]]) cost
        2.3 times as much: the nested arrays are written in Python and read back twice in SQL."""
        by_relay: dict[str, list[str]] = {}
        for event_id, url in seen:
            by_relay.setdefault(url, []).append(event_id)
        if not by_relay:
            return
        with self.transaction():
            conn = self._db.conn
            for url, ids in by_relay.items():
                conn.execute(
                    "INSERT OR IGNORE INTO seen(eid, rid) SELECT e.n, ? FROM json_each(?) AS j CROSS JOIN events "
                    f"AS e ON {keyed_eq('e.id', 'j.value')}",
                    (self._relay_id(url), json_array(ids)),
                )

    def set_sync(self, relay: str, key: str, newest: int) -> None:
        """Record that `relay` has sent everything for subscription `key` up to `newest` (kept if later)."""
        with self.transaction():
            self._bump_sync(relay, key, newest)

    def _bump_sync(self, relay: str, key: str, newest: int) -> None:
        self._db.conn.execute(
            "INSERT INTO sync VALUES (?, ?, ?) ON CONFLICT (relay, key) DO UPDATE SET newest = "
            "max(newest, excluded.newest)",
            (relay, key, newest),
        )

    def _relay_id(self, url: str) -> int:
        conn = self._db.conn
        row = conn.execute("SELECT rid FROM relays WHERE url = ?", (url,)).fetchone()
        if row is not None:
            return int(row[0])
        rid = conn.execute("INSERT INTO relays(url) VALUES (?)", (url,)).lastrowid
        assert rid is not None
        return rid

    def _add_one(self, conn: sqlite3.Connection, ev: Event, rid: int | None, now: int) -> AddStatus:
        if is_ephemeral(ev.kind):
            return AddStatus.EPHEMERAL
        row = conn.execute(f"SELECT n FROM events WHERE {keyed_eq('id', ':id')}", {"id": ev.id}).fetchone()
        if row is not None:
            if rid is not None:
                conn.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (row[0], rid))
            return AddStatus.DUPLICATE
        expiration = expiration_of(ev)
        if expiration is not None and expiration <= now:
            return AddStatus.EXPIRED
        if ev.kind != 5 and conn.execute(
            "SELECT 1 FROM deleted_ids WHERE id = ? AND pubkey = ?", (ev.id, ev.pubkey)
        ).fetchone():
            return AddStatus.DELETED
        slot = slot_of(ev)
        if slot is not None:
            if conn.execute(
                "SELECT 1 FROM deleted_slots WHERE pubkey = ? AND kind = ? AND d = ? AND until >= ?",
                (ev.pubkey, ev.kind, slot, ev.created_at),
            ).fetchone():
                return AddStatus.DELETED
            current = conn.execute(
                f"SELECT {_ROW} FROM events WHERE pubkey = ? AND kind = ? AND d = ?", (ev.pubkey, ev.kind, slot)
            ).fetchone()
            if current is not None:
                if not newer(ev.created_at, ev.id, current[3], current[1]):
                    return AddStatus.OLDER
                delete_rows(conn, [current])
        n = conn.execute(
            "INSERT INTO events(id, pubkey, created_at, kind, tags, content, sig, d, expiration) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ev.id, ev.pubkey, ev.created_at, ev.kind, tags_json(ev.tags), ev.content, ev.sig, slot, expiration),
        ).lastrowid
        assert n is not None
        conn.executemany("INSERT INTO tags VALUES (?, ?, ?, ?)", tag_rows(ev, n))
        conn.executemany("INSERT INTO refs VALUES (?, ?, ?)", ref_rows(ev, n))
        queue_for_index(conn, n, ev.content)
        if rid is not None:
            conn.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (n, rid))
        if ev.kind == 5:
            self._apply_deletion(conn, ev)
        return AddStatus.STORED

    def _apply_deletion(self, conn: sqlite3.Connection, ev: Event) -> None:
        """NIP-09: remove the author's own events named by `e` and `a` tags, and remember them."""
        for target in set(ev.tag_values("e")):
            conn.execute("INSERT OR IGNORE INTO deleted_ids VALUES (?, ?)", (target, ev.pubkey))
            rows = conn.execute(
                f"SELECT {_ROW} FROM events WHERE {keyed_eq('id', ':id')} AND pubkey = :pk AND kind != 5",
                {"id": target, "pk": ev.pubkey},
            ).fetchall()
            delete_rows(conn, rows)
        for value in set(ev.tag_values("a")):
            address = parse_address(value)
            if address is None or address[1] != ev.pubkey:
                continue
            kind, pubkey, d = address
            conn.execute(
                "INSERT INTO deleted_slots VALUES (?, ?, ?, ?) ON CONFLICT (pubkey, kind, d) "
                "DO UPDATE SET until = max(until, excluded.until)",
                (pubkey, kind, d, ev.created_at),
            )
            rows = conn.execute(
                f"SELECT {_ROW} FROM events WHERE pubkey = ? AND kind = ? AND d = ? AND created_at <= ?",
                (pubkey, kind, d, ev.created_at),
            ).fetchall()
            delete_rows(conn, rows)

    def index_some(self, limit: int = INDEX_CHUNK) -> int:
        """Move up to `limit` stored notes waiting for the search index into it; returns how many moved."""
        with self.transaction():
            return index_pending(self._db.conn, limit)

    def unindexed(self) -> int:
        """Stored notes waiting for the search index (search finds them meanwhile, reading them one by one)."""
        with self._guard():
            return pending_count(self._db.conn)

    def prune(
        self, max_bytes: int, protected_authors: Iterable[str] = (), protected_profiles: Iterable[str] = (),
        *, full_vacuum: bool = False,
    ) -> PruneReport:
        """Shrink the cache to `max_bytes`, oldest events first; see `prune.prune` for what is kept."""
        from .prune import prune

        return prune(self, max_bytes, protected_authors, protected_profiles, full_vacuum=full_vacuum)

    def delete_expired(self) -> int:
        """Remove events whose NIP-40 expiration has passed; returns how many."""
        with self.transaction():
            rows = self._db.conn.execute(
                f"SELECT {_ROW} FROM events WHERE expiration IS NOT NULL AND expiration <= ?", (self._now(),)
            ).fetchall()
            delete_rows(self._db.conn, rows)
        return len(rows)
