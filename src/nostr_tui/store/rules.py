"""Pure rules of the cache: what an event indexes, replaces, deletes and when it expires."""

from __future__ import annotations

from enum import IntEnum

from ..protocol import nip10
from ..protocol.event import Event, Tags, is_addressable, is_replaceable

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

KEY_CHARS = {"id": 8, "pubkey": 8, "target": 8, "value": 16}
"""Leading characters of a column's values that the cache's prefix indexes hold (`substr(x, 1, n)`): ids,
pubkeys and the note ids relations point at (hex) by 8, tag values (any text, such as `30023:<pubkey>:<d>`
or a hashtag) by 16.

A 64-character hex string in an index is written into a random page with every insert, and a batch of
inserts touches most of an index's pages: the smaller the entries, the fewer pages a commit writes. 8 hex
characters (32 bits) tell a million ids apart with about a hundred pairs sharing a prefix; tag values keep
16, so that the kind and pubkey of an address still tell most apart. The full value stays in the row, and
every lookup compares it too (`keyed_eq`, `keyed_in`), so two values sharing a prefix are told apart: they
only cost the lookup one more row to read."""


def _chars(column: str) -> int:
    return KEY_CHARS[column.rpartition(".")[2]]


def key_expr(column: str, chars: int | None = None) -> str:
    """The indexed expression of a column (it must be written exactly so for SQLite to use the index); `chars`
    is the prefix length, by default that of the column's name in `KEY_CHARS`."""
    return f"substr({column}, 1, {_chars(column) if chars is None else chars})"


def keyed_eq(column: str, param: str) -> str:
    """SQL: `column = param`, found through the column's prefix index. `param` appears twice: a positional
    `?` needs its value given twice.

    The full comparison is written `+column = param`: given a plain `column = ?`, SQLite puts the value in
    place of the column everywhere else in the condition, and the prefix term no longer matches the index."""
    chars = _chars(column)
    return f"({key_expr(column)} = {key_expr(param, chars)} AND +{column} = {param})"


def keyed_in(column: str, param: str) -> str:
    """SQL: `column` is one of the values of the JSON array `param`, found through the column's prefix index.
    `param` appears twice, as in `keyed_eq`."""
    return (
        f"({key_expr(column)} IN (SELECT {key_expr('value', _chars(column))} FROM json_each({param})) "
        f"AND +{column} IN (SELECT value FROM json_each({param})))"
    )


class Relation(IntEnum):
    """How one event refers to a note: the counts a feed shows under it."""

    REPLY = 1  # kind 1 whose NIP-10 parent is the note
    REACTION = 2  # kind 7 whose last `e` tag is the note
    REPOST = 3  # kind 6 or 16 whose last `e` tag is the note
    QUOTE = 4  # kind 1 with a `q` tag naming the note


def expiration_value(value: str) -> int | None:
    """The time an `expiration` tag's value names, or None when it is not a decimal number."""
    if value.isascii() and value.isdigit():
        return min(int(value), INT64_MAX)
    return None


def expiration_of(event: Event) -> int | None:
    """The NIP-40 expiration time (its first `expiration` tag), or None (absent or not a decimal number)."""
    for tag in event.tags:
        if len(tag) >= 2 and tag[0] == "expiration":
            return expiration_value(tag[1])
    return None


def is_expired(event: Event, now: float) -> bool:
    """True when the event carries an expiration time that is not after `now`."""
    exp = expiration_of(event)
    return exp is not None and exp <= now


def slot_of(event: Event) -> str | None:
    """The replacement slot within (author, kind): "" for replaceable kinds, the `d` tag for
    addressable ones, None for events that are never replaced."""
    if is_replaceable(event.kind):
        return ""
    if is_addressable(event.kind):
        return event.d_tag
    return None


def newer(created_a: int, id_a: str, created_b: int, id_b: str) -> bool:
    """True when version a wins over version b: newer, or as old with the lower id (NIP-01)."""
    return created_a > created_b or (created_a == created_b and id_a < id_b)


def tag_facts(tags: Tags) -> tuple[list[tuple[str, str]], int | None, bool]:
    """What the cache reads of an event's tags, in one pass: its distinct single-letter tags with a value
    (letter, first value), in order; its expiration (`expiration_of`); whether it names another note (an `e`
    or `q` tag, without which `ref_rows` finds nothing)."""
    letters: list[tuple[str, str]] = []
    expiration = None
    names_note = timed = False
    for t in tags:
        if len(t) < 2:
            continue
        name = t[0]
        if len(name) == 1:
            letters.append((name, t[1]))
            names_note = names_note or name == "e" or name == "q"
        elif name == "expiration" and not timed:  # the first one counts
            timed = True
            expiration = expiration_value(t[1])
    return (list(dict.fromkeys(letters)) if len(letters) > 1 else letters), expiration, names_note


def tag_rows(event: Event, eid: int) -> set[tuple[str, str, int, int]]:
    """Rows of the tag index: (letter, first value, created_at, eid) for single-letter tags."""
    return {(name, value, event.created_at, eid) for name, value in tag_facts(event.tags)[0]}


def _last_e(event: Event) -> str | None:
    values = event.tag_values("e")
    return values[-1] if values else None


def ref_rows(event: Event, eid: int) -> set[tuple[str, int, int]]:
    """Rows of the relation index: (target note id, Relation, eid)."""
    rows: set[tuple[str, int, int]] = set()
    if event.kind == 1:
        if not any(len(t) >= 2 and (t[0] == "e" or t[0] == "q") for t in event.tags):
            return rows  # most notes: no reply and no quote, nothing for nip10 to read
        parent, quoted = nip10.parent_and_quotes(event.tags)
        if parent is not None:
            rows.add((parent, int(Relation.REPLY), eid))
        for quote in quoted:
            rows.add((quote, int(Relation.QUOTE), eid))
    elif event.kind == 7:
        target = _last_e(event)
        if target is not None:
            rows.add((target, int(Relation.REACTION), eid))
    elif event.kind in (6, 16):
        target = _last_e(event)
        if target is not None:
            rows.add((target, int(Relation.REPOST), eid))
    return rows


def parse_address(value: str) -> tuple[int, str, str] | None:
    """Split an `a` tag value `kind:pubkey:d` into its parts, or None when malformed."""
    parts = value.split(":", 2)
    if len(parts) != 3 or not parts[0].isascii() or not parts[0].isdigit() or len(parts[0]) > 5:
        return None
    kind = int(parts[0])
    if not (is_replaceable(kind) or is_addressable(kind)):
        return None
    return kind, parts[1], parts[2]


def search_words(search: str) -> list[str]:
    """The words of a NIP-50 search string, lower-cased as `Filter.matches` compares them."""
    return search.lower().split()
