"""Schema versions of the cache and state files: each list entry migrates version n to n+1."""

from __future__ import annotations

import json
import sqlite3

from ..protocol.event import Event
from .db import Migration, run_statements
from .rules import ref_rows

_CACHE_V1 = (
    """CREATE TABLE events (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        pubkey TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        tags TEXT NOT NULL,
        content TEXT NOT NULL,
        sig TEXT NOT NULL,
        d TEXT,
        expiration INTEGER
    )""",
    "CREATE INDEX ev_time ON events(created_at DESC, id)",
    "CREATE INDEX ev_author ON events(pubkey, kind, created_at DESC, id)",
    "CREATE INDEX ev_kind ON events(kind, created_at DESC, id)",
    "CREATE UNIQUE INDEX ev_slot ON events(pubkey, kind, d) WHERE d IS NOT NULL",
    "CREATE INDEX ev_expiration ON events(expiration) WHERE expiration IS NOT NULL",
    """CREATE TABLE tags (
        name TEXT NOT NULL, value TEXT NOT NULL, created_at INTEGER NOT NULL, eid INTEGER NOT NULL,
        PRIMARY KEY (name, value, created_at, eid)
    ) WITHOUT ROWID""",
    "CREATE TABLE relays (rid INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE)",
    "CREATE TABLE seen (eid INTEGER NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (eid, rid)) WITHOUT ROWID",
    """CREATE TABLE deleted_ids (
        id TEXT NOT NULL, pubkey TEXT NOT NULL, PRIMARY KEY (id, pubkey)
    ) WITHOUT ROWID""",
    """CREATE TABLE deleted_slots (
        pubkey TEXT NOT NULL, kind INTEGER NOT NULL, d TEXT NOT NULL, until INTEGER NOT NULL,
        PRIMARY KEY (pubkey, kind, d)
    ) WITHOUT ROWID""",
    """CREATE TABLE sync (
        relay TEXT NOT NULL, key TEXT NOT NULL, newest INTEGER NOT NULL, PRIMARY KEY (relay, key)
    ) WITHOUT ROWID""",
)

_CACHE_V2 = (
    # Lower-cased content, indexed by trigrams so that a search word matches any substring.
    """CREATE VIRTUAL TABLE fts USING fts5(
        body, content='', columnsize=0, tokenize='trigram case_sensitive 1'
    )""",
    """CREATE TABLE refs (
        target TEXT NOT NULL, rel INTEGER NOT NULL, eid INTEGER NOT NULL, PRIMARY KEY (target, rel, eid)
    ) WITHOUT ROWID""",
)


def _cache_v1(conn: sqlite3.Connection) -> None:
    run_statements(conn, _CACHE_V1)


def _cache_v2(conn: sqlite3.Connection) -> None:
    run_statements(conn, _CACHE_V2)
    rows = conn.execute("SELECT n, id, pubkey, created_at, kind, tags, content, sig FROM events")
    for n, id_, pubkey, created_at, kind, tags, content, sig in rows.fetchall():
        event = Event(id_, pubkey, created_at, kind, tuple(tuple(t) for t in json.loads(tags)), content, sig)
        conn.execute("INSERT INTO fts(rowid, body) VALUES (?, ?)", (n, content.lower()))
        conn.executemany("INSERT OR IGNORE INTO refs VALUES (?, ?, ?)", ref_rows(event, n))


def _cache_v3(conn: sqlite3.Connection) -> None:
    # Stored events whose content is not yet in the search index (filled behind the writes; search reads both).
    conn.execute("CREATE TABLE fts_pending (n INTEGER PRIMARY KEY)")


_CACHE_V4 = (
    # The time-ordered indexes end at created_at: every entry already carries its row number, and an id in
    # each of them (64 characters, three times over) made the file's random-key pages, and so what a write
    # touches, about a third larger. Ties of a second are ordered by id after the index (a few rows).
    "DROP INDEX ev_time",
    "DROP INDEX ev_author",
    "DROP INDEX ev_kind",
    "CREATE INDEX ev_time ON events(created_at DESC)",
    "CREATE INDEX ev_author ON events(pubkey, kind, created_at DESC)",
    "CREATE INDEX ev_kind ON events(kind, created_at DESC)",
)


def _cache_v4(conn: sqlite3.Connection) -> None:
    run_statements(conn, _CACHE_V4)


_CACHE_V5 = (
    # The search index holds each note's distinct words once, and only which notes hold a trigram, not where
    # (detail=none): search asks for the trigrams of every word and checks the words in the notes found, so
    # positions were never needed. A quarter of the size, half the time to index. The old index is dropped and
    # every note queued again; search reads the queued notes meanwhile.
    "DROP TABLE fts",
    """CREATE VIRTUAL TABLE fts USING fts5(
        body, content='', columnsize=0, detail=none, tokenize='trigram case_sensitive 1'
    )""",
    "INSERT OR IGNORE INTO fts_pending(n) SELECT n FROM events WHERE length(content) >= 3",
)


