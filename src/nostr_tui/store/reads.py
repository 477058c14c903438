"""Read side of the event cache: `query` with Filter semantics and the fast paths the client uses.

Every read that returns many rows returns them in one (`db.read_rows`): stepped row by row beside a busy
event loop, a thread of 1,000 replies took a quarter of a second to read instead of a few milliseconds.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from ..protocol.event import Event
from ..protocol.filters import Filter
from .db import Database, file_bytes, read_rows, schema_version
from .errors import CacheCorruptError, translated
from .rules import Relation, keyed_eq, keyed_in
from .sqlfilter import EVENT_COLUMNS, NEWEST_FIRST, filter_sql

OLDEST_FIRST = "ORDER BY created_at, id"
_COLUMNS_E = ", ".join(f"events.{c.strip()}" for c in EVENT_COLUMNS.split(","))
Statement = tuple[str, dict[str, object]]


def row_event(row: tuple[str, str, int, int, str, str, str]) -> Event:
    """An Event from a row of EVENT_COLUMNS."""
    id_, pubkey, created_at, kind, tags, content, sig = row
    return Event(id_, pubkey, created_at, kind, tuple(tuple(t) for t in json.loads(tags)), content, sig)


def _kinds_sql(kinds: Iterable[int]) -> str:
    return ", ".join(str(int(k)) for k in sorted(set(kinds)))


def feed_heads_sql(authors: Iterable[str], kinds: Iterable[int], before: tuple[int, str] | None, now: int) -> Statement:
    """Each author's newest note (of `kinds`) before the point: one indexed probe per author and kind.

    Only the time of that note is wanted, so the probe is in the index's own order (ties need no id)."""
    keyset = "(created_at < :t OR (created_at = :t AND id > :i))" if before else "1"
    probes = [
        f"coalesce((SELECT created_at FROM events WHERE {keyed_eq('pubkey', 'a.pk')} AND kind = {int(k)} AND "
        f"(expiration IS NULL OR expiration > :now) AND {keyset} ORDER BY created_at DESC LIMIT 1), -1)"
        for k in sorted(set(kinds))
    ]
    head = probes[0] if len(probes) == 1 else f"max({', '.join(probes)})"
    sql = (
        "WITH a(pk) AS (SELECT DISTINCT value FROM json_each(:authors)), "
        f"heads(pk, h) AS MATERIALIZED (SELECT a.pk, {head} FROM a) "
        "SELECT pk, h FROM heads WHERE h >= 0 ORDER BY h DESC"
    )
    params: dict[str, object] = {"authors": json.dumps(sorted(set(authors))), "now": now}
    if before:
        params |= {"t": before[0], "i": before[1]}
    return sql, params


def feed_window_sql(
    authors: Iterable[str], kinds: Iterable[int], before: tuple[int, str] | None, since: int, limit: int, now: int
) -> Statement:
    """Notes of `authors` from `since` up to the point, newest first: one range probe per author and kind."""
    keyset = "(created_at < :t OR (created_at = :t AND id > :i))" if before else "1"
    kind_rows = ", ".join(f"({int(k)})" for k in sorted(set(kinds)))
    # CROSS JOIN fixes the loop order, so each (author, kind) pair is one range probe of ev_author.
    sql = (
        f"WITH a(pk) AS (SELECT DISTINCT value FROM json_each(:authors)), k(kind) AS (VALUES {kind_rows}) "
        f"SELECT {_COLUMNS_E} FROM a CROSS JOIN k CROSS JOIN events INDEXED BY ev_author "
        f"WHERE {keyed_eq('pubkey', 'a.pk')} AND events.kind = k.kind AND created_at >= :since AND {keyset} "
        f"AND (expiration IS NULL OR expiration > :now) {NEWEST_FIRST} LIMIT :limit"
    )
    params: dict[str, object] = {
        "authors": json.dumps(sorted(set(authors))), "since": since, "limit": limit, "now": now
    }
    if before:
        params |= {"t": before[0], "i": before[1]}
    return sql, params


def thread_sql(root_id: str, kinds: Iterable[int] | None, now: int) -> Statement:
    """The root and every event with an `e` tag naming it, oldest first."""
    kind_cond = f"AND kind IN ({_kinds_sql(kinds)})" if kinds is not None else ""
    sql = (
        f"SELECT {EVENT_COLUMNS} FROM events WHERE ({keyed_eq('id', ':root')} OR n IN "
        f"(SELECT eid FROM tags WHERE name = 'e' AND {keyed_eq('value', ':root')})) "
        f"AND (expiration IS NULL OR expiration > :now) {kind_cond} {OLDEST_FIRST}"
    )
    return sql, {"root": root_id, "now": now}


