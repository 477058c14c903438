"""Writing many plain events at once, and the search index filled behind the writes.

A plain event is one no rule of the cache treats specially: not ephemeral, not a deletion (kind 5), not
replaceable or addressable. Most of what relays send is plain, and a batch of them is stored with a few
statements per table: one probe for the ids already cached or deleted, then the rows of events, tags,
relations, relays seen and the search queue. Their row numbers are given here, not read back one by one.

Each INSERT takes hundreds of rows at once (a multi-row VALUES; the search queue and the relays seen, which
hold row numbers, take all of theirs as one JSON array) and each probe answers in one row (`db.read_rows`),
so SQLite runs a batch in a few calls without Python's GIL. `executemany` steps once per
row, and each step gives the GIL up and waits to take it back: while another thread is busy (the event loop
reading relays, the screen), that wait lasts up to the interpreter's switch interval (5 ms), and a writer
that stores 25,000 events a second alone stores under a thousand.

The full-text index (trigrams of the content's distinct lower-cased words) is the costliest part of a
write and is not needed to show a note: a new note's row number goes to `fts_pending`, and `index_pending`
moves a chunk of them into the index when the writer has time. Search reads the pending rows as well, so
a note is found from the moment it is stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from enum import StrEnum

import orjson

from ..protocol.event import Event, Tags, is_addressable, is_ephemeral, is_replaceable
from .db import read_rows
from .rules import keyed_eq, ref_rows, tag_facts

INDEX_CHUNK = 2000
"""Pending notes moved into the search index per transaction."""


class AddStatus(StrEnum):
    """What happened to one event given to `EventCache.add`."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # already cached (its relay is still recorded)
    EPHEMERAL = "ephemeral"  # kinds 20000-29999 are never stored
    EXPIRED = "expired"  # NIP-40 expiration already passed
    DELETED = "deleted"  # a NIP-09 deletion by its author was seen
    OLDER = "older"  # a newer version of this replaceable/addressable event is cached


def fts_body(content: str) -> str | None:
    """The text put in the search index for some content: its distinct lower-cased words of 3 or more
    characters, or None when it has none. A search word (no white space in it) found in a note lies within
    one of the note's words, so the trigrams between words are never asked for. A NUL counts as a space:
    the index reads no further than one."""
    words = [w for w in dict.fromkeys(content.lower().replace("\0", " ").split()) if len(w) >= 3]
    return " ".join(words) if words else None


def tags_json(tags: Tags) -> str:
    """The tags column: compact JSON of the tags."""
    try:
        return orjson.dumps(tags).decode()
    except TypeError:  # a lone surrogate in an event built by hand: the json module still writes it
        return json.dumps(tags, separators=(",", ":"), ensure_ascii=False)


def is_plain(event: Event) -> bool:
    """True for an event no replacement or deletion rule applies to (see the module docstring)."""
    plain = _PLAIN_KINDS.get(event.kind)
    if plain is None:  # kinds are 0-65535 (parse_event), so the memo stays small
        kind = event.kind
        plain = _PLAIN_KINDS[kind] = (
            kind != 5 and not is_ephemeral(kind) and not is_replaceable(kind) and not is_addressable(kind)
        )
    return plain


_PLAIN_KINDS: dict[int, bool] = {}


def json_array(values: Sequence[object]) -> str:
    """A JSON array of ids or row numbers, for `json_each`."""
    return orjson.dumps(values).decode()


ROWS_PER_STATEMENT = 512
"""Rows one INSERT statement takes at most (fewer when SQLite allows fewer variables per statement); four times
as many for tables of two columns (the search index's rows)."""
_ROWS_SQL: dict[tuple[str, str, int, int], str] = {}


