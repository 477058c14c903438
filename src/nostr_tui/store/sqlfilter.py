"""Translate a protocol `Filter` into one SQL statement over the cache, with `Filter.matches` semantics."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable

from ..protocol.filters import Filter
from .rules import INT64_MAX, INT64_MIN, keyed_eq, keyed_in, search_words

EVENT_COLUMNS = "id, pubkey, created_at, kind, tags, content, sig"
NEWEST_FIRST = "ORDER BY created_at DESC, id"
NOT_EXPIRED = "(expiration IS NULL OR expiration > ?)"


@functools.lru_cache(maxsize=64)
def _words(words_json: str) -> tuple[str, ...]:
    return tuple(json.loads(words_json))


def contains_all(content: str | None, words_json: str | None) -> int:
    """SQL function `nt_contains_all(content, words)`: every word is a substring of the lower-cased content."""
    if content is None or words_json is None:
        return 0
    text = content.lower()
    return int(all(w in text for w in _words(words_json)))


def fts_query(words: Iterable[str]) -> str | None:
    """An FTS5 query for notes holding every trigram of the words (those of 3+ characters), or None.

    The index keeps no positions, so it finds notes with the trigrams anywhere in them; the words themselves
    are then checked in each note found (`nt_contains_all`). A trigram with a NUL is never indexed."""
    grams = sorted({w[i : i + 3] for w in words for i in range(len(w) - 2)})
    terms = ['"' + g.replace('"', '""') + '"' for g in grams if "\0" not in g]
    return " AND ".join(terms) if terms else None


def filter_sql(flt: Filter, now: int) -> tuple[str, list[object]] | None:
    """The SELECT for one filter (newest first, limit applied), or None when it can match nothing."""
    where = [NOT_EXPIRED]
    params: list[object] = [now]
    kinds = None if flt.kinds is None else sorted(k for k in flt.kinds if INT64_MIN <= k <= INT64_MAX)
    ids = None if flt.ids is None else sorted(flt.ids)
    authors = None if flt.authors is None else sorted(flt.authors)
    for column, values in (("id", ids), ("pubkey", authors), ("kind", kinds)):
        if values is None:
            continue
        if not values:
            return None
        keyed = column != "kind"  # ids and pubkeys are indexed by their first characters (the `?` twice)
        if len(values) == 1:  # an equality lets an index deliver rows already in order
            where.append(keyed_eq(column, "?") if keyed else f"{column} = ?")
            params += [values[0]] * (2 if keyed else 1)
        else:
            where.append(keyed_in(column, "?") if keyed else f"{column} IN (SELECT value FROM json_each(?))")
            params += [json.dumps(values)] * (2 if keyed else 1)
    if flt.since is not None:
        if flt.since > INT64_MAX:
            return None
        if flt.since > INT64_MIN:
            where.append("created_at >= ?")
            params.append(flt.since)
    if flt.until is not None:
        if flt.until < INT64_MIN:
            return None
        if flt.until < INT64_MAX:
            where.append("created_at <= ?")
            params.append(flt.until)
    for name, accepted in flt.tags:
        if not accepted:
            return None
        if len(accepted) == 1:
            where.append(f"n IN (SELECT eid FROM tags WHERE name = ? AND {keyed_eq('value', '?')})")
            params += [name, *[next(iter(accepted))] * 2]
        else:
            where.append(f"n IN (SELECT eid FROM tags WHERE name = ? AND {keyed_in('value', '?')})")
            params += [name, *[json.dumps(sorted(accepted))] * 2]
    if flt.search is not None:
        words = search_words(flt.search)
        match = fts_query(words)
        if match is not None:
            # Notes not yet in the index are read too: found from the moment they are stored.
            where.append("(n IN (SELECT rowid FROM fts WHERE fts MATCH ?) OR n IN (SELECT n FROM fts_pending))")
            params.append(match)
        if words:
            where.append("nt_contains_all(content, ?)")
            params.append(json.dumps(words))
    sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE {' AND '.join(where)} {NEWEST_FIRST}"
    if flt.limit is not None:
        if flt.limit <= 0:
            return None
        sql += " LIMIT ?"
        params.append(min(flt.limit, INT64_MAX))
    return sql, params