def related_sql(note_id: str, relation: Relation, now: int) -> Statement:
    """Events in `relation` to the note (its replies, reactions, reposts or quotes), oldest first."""
    sql = (
        f"SELECT {EVENT_COLUMNS} FROM events WHERE n IN "
        f"(SELECT eid FROM refs WHERE {keyed_eq('target', ':id')} AND rel = :rel) "
        f"AND (expiration IS NULL OR expiration > :now) {OLDEST_FIRST}"
    )
    return sql, {"id": note_id, "rel": int(relation), "now": now}


def counts_sql(note_ids: Iterable[str], now: int) -> Statement:
    """Per note and relation, how many live events refer to it."""
    sql = (
        "SELECT r.target, r.rel, count(*) AS c FROM refs AS r JOIN events AS e ON e.n = r.eid "
        f"WHERE {keyed_in('r.target', ':ids')} "
        "AND (e.expiration IS NULL OR e.expiration > :now) GROUP BY r.target, r.rel"
    )
    return sql, {"ids": json.dumps(sorted(set(note_ids))), "now": now}


def marks_sql(note_ids: Iterable[str], pubkey: str, now: int) -> Statement:
    """Which relations one author's live events have to each of the notes (a reply, a reaction, a repost)."""
    sql = (
        "SELECT DISTINCT r.target, r.rel FROM refs AS r JOIN events AS e ON e.n = r.eid "
        f"WHERE {keyed_in('r.target', ':ids')} AND e.pubkey = :pk "
        "AND (e.expiration IS NULL OR e.expiration > :now)"
    )
    return sql, {"ids": json.dumps(sorted(set(note_ids))), "pk": pubkey, "now": now}


def profiles_sql(pubkeys: Iterable[str], now: int, kind: int = 0) -> Statement:
    """The kind-0 metadata events (or another replaceable kind) of the given authors."""
    sql = (
        f"SELECT {EVENT_COLUMNS} FROM events WHERE kind = {int(kind)} "
        f"AND {keyed_in('pubkey', ':pks')} AND (expiration IS NULL OR expiration > :now)"
    )
    return sql, {"pks": json.dumps(sorted(set(pubkeys))), "now": now}


@dataclass(frozen=True)
class Counts:
    """How many replies, reactions, reposts and quotes a note has in the cache."""

    replies: int = 0
    reactions: int = 0
    reposts: int = 0
    quotes: int = 0


@dataclass(frozen=True)
class CacheStats:
    """What `nostr-tui cache stats` reports."""

    path: str
    events: int
    by_kind: dict[int, int] = field(default_factory=dict)
    disk_bytes: int = 0
    used_bytes: int = 0
    free_bytes: int = 0
    relays: int = 0
    tombstones: int = 0
    schema_version: int = 0