def _cache_v5(conn: sqlite3.Connection) -> None:
    run_statements(conn, _CACHE_V5)


_CACHE_V6 = (
    # Ids, pubkeys and tag values are indexed by their first 16 characters, not all 64: the
    # indexes that every batch of inserts writes all over become a third of their size. The id is no longer
    # UNIQUE to SQLite (the one writer looks each id up before storing it), and tags and refs become plain
    # tables with a prefix index beside them. Row numbers are kept, so the search index and seen stay valid.
    """CREATE TABLE events_v6 (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        pubkey TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        tags TEXT NOT NULL,
        content TEXT NOT NULL,
        sig TEXT NOT NULL,
        d TEXT,
        expiration INTEGER
    )""",
    "INSERT INTO events_v6 SELECT n, id, pubkey, created_at, kind, tags, content, sig, d, expiration FROM events",
    "DROP TABLE events",
    "ALTER TABLE events_v6 RENAME TO events",
    "CREATE INDEX ev_id ON events(substr(id, 1, 16))",
    "CREATE INDEX ev_time ON events(created_at DESC)",
    "CREATE INDEX ev_author ON events(substr(pubkey, 1, 16), kind, created_at DESC)",
    "CREATE INDEX ev_kind ON events(kind, created_at DESC)",
    "CREATE UNIQUE INDEX ev_slot ON events(pubkey, kind, d) WHERE d IS NOT NULL",
    "CREATE INDEX ev_expiration ON events(expiration) WHERE expiration IS NOT NULL",
    """CREATE TABLE tags_v6 (
        name TEXT NOT NULL, value TEXT NOT NULL, created_at INTEGER NOT NULL, eid INTEGER NOT NULL
    )""",
    "INSERT INTO tags_v6 SELECT name, value, created_at, eid FROM tags",
    "DROP TABLE tags",
    "ALTER TABLE tags_v6 RENAME TO tags",
    "CREATE INDEX tag_key ON tags(name, substr(value, 1, 16))",
    "CREATE TABLE refs_v6 (target TEXT NOT NULL, rel INTEGER NOT NULL, eid INTEGER NOT NULL)",
    "INSERT INTO refs_v6 SELECT target, rel, eid FROM refs",
    "DROP TABLE refs",
    "ALTER TABLE refs_v6 RENAME TO refs",
    "CREATE INDEX ref_key ON refs(substr(target, 1, 16), rel)",
)


def _cache_v6(conn: sqlite3.Connection) -> None:
    run_statements(conn, _CACHE_V6)


_CACHE_V7 = (
    # Ids, pubkeys and relation targets (hex) are indexed by 8 characters (rules.KEY_CHARS): the three indexes
    # a batch of inserts writes all over lose a third of their size again. Tag values keep 16.
    "DROP INDEX ev_id",
    "DROP INDEX ev_author",
    "DROP INDEX ref_key",
    "CREATE INDEX ev_id ON events(substr(id, 1, 8))",
    "CREATE INDEX ev_author ON events(substr(pubkey, 1, 8), kind, created_at DESC)",
    "CREATE INDEX ref_key ON refs(substr(target, 1, 8), rel)",
)


def _cache_v7(conn: sqlite3.Connection) -> None:
    run_statements(conn, _CACHE_V7)


CACHE_MIGRATIONS: tuple[Migration, ...] = (_cache_v1, _cache_v2, _cache_v3, _cache_v4, _cache_v5, _cache_v6, _cache_v7)

_STATE_V1 = (
    "CREATE TABLE outbox (id TEXT PRIMARY KEY, event TEXT NOT NULL, added_at REAL NOT NULL)",
    """CREATE TABLE deliveries (
        id TEXT NOT NULL, relay TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
        message TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0, last_try REAL,
        PRIMARY KEY (id, relay)
    ) WITHOUT ROWID""",
    "CREATE INDEX deliveries_relay ON deliveries(relay, state)",
    "CREATE TABLE drafts (key TEXT PRIMARY KEY, text TEXT NOT NULL, updated_at REAL NOT NULL)",
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


_STATE_V2 = (
    # Versions of the user's replaceable lists (follows, mutes, relays, profile) that a change replaced.
    """CREATE TABLE list_history (
        n INTEGER PRIMARY KEY, pubkey TEXT NOT NULL, kind INTEGER NOT NULL, id TEXT NOT NULL,
        event TEXT NOT NULL, replaced_at REAL NOT NULL, UNIQUE (pubkey, kind, id)
    )""",
    # What a published list event changed (so a queued one can be re-applied on a newer version).
    "CREATE TABLE list_changes (id TEXT PRIMARY KEY, change TEXT NOT NULL, added_at REAL NOT NULL)",
)


def _state_v1(conn: sqlite3.Connection) -> None:
    run_statements(conn, _STATE_V1)


def _state_v2(conn: sqlite3.Connection) -> None:
    run_statements(conn, _STATE_V2)


STATE_MIGRATIONS: tuple[Migration, ...] = (_state_v1, _state_v2)
