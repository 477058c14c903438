"""Shrinking the event cache to a size cap without touching what the user cannot get back easily."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass

from .cache import EventCache, delete_rows
from .db import file_bytes
from .sqlfilter import EVENT_COLUMNS

_MAX_ROUNDS = 8


@dataclass(frozen=True)
class PruneReport:
    """Sizes and counts before and after a prune. `within_cap` is False when protected data alone
    is larger than the cap."""

    cap_bytes: int
    before_bytes: int
    after_bytes: int
    events_before: int
    events_after: int
    deleted: int
    expired: int
    within_cap: bool


def _used_bytes(cache: EventCache) -> int:
    c = cache.connection
    pages = c.execute("PRAGMA page_count").fetchone()[0] - c.execute("PRAGMA freelist_count").fetchone()[0]
    return int(pages * c.execute("PRAGMA page_size").fetchone()[0])


def _count(cache: EventCache) -> int:
    return int(cache.connection.execute("SELECT count(*) FROM events").fetchone()[0])


def _incremental_vacuum(cache: EventCache) -> None:
    # sqlite3's execute() steps a statement once, and this pragma frees one page per step;
    # executescript() runs it to the end (there is no open transaction to commit here).
    cache.connection.executescript("PRAGMA incremental_vacuum;")


def follows_of(cache: EventCache, authors: Iterable[str]) -> set[str]:
    """Pubkeys in the cached follow lists (kind 3 `p` tags) of the given authors."""
    found: set[str] = set()
    for ev in cache.profiles_of_kind(authors, 3):
        found.update(ev.tag_values("p"))
    return found


def prune(
    cache: EventCache,
    max_bytes: int,
    protected_authors: Iterable[str] = (),
    protected_profiles: Iterable[str] = (),
    *,
    full_vacuum: bool = False,
) -> PruneReport:
    """Delete the oldest events until the cache uses at most `max_bytes`, then give the space back.

    Never deleted: any event by `protected_authors` (the user's accounts, their follow lists among
    them), and kind-0 profiles of `protected_profiles` and of everyone those follow lists name.
    Expired events go first. The state file is a different file and is never involved.
    """
    authors = set(protected_authors)
    profiles = set(protected_profiles) | follows_of(cache, authors) | authors
    conn = cache.connection
    with cache._guard():
        before = file_bytes(cache.path)
        events_before = _count(cache)
        expired = cache.delete_expired()
        deleted = 0
        for _ in range(_MAX_ROUNDS):
            used, total = _used_bytes(cache), _count(cache)
            if used <= max_bytes or total == 0:
                break
            # Deleting leaves index pages half empty, so aim below the cap and compact afterwards.
            need = max(1, math.ceil((used - 0.85 * max_bytes) / (used / total)))
            with cache.transaction():
                rows = conn.execute(
                    f"SELECT n, {EVENT_COLUMNS} FROM events WHERE NOT (pubkey IN (SELECT value FROM json_each(?)) "
                    "OR (kind = 0 AND pubkey IN (SELECT value FROM json_each(?)))) "
                    "ORDER BY created_at, id DESC LIMIT ?",
                    (json.dumps(sorted(authors)), json.dumps(sorted(profiles)), need),
                ).fetchall()
                delete_rows(conn, rows)
            deleted += len(rows)
            conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")  # drops deleted rows from the index
            _incremental_vacuum(cache)
            if full_vacuum or _used_bytes(cache) > max_bytes:
                conn.execute("VACUUM")
            if not rows:
                break
        if full_vacuum and not deleted:
            conn.execute("VACUUM")
        _incremental_vacuum(cache)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        used = _used_bytes(cache)
        return PruneReport(
            max_bytes, before, file_bytes(cache.path), events_before, _count(cache), deleted, expired,
            used <= max_bytes,
        )