def insert_rows(conn: sqlite3.Connection, head: str, width: int, values: list[object], select: str = "*") -> None:
    """Run `head` (an INSERT naming its columns) for rows of `width` values given one after the other in
    `values`, up to 512 rows a statement (see the module docstring); `select` says what is inserted of each
    row (its values are `column1`, `column2`, ...). Every statement has room for the full number of rows: the
    unused places are bound to 0 and cut off by its LIMIT, so one prepared statement serves every batch size.
    Not NULL: the sqlite3 module binds None only after looking for an adapter for it (two failed attribute
    lookups, about 2 us a value here, against 0.1 us for an integer), so a statement of 100 rows padded to
    512 with NULLs took 1.3 ms, with zeros 0.13 ms."""
    count = len(values) // width
    if not count:
        return
    most = ROWS_PER_STATEMENT * (4 if width <= 2 else 1)
    per = max(1, min(most, (conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 1) // width))
    if count < 8:  # a handful of rows: a statement of their own size
        per = count
    key = (head, select, width, per)
    sql = _ROWS_SQL.get(key)
    if sql is None:
        row = f"({', '.join('?' * width)})"
        sql = _ROWS_SQL[key] = f"{head} SELECT {select} FROM (VALUES {', '.join([row] * per)}) LIMIT ?"
    room = per * width
    for start in range(0, count * width, room):
        params = values[start : start + room]
        rows = len(params) // width
        if rows < per:
            params += [0] * (room - len(params))
        params.append(rows)
        conn.execute(sql, params)


_EVENT_VALUES = ", ".join([f"column{i}" for i in range(1, 9)] + ["nullif(column9, 0)"])

# The ids cached: each id of the batch looked up in ev_id, a join rather than `IN` (which builds two temporary
# b-trees of the batch's ids before it looks up any); CROSS JOIN keeps the batch's ids as the outer loop.
_PROBE = (
    f"SELECT 0 AS what, e.id AS a, e.n AS b FROM json_each(:ids) AS j CROSS JOIN events AS e ON "
    f"{keyed_eq('e.id', 'j.value')} "
    "UNION ALL SELECT 1, id, pubkey FROM deleted_ids WHERE id IN (SELECT value FROM json_each(:ids)) "
    "UNION ALL SELECT 2, NULL, coalesce(max(n), 0) + 1 FROM events"
)


def add_plain(conn: sqlite3.Connection, events: Sequence[Event], rid: int | None, now: int) -> list[AddStatus]:
    """Store plain events (in one open transaction), a status for each, in order.

    The rows of each table are built as one flat list of values (no tuple per row), and each event's tags are
    read once for its tag rows, its expiration and whether it names another note (`ref_rows` is asked only
    then). Less Python per event is also less time holding the GIL the event loop needs meanwhile."""
    # One statement answers the three questions asked before the rows are built (each statement waits its turn
    # for the GIL beside a busy event loop): the ids already cached, those deleted by their authors, and the
    # next row number.
    known: dict[str, int] = {}
    deleted: set[tuple[str, str]] = set()
    n = 1
    for what, a, b in read_rows(conn, _PROBE, {"ids": json_array([e.id for e in events])}, "what, a, b"):
        if what == 0:
            known[a] = b
        elif what == 1:
            deleted.add((a, b))
        else:
            n = b
    statuses: list[AddStatus] = []
    rows: list[object] = []
    tags: list[object] = []
    refs: list[object] = []
    pending: list[int] = []
    seen: list[int] = []  # row numbers of the events `rid` sent
    for ev in events:
        have = known.get(ev.id)
        if have is not None:
            if rid is not None:
                seen.append(have)
            statuses.append(AddStatus.DUPLICATE)
            continue
        if deleted and (ev.id, ev.pubkey) in deleted:
            statuses.append(AddStatus.DELETED)
            continue
        expiration = None
        if ev.tags:
            letters, expiration, names_note = tag_facts(ev.tags)
            if expiration is not None and expiration <= now:
                statuses.append(AddStatus.EXPIRED)
                continue
            created_at = ev.created_at
            for name, value in letters:
                tags += (name, value, created_at, n)
            if names_note:
                for target, rel, _ in ref_rows(ev, n):
                    refs += (target, rel, n)
        known[ev.id] = n
        rows += (n, ev.id, ev.pubkey, ev.created_at, ev.kind, tags_json(ev.tags), ev.content, ev.sig, expiration or 0)
        if len(ev.content) >= 3:  # the indexer skips what has no word to index
            pending.append(n)
        if rid is not None:
            seen.append(n)
        statuses.append(AddStatus.STORED)
        n += 1
    # No expiration is bound as 0 and stored as NULL: binding None costs the sqlite3 module a failed adapter
    # lookup (see `insert_rows`), and 0 cannot be an expiration kept (it has passed).
    insert_rows(conn, "INSERT INTO events(n, id, pubkey, created_at, kind, tags, content, sig, expiration)", 9, rows,
                _EVENT_VALUES)
    insert_rows(conn, "INSERT INTO tags(name, value, created_at, eid)", 4, tags)
    insert_rows(conn, "INSERT INTO refs(target, rel, eid)", 3, refs)
    if pending:
        conn.execute("INSERT INTO fts_pending(n) SELECT value FROM json_each(?)", (json_array(pending),))
    if seen:
        conn.execute("INSERT OR IGNORE INTO seen(eid, rid) SELECT value, ? FROM json_each(?)",
                     (rid, json_array(seen)))
    return statuses


def queue_for_index(conn: sqlite3.Connection, n: int, content: str) -> None:
    """Queue one stored event's content for the search index (the rule of `add_plain` and migration 5; the
    indexer skips what has no word to index)."""
    if len(content) >= 3:
        conn.execute("INSERT INTO fts_pending VALUES (?)", (n,))


def unindex(conn: sqlite3.Connection, rows: Sequence[tuple[int, str]]) -> None:
    """Take events (row number, content) being deleted out of the search index or its queue."""
    if not rows:
        return
    numbers = json_array([n for n, _ in rows])
    queued = {r[0] for r in conn.execute(
        "SELECT n FROM fts_pending WHERE n IN (SELECT value FROM json_each(?))", (numbers,))}
    if queued:
        conn.execute("DELETE FROM fts_pending WHERE n IN (SELECT value FROM json_each(?))", (numbers,))
    indexed = []
    for n, content in rows:
        body = fts_body(content)
        if body is not None and n not in queued:
            indexed.append((n, body))
    conn.executemany("INSERT INTO fts(fts, rowid, body) VALUES ('delete', ?, ?)", indexed)


def index_pending(conn: sqlite3.Connection, limit: int = INDEX_CHUNK) -> int:
    """Move up to `limit` queued events into the search index (in one open transaction); returns how many."""
    rows = read_rows(
        conn, "SELECT p.n, e.content FROM fts_pending AS p JOIN events AS e ON e.n = p.n ORDER BY p.n LIMIT ?",
        (limit,), "n, content",
    )
    if not rows:
        conn.execute("DELETE FROM fts_pending")  # rows whose event is gone (none should be)
        return 0
    bodies: list[object] = []
    for n, content in rows:
        body = fts_body(content)
        if body is not None:
            bodies += (n, body)
    insert_rows(conn, "INSERT INTO fts(rowid, body)", 2, bodies)
    conn.execute("DELETE FROM fts_pending WHERE n <= ?", (rows[-1][0],))
    return len(rows)


def pending_count(conn: sqlite3.Connection) -> int:
    """Events waiting for the search index."""
    return int(conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0])