class CacheReads:
    """Queries over the cache; mixed into EventCache. Never writes."""

    _db: Database
    _clock: Callable[[], float]
    path: Path

    def _now(self) -> int:
        return int(self._clock())

    def _guard(self) -> AbstractContextManager[None]:
        return translated(self.path, CacheCorruptError, "event cache")

    def _events(self, stmt: tuple[str, object]) -> list[Event]:
        sql, params = stmt
        with self._guard():
            return [row_event(r) for r in read_rows(self._db.conn, sql, params, EVENT_COLUMNS)]

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection, for EXPLAIN and integrity checks."""
        return self._db.conn

    def query(self, filters: Filter | Iterable[Filter]) -> list[Event]:
        """Events matching any of the filters, as `Filter.matches` decides; newest first (ties: lowest id).

        Each filter's `limit` applies to that filter's own results, as a relay does for a REQ.
        """
        flts = [filters] if isinstance(filters, Filter) else list(filters)
        now = self._now()
        found: dict[str, Event] = {}
        for flt in flts:
            stmt = filter_sql(flt, now)
            if stmt is not None:
                for ev in self._events(stmt):
                    found.setdefault(ev.id, ev)
        return sorted(found.values(), key=lambda e: (-e.created_at, e.id))

    def get(self, event_id: str) -> Event | None:
        """One event by id, if cached and not expired."""
        found = self.query(Filter.make(ids=[event_id]))
        return found[0] if found else None

    def search(self, text: str, *, kinds: Iterable[int] | None = None, limit: int = 50) -> list[Event]:
        """Events whose content contains every word of `text` (case-insensitive), newest first."""
        return self.query(Filter.make(search=text, kinds=kinds, limit=limit))

    def feed(
        self,
        authors: Iterable[str],
        *,
        kinds: Iterable[int] = (1, 6),
        before: tuple[int, str] | None = None,
        limit: int = 50,
    ) -> list[Event]:
        """A home-feed page: the newest `limit` notes of `authors` strictly before the point `before`
        (the (created_at, id) of the last note of the previous page), newest first."""
        authors, kinds = sorted(set(authors)), sorted(set(kinds))
        if not authors or not kinds or limit <= 0:
            return []
        now = self._now()
        sql, params = feed_heads_sql(authors, kinds, before, now)
        with self._guard():
            heads = read_rows(self._db.conn, sql, params, "pk, h")
        if len(heads) >= limit:
            # The limit-th newest author head bounds the page: those authors alone have `limit` notes above it.
            return self._events(feed_window_sql(authors, kinds, before, heads[limit - 1][1], limit, now))
        page: list[Event] = []
        for pk, _ in heads:
            for kind in kinds:
                page += self._events(feed_window_sql([pk], [kind], before, 0, limit, now))
        page.sort(key=lambda e: (-e.created_at, e.id))
        return page[:limit]

    def thread(self, root_id: str, *, kinds: Iterable[int] | None = None) -> list[Event]:
        """The root event and every event tagging it with `e`, oldest first, in one query."""
        return self._events(thread_sql(root_id, kinds, self._now()))

    def related(self, note_id: str, relation: Relation) -> list[Event]:
        """The note's direct replies, reactions, reposts or quotes, oldest first."""
        return self._events(related_sql(note_id, relation, self._now()))

    def counts(self, note_ids: Iterable[str]) -> dict[str, Counts]:
        """Reply, reaction, repost and quote counts for many notes at once (every id gets an entry)."""
        ids = sorted(set(note_ids))
        raw: dict[str, dict[int, int]] = {i: {} for i in ids}
        sql, params = counts_sql(ids, self._now())
        with self._guard():
            for target, rel, count in read_rows(self._db.conn, sql, params, "target, rel, c"):
                raw[target][rel] = count
        return {
            i: Counts(r.get(Relation.REPLY, 0), r.get(Relation.REACTION, 0), r.get(Relation.REPOST, 0),
                      r.get(Relation.QUOTE, 0))
            for i, r in raw.items()
        }

    def marks(self, note_ids: Iterable[str], pubkey: str) -> dict[str, frozenset[Relation]]:
        """For each note `pubkey` has replied to, reacted to, reposted or quoted: which of these (notes without
        any are left out)."""
        ids = sorted(set(note_ids))
        if not ids:
            return {}
        out: dict[str, set[Relation]] = {}
        sql, params = marks_sql(ids, pubkey, self._now())
        with self._guard():
            for target, rel in read_rows(self._db.conn, sql, params, "target, rel"):
                out.setdefault(target, set()).add(Relation(rel))
        return {k: frozenset(v) for k, v in out.items()}

    def profiles(self, pubkeys: Iterable[str]) -> dict[str, Event]:
        """The newest kind-0 metadata event of each given author that the cache holds."""
        return {e.pubkey: e for e in self._events(profiles_sql(pubkeys, self._now()))}

    def profiles_of_kind(self, pubkeys: Iterable[str], kind: int) -> list[Event]:
        """The cached events of one replaceable kind (0 metadata, 3 follows, 10002 relays...) by these authors."""
        return self._events(profiles_sql(pubkeys, self._now(), kind))

    def get_sync(self, relay: str, key: str) -> int | None:
        """The newest created_at seen from `relay` for the subscription `key` (resume with since=it)."""
        with self._guard():
            row = self._db.conn.execute("SELECT newest FROM sync WHERE relay = ? AND key = ?", (relay, key)).fetchone()
        return None if row is None else int(row[0])

    def seen_on(self, event_id: str) -> list[str]:
        """URLs of the relays the event was received from, sorted."""
        with self._guard():
            rows = self._db.conn.execute(
                "SELECT r.url FROM events e JOIN seen s ON s.eid = e.n JOIN relays r ON r.rid = s.rid "
                f"WHERE {keyed_eq('e.id', ':id')} ORDER BY r.url",
                {"id": event_id},
            ).fetchall()
        return [r[0] for r in rows]

    def stats(self) -> CacheStats:
        """Event counts by kind and sizes on disk."""
        c = self._db.conn
        with self._guard():
            by_kind = {int(k): int(n) for k, n in c.execute("SELECT kind, count(*) FROM events GROUP BY kind")}
            page_size = c.execute("PRAGMA page_size").fetchone()[0]
            pages = c.execute("PRAGMA page_count").fetchone()[0]
            free = c.execute("PRAGMA freelist_count").fetchone()[0]
            relays = c.execute("SELECT count(*) FROM relays").fetchone()[0]
            tomb = c.execute("SELECT (SELECT count(*) FROM deleted_ids) + (SELECT count(*) FROM deleted_slots)")
            tombstones = tomb.fetchone()[0]
            version = schema_version(c)
        return CacheStats(
            str(self.path), sum(by_kind.values()), dict(sorted(by_kind.items())), file_bytes(self.path),
            (pages - free) * page_size, free * page_size, relays, tombstones, version,
        )

    def check(self) -> str:
        """SQLite's own consistency check of the file: "ok" or the first problem found."""
        with self._guard():
            row = self._db.conn.execute("PRAGMA quick_check(1)").fetchone()
        return str(row[0])
