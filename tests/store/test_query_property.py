"""Property tests: for random events and filters the cache returns what `Filter.matches` selects."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nostr_tui.protocol.event import Event, is_addressable, is_ephemeral, is_replaceable
from nostr_tui.protocol.filters import Filter
from nostr_tui.store import EventCache

from .conftest import Clock, make_event, pubkey_of

NOW = 1_000
AUTHORS = [pubkey_of(i) for i in range(3)]
WORDS = ["nostr", "Nostr", "NOSTR", "fun", "ok", "a", "Ünï", "ünï", "straße", "x\"y", "*", "cat", "concat"]
LETTERS = ["e", "p", "t", "d", "E", "x"]
VALUES = ["v0", "v1", "v2", "V1"]
PLAIN_KINDS = [1, 4, 6, 7, 1111, 9735]
RULE_KINDS = [1, 7, 0, 3, 10002, 30000, 30023, 20001, 5]

settings.register_profile("store", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile("store")


@st.composite
def event_specs(draw: st.DrawFn, kinds: list[int], with_refs: bool) -> list[Event]:
    """A list of events; with `with_refs`, tags may point at earlier events (ids, addresses)."""
    out: list[Event] = []
    for _ in range(draw(st.integers(0, 25))):
        author = draw(st.sampled_from(AUTHORS))
        kind = draw(st.sampled_from(kinds))
        created = draw(st.integers(0, 4))
        tags: list[list[str]] = [
            [draw(st.sampled_from(LETTERS)), draw(st.sampled_from(VALUES))] for _ in range(draw(st.integers(0, 3)))
        ]
        if draw(st.booleans()):
            tags.append(["expiration", str(draw(st.sampled_from([NOW - 1, NOW, NOW + 1, NOW + 100])))])
        if with_refs and out:
            for _ in range(draw(st.integers(0, 2))):
                target = draw(st.sampled_from(out))
                tags.append(["e", target.id])
                if draw(st.booleans()):
                    tags.append(["a", f"{target.kind}:{draw(st.sampled_from(AUTHORS))}:{target.d_tag}"])
        content = " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=4)))
        out.append(make_event(author, created, kind, tags, content))
    return out


@st.composite
def filters(draw: st.DrawFn, events: list[Event]) -> Filter:
    def maybe(strategy: st.SearchStrategy) -> object:
        return draw(st.one_of(st.none(), strategy))

    ids = maybe(st.lists(st.sampled_from([e.id for e in events] + ["f" * 64]), max_size=3))
    tag_conds = draw(st.dictionaries(st.sampled_from(LETTERS), st.lists(st.sampled_from(VALUES), max_size=2),
                                     max_size=2))
    return Filter.make(
        ids=ids,  # type: ignore[arg-type]
        authors=maybe(st.lists(st.sampled_from(AUTHORS), max_size=2)),  # type: ignore[arg-type]
        kinds=maybe(st.lists(st.sampled_from(RULE_KINDS + PLAIN_KINDS), max_size=3)),  # type: ignore[arg-type]
        tags=tag_conds or None,
        since=maybe(st.integers(0, 4)),  # type: ignore[arg-type]
        until=maybe(st.integers(0, 4)),  # type: ignore[arg-type]
        limit=maybe(st.integers(0, 8)),  # type: ignore[arg-type]
        search=maybe(st.sampled_from([*WORDS, "", "  ", "nostr fun", "CAT", "on", "ünï ok", "xyz"])),  # type: ignore[arg-type]
    )


def expected(model: list[Event], flt: Filter) -> list[Event]:
    hits = sorted((e for e in model if flt.matches(e)), key=lambda e: (-e.created_at, e.id))
    return hits if flt.limit is None else hits[: flt.limit]


def _expiry(e: Event) -> int | None:
    for t in e.tags:
        if len(t) >= 2 and t[0] == "expiration":
            return int(t[1]) if t[1].isdigit() else None
    return None


def model_store(events: list[Event]) -> list[Event]:
    """A plain reading of NIP-01 (replaceable, addressable, ephemeral), NIP-09 and NIP-40, in arrival order."""
    kept: dict[str, Event] = {}
    deleted_ids: set[tuple[str, str]] = set()
    deleted_addr: dict[tuple[int, str, str], int] = {}

    def slot(e: Event) -> tuple[int, str, str] | None:
        if is_replaceable(e.kind):
            return (e.kind, e.pubkey, "")
        if is_addressable(e.kind):
            return (e.kind, e.pubkey, e.d_tag)
        return None

    for e in events:
        exp = _expiry(e)
        if is_ephemeral(e.kind) or e.id in kept or (exp is not None and exp <= NOW):
            continue
        if e.kind != 5 and (e.id, e.pubkey) in deleted_ids:
            continue
        s = slot(e)
        if s is not None:
            if s in deleted_addr and deleted_addr[s] >= e.created_at:
                continue
            current = [k for k in kept.values() if slot(k) == s]
            if current:
                c = current[0]
                if c.created_at > e.created_at or (c.created_at == e.created_at and c.id < e.id):
                    continue
                del kept[c.id]
        kept[e.id] = e
        if e.kind == 5:
            for target in e.tag_values("e"):
                deleted_ids.add((target, e.pubkey))
                t = kept.get(target)
                if t is not None and t.pubkey == e.pubkey and t.kind != 5:
                    del kept[target]
            for value in e.tag_values("a"):
                parts = value.split(":", 2)
                k, pk, d = int(parts[0]), parts[1], parts[2]
                if pk != e.pubkey or not (is_replaceable(k) or is_addressable(k)):
                    continue
                deleted_addr[(k, pk, d)] = max(deleted_addr.get((k, pk, d), -1), e.created_at)
                for x in [x for x in kept.values() if slot(x) == (k, pk, d) and x.created_at <= e.created_at]:
                    del kept[x.id]
    return list(kept.values())


def _check(events: list[Event], flts: list[Filter]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = EventCache.open(Path(tmp) / "cache.sqlite3", clock=Clock(NOW))
        try:
            half = len(events) // 2
            cache.add(events[:half], relay="wss://a")
            cache.add(events[half:], relay="wss://b")
            model = model_store(events)
            for flt in flts:
                assert cache.query(flt) == expected(model, flt), flt
            assert sorted(e.id for e in cache.query(Filter())) == sorted(e.id for e in model)
        finally:
            cache.close()


@given(st.data())
def test_query_equals_filter_matches(data: st.DataObject) -> None:
    events = data.draw(event_specs(PLAIN_KINDS, with_refs=False))
    flts = [data.draw(filters(events)) for _ in range(8)]
    _check(events, flts)


@given(st.data())
def test_query_equals_model_with_replacement_and_deletion(data: st.DataObject) -> None:
    events = data.draw(event_specs(RULE_KINDS, with_refs=True))
    flts = [data.draw(filters(events)) for _ in range(8)]
    _check(events, flts)
