"""NIP-01 filters: matching with a relay's semantics, checked by hand and against nostr-sdk."""

from __future__ import annotations

import json
from typing import Any

import nostr_sdk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.filters import Filter, FilterError, matches_any
from nostr_tui.protocol.keys import SecretKey

KEYS = [SecretKey.from_hex(f"{i:02x}" * 32) for i in (1, 2, 3)]
EVENTS = [
    sign_event(KEYS[i % 3], kind, "hello world" if i % 2 else "other", tags, created_at=100 + i)
    for i, (kind, tags) in enumerate(
        [
            (1, [["t", "nostr"], ["p", KEYS[1].public_key]]),
            (1, [["e", "e" * 64], ["t", "rust"]]),
            (7, [["e", "e" * 64, "", "reply"]]),
            (30023, [["d", "post"], ["t", "nostr"], ["t", "python"]]),
            (0, []),
            (1, [["t"], ["x", "y"]]),
        ]
    )
]


def _matching(f: Filter) -> list[int]:
    return [i for i, e in enumerate(EVENTS) if f.matches(e)]


def test_since_and_until_are_inclusive() -> None:
    assert _matching(Filter.make(since=102)) == [2, 3, 4, 5]
    assert _matching(Filter.make(until=102)) == [0, 1, 2]
    assert _matching(Filter.make(since=102, until=102)) == [2]
    assert _matching(Filter.make(since=103, until=102)) == []


def test_conditions_are_anded_and_values_ored() -> None:
    assert _matching(Filter.make(kinds=[1])) == [0, 1, 5]
    assert _matching(Filter.make(kinds=[1, 7])) == [0, 1, 2, 5]
    assert _matching(Filter.make(kinds=[1], authors=[KEYS[0].public_key])) == [0]
    assert _matching(Filter.make(ids=[EVENTS[3].id, EVENTS[4].id])) == [3, 4]
    assert _matching(Filter.make(ids=[EVENTS[3].id[:10]])) == []  # no prefix matching


def test_tag_conditions() -> None:
    assert _matching(Filter.make(tags={"t": ["nostr"]})) == [0, 3]
    assert _matching(Filter.make(tags={"t": ["nostr", "rust"]})) == [0, 1, 3]
    assert _matching(Filter.make(tags={"t": ["nostr"], "d": ["post"]})) == [3]
    assert _matching(Filter.make(tags={"e": ["e" * 64]})) == [1, 2]
    assert _matching(Filter.make(tags={"p": [KEYS[1].public_key]})) == [0]
    assert _matching(Filter.make(tags={"t": ["NOSTR"]})) == []  # values compare exactly
    assert _matching(Filter.make(tags={"x": ["y"]})) == [5]


def test_empty_lists_match_nothing_and_none_means_no_condition() -> None:
    for f in (Filter.make(ids=[]), Filter.make(authors=[]), Filter.make(kinds=[]), Filter.make(tags={"t": []})):
        assert _matching(f) == []
    assert _matching(Filter()) == list(range(len(EVENTS)))
    assert _matching(Filter.make(limit=1)) == list(range(len(EVENTS)))  # limit is not a condition


def test_matches_any_ors_filters() -> None:
    filters = [Filter.make(kinds=[7]), Filter.make(tags={"d": ["post"]})]
    assert [i for i, e in enumerate(EVENTS) if matches_any(filters, e)] == [2, 3]
    assert not matches_any([], EVENTS[0])


def test_dict_round_trip_and_errors() -> None:
    obj = {"ids": ["a" * 64], "authors": [KEYS[0].public_key], "kinds": [1, 7], "#t": ["x"],
           "since": 1, "until": 2, "limit": 3, "search": "w"}
    f = Filter.from_dict(obj)
    assert Filter.from_dict(json.loads(json.dumps(f.to_dict()))) == f
    assert f.to_dict() == obj
    bads: list[object] = [
        {"kinds": [True]}, {"kinds": "1"}, {"since": -1}, {"limit": 1.5}, {"#tt": ["x"]},
        {"ids": [1]}, {"bogus": 1}, [], {"search": 5},
    ]
    for bad in bads:
        with pytest.raises(FilterError):
            Filter.from_dict(bad)
    with pytest.raises(FilterError):
        Filter.make(tags={"tt": ["x"]})


def _sdk_event(event: Event) -> Any:
    return nostr_sdk.Event.from_json(event.to_json())


_values = {
    "ids": st.lists(st.sampled_from([e.id for e in EVENTS] + ["f" * 64]), min_size=1, max_size=3),
    "authors": st.lists(st.sampled_from([k.public_key for k in KEYS]), min_size=1, max_size=2),
    "kinds": st.lists(st.sampled_from([0, 1, 7, 30023, 5]), min_size=1, max_size=3),
    "#t": st.lists(st.sampled_from(["nostr", "rust", "python", "x"]), min_size=1, max_size=2),
    "#e": st.lists(st.sampled_from(["e" * 64, "f" * 64]), min_size=1, max_size=2),
    "#d": st.lists(st.sampled_from(["post", "other"]), min_size=1, max_size=2),
    "since": st.integers(98, 107),
    "until": st.integers(98, 107),
}


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({}, optional=_values))
def test_matches_agrees_with_nostr_sdk(obj: dict[str, Any]) -> None:
    ours = Filter.from_dict(obj)
    theirs = nostr_sdk.Filter.from_json(json.dumps(obj))
    for event in EVENTS:
        assert ours.matches(event) == theirs.match_event(_sdk_event(event)), (obj, event.to_dict())
