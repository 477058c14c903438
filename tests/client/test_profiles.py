"""Names people see, and NIP-05 marks checked against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from nostr_tui.client.moderation import content_warning, parse_mute_list
from nostr_tui.client.profiles import Nip05Checker, display_name, parse_profile, short_npub, split_nip05
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey

from .conftest import serve_nostr_json

KEY = SecretKey.generate()


def test_display_name_prefers_name_then_display_name_then_short_npub() -> None:
    both = parse_profile(sign_event(KEY, 0, json.dumps({"name": "alice", "display_name": "Alice A"})))
    only_display = parse_profile(sign_event(KEY, 0, json.dumps({"displayName": "Alice A"})))
    broken = parse_profile(sign_event(KEY, 0, "{not json"))
    assert display_name(KEY.public_key, both) == "alice"
    assert display_name(KEY.public_key, only_display) == "Alice A"
    assert display_name(KEY.public_key, broken) == short_npub(KEY.public_key)
    assert short_npub(KEY.public_key).startswith("npub1") and "…" in short_npub(KEY.public_key)


def test_nip05_split() -> None:
    assert split_nip05("Bob@Example.com") == ("bob", "example.com")
    assert split_nip05("example.com") == ("_", "example.com")
    assert split_nip05("bad name@x.com") is None
    assert split_nip05("bob@nodot") is None


@pytest.fixture
def well_known() -> Iterator[tuple[str, list[str]]]:
    with serve_nostr_json({"bob": KEY.public_key}) as served:
        yield served


async def test_nip05_verified_and_cached(well_known: tuple[str, list[str]]) -> None:
    host, hits = well_known
    checker = Nip05Checker(scheme="http", timeout=2.0)
    # split_nip05 needs a dot in the domain: 127.0.0.1:port has them
    assert await checker.verify(f"bob@{host}", KEY.public_key) is True
    assert await checker.verify(f"bob@{host}", "0" * 64) is False
    assert await checker.verify(f"carol@{host}", KEY.public_key) is False
    assert hits[0] == "/.well-known/nostr.json?name=bob"
    before = len(hits)
    assert checker.cached(f"bob@{host}", KEY.public_key) is True
    assert await checker.verify(f"bob@{host}", KEY.public_key) is True
    assert len(hits) == before  # served from the cache


async def test_nip05_unreachable_is_not_verified_and_does_not_raise(down_url: str) -> None:
    checker = Nip05Checker(scheme="http", timeout=0.5)
    assert await checker.verify(f"bob@{down_url.removeprefix('ws://')}", KEY.public_key) is False


def test_mutes_and_content_warnings() -> None:
    other = SecretKey.generate()
    mutes = parse_mute_list(sign_event(KEY, 10000, "", [["p", other.public_key], ["t", "Spam"], ["word", "casino"]]))
    assert mutes.hides(sign_event(other, 1, "hello"))
    assert mutes.hides(sign_event(KEY, 1, "x", [["t", "spam"]]))
    assert mutes.hides(sign_event(KEY, 1, "best CASINO in town"))
    assert not mutes.hides(sign_event(KEY, 1, "fine"))
    assert parse_mute_list(None).hides(sign_event(other, 1, "x")) is False
    assert content_warning(sign_event(KEY, 1, "x", [["content-warning", "spoilers"]])) == "spoilers"
    assert content_warning(sign_event(KEY, 1, "x", [["content-warning"]])) == ""
    assert content_warning(sign_event(KEY, 1, "x")) is None
