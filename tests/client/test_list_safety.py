"""The user's lists are never lost: with the relay that holds a list down or silent, a change is refused and
nothing is published or queued; once it answers, every entry is still on every relay. A queued list meets a
newer one on the relay and is applied on top of it; undo and restore bring versions back."""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.proxy import Proxy
from tests.support.relays import RelayProcess

from nostr_tui.demo.relay import publish_events
from nostr_tui.paths import state_file
from nostr_tui.protocol import nip19
from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.store.state import StateStore

from .conftest import query_relay
from .test_client_cli import ME, Cli


def _hexes(n: int) -> list[str]:
    return [secrets.token_hex(32) for _ in range(n)]


def _tags(lists: list[dict[str, Any]], name: str) -> set[str]:
    assert len(lists) == 1, lists
    return {t[1] for t in lists[0]["tags"] if t[0] == name}


async def _mine(url: str, kind: int) -> list[dict[str, Any]]:
    return await query_relay(url, {"authors": [ME.public_key], "kinds": [kind]})


def _outbox(cli: Cli) -> list[str]:
    path = state_file(cli.data)
    if not path.exists():
        return []
    state = StateStore.open(path)
    try:
        return [e.event.id for e in state.outbox_entries()]
    finally:
        state.close()


@pytest.fixture
async def behind_proxy() -> AsyncIterator[Any]:
    """`await make(events)`: (the URL of a relay in a child process holding `events`, a proxy in front of it)."""
    made: list[tuple[RelayProcess, Proxy]] = []

    async def make(events: list[Event]) -> tuple[str, Proxy]:
        relay = RelayProcess()
        await relay.start()
        if events:
            await publish_events(relay.url, events, timeout=10)
        proxy = Proxy(relay.port)
        await proxy.__aenter__()
        made.append((relay, proxy))
        return relay.url, proxy

    try:
        yield make
    finally:
        for relay, proxy in made:
            await proxy.__aexit__(None, None, None)
            await relay.close()


CASES = ["follows", "mutes", "relays", "profile"]


def _holding(case: str, rng: random.Random, now: int) -> tuple[Event, set[str]]:
    """The user's list of this kind with a random number of entries, and those entries."""
    n = rng.randint(20, 400)
    if case == "follows":
        keys = _hexes(n)
        return sign_event(ME, 3, "", [["p", k] for k in keys], now - 600), set(keys)
    if case == "mutes":
        keys = _hexes(n)
        return sign_event(ME, 10000, "", [["p", k] for k in keys], now - 600), set(keys)
    if case == "relays":  # a relay list is short; these refuse connections at once (nothing listens on port 9)
        urls = [f"ws://127.0.0.1:9/relay{i}" for i in range(rng.randint(2, 12))]
        return sign_event(ME, 10002, "", [["r", u] for u in urls], now - 600), set(urls)
    fields = {f"field{i}": f"value {i}" for i in range(rng.randint(3, 30))} | {"about": "kept", "name": "me"}
    return sign_event(ME, 0, json.dumps(fields), [], now - 600), set(fields)


async def _entries(url: str, case: str) -> set[str]:
    kind = {"follows": 3, "mutes": 10000, "relays": 10002, "profile": 0}[case]
    found = await _mine(url, kind)
    if case == "profile":
        assert len(found) == 1
        return set(json.loads(found[0]["content"]))
    return _tags(found, {"follows": "p", "mutes": "p", "relays": "r"}[case])


def _command(case: str, new: str) -> tuple[str, ...]:
    if case == "follows":
        return ("follow", nip19.npub_encode(new))
    if case == "mutes":
        return ("mute", nip19.npub_encode(new))
    if case == "relays":
        return ("relays", "publish")
    return ("profile", "set", "lud16=me@example.org")


@pytest.mark.parametrize("mode", ["silent", "refusing"])
@pytest.mark.parametrize("case", CASES)
async def test_a_change_while_the_relay_with_the_list_is_down_loses_nothing(
    case: str, mode: str, relays: Any, behind_proxy: Any, tmp_path: Path
) -> None:
    rng = random.Random()
    now = int(time.time())
    held, before = _holding(case, rng, now)
    a_url, a = await behind_proxy([held])
    b = await relays.start()
    cli = Cli(tmp_path, [a.url, b])
    new = SecretKey.generate().public_key
    await a.set(mode)  # down or silent, and this device has never seen the list

    status, lines, err = await cli(*_command(case, new))
    assert status == 1 and lines == [], err
    errors = [line for line in err.splitlines() if line.startswith("nostr-tui: error:")]
    assert len(errors) == 1 and a.url in errors[0] and "nothing was changed" in errors[0], err
    assert await _mine(b, held.kind) == [] and _outbox(cli) == []  # nothing published, nothing queued
    assert await _entries(a_url, case) == before

    await a.set("up")
    status, lines, err = await cli(*_command(case, new))
    assert status == 0, err
    expected = {
        "follows": before | {new}, "mutes": before | {new}, "profile": before | {"lud16"},
        "relays": before | {a.url, b},
    }[case]
    for url in (a_url, b):  # every entry is still there, on every relay, with the one added
        assert await _entries(url, case) == expected, url


async def test_a_queued_follow_list_meets_a_newer_one_on_the_relay(relays: Any, behind_proxy: Any,
                                                                    tmp_path: Path) -> None:
    now = int(time.time())
    base_keys = _hexes(50)
    base = sign_event(ME, 3, "", [["p", k] for k in base_keys], now - 600)
    a_url, a = await behind_proxy([base])
    b = await relays.start([base])
    cli = Cli(tmp_path, [a.url, b])
    x, y = SecretKey.generate().public_key, SecretKey.generate().public_key

    await a.set("silent")  # b answers with the list: the change goes ahead, a's delivery waits in the outbox
    status, lines, err = await cli("follow", nip19.npub_encode(x))
    assert status == 0, err
    assert {line["relay"]: line["status"] for line in lines}[b] == "accepted"
    queued = _outbox(cli)
    assert len(queued) == 1

    # Meanwhile another device (its clock a minute ahead) adds y, straight to relay a: newer than the queued list.
    newer = sign_event(ME, 3, "", [["p", k] for k in [*base_keys, y]], int(time.time()) + 60)
    await publish_events(a_url, [newer], timeout=10)
    await a.set("up")
    status, lines, err = await cli("post", "back online")
    assert status == 0, err
    for url in (a_url, b):  # the follow of x was applied on top of the newer list: y is kept
        assert await _entries(url, "follows") == {*base_keys, x, y}, url
    assert _outbox(cli) == []


async def test_undo_history_and_restore(relays: Any, tmp_path: Path) -> None:
    now = int(time.time())
    keys = _hexes(30)
    url = await relays.start([sign_event(ME, 3, "", [["p", k] for k in keys], now - 600)])
    cli = Cli(tmp_path, [url])
    x = SecretKey.generate().public_key
    assert (await cli("follow", nip19.npub_encode(x)))[0] == 0
    assert await _entries(url, "follows") == {*keys, x}
    status, _, err = await cli("lists", "undo")
    assert status == 0, err
    assert await _entries(url, "follows") == set(keys)

    drop = keys[:5]
    for k in drop:
        assert (await cli("unfollow", nip19.npub_encode(k)))[0] == 0
    status, history, err = await cli("lists", "history", "follows")
    assert status == 0, err
    assert [h["entries"] for h in history][:3] == [26, 27, 28]  # the most recently replaced first
    sizes = {h["number"]: h["entries"] for h in history}
    biggest = max(sizes, key=lambda n: sizes[n])
    status, _, err = await cli("lists", "restore", "follows", str(biggest))
    assert status == 0, err  # growing back is always allowed
    assert await _entries(url, "follows") >= set(keys)

    # Restoring the 25-follow version now would drop more than one follow: only with --force.
    status, history, _ = await cli("lists", "history", "follows")
    small = next(h["number"] for h in history if h["entries"] == 25)
    status, _, err = await cli("lists", "restore", "follows", str(small))
    assert status == 1 and "--force" in err
    assert len(await _entries(url, "follows")) >= 30
    status, _, err = await cli("lists", "restore", "follows", str(small), "--force")
    assert status == 0, err
    assert await _entries(url, "follows") == set(keys[5:])


async def test_an_unfollow_that_would_empty_the_list_needs_force(relays: Any, tmp_path: Path) -> None:
    only = SecretKey.generate().public_key
    url = await relays.start([sign_event(ME, 3, "", [["p", only]], int(time.time()) - 60)])
    cli = Cli(tmp_path, [url])
    status, _, err = await cli("unfollow", nip19.npub_encode(only))
    assert status == 1 and "empty your follow list" in err
    assert await _entries(url, "follows") == {only}
    status, _, err = await cli("unfollow", nip19.npub_encode(only), "--force")
    assert status == 0, err
    assert _tags(await _mine(url, 3), "p") == set()


async def test_mutes_of_people_hashtags_and_words(relays: Any, tmp_path: Path) -> None:
    url = await relays.start()
    cli = Cli(tmp_path, [url])
    who = SecretKey.generate().public_key
    for target in (nip19.npub_encode(who), "#Spam", "crypto scam"):
        status, _, err = await cli("mute", target)
        assert status == 0, err
    [mutes] = await _mine(url, 10000)
    assert sorted(map(tuple, mutes["tags"])) == [("p", who), ("t", "spam"), ("word", "crypto scam")]
    status, _, err = await cli("unmute", "#spam")
    assert status == 0, err
    assert _tags(await _mine(url, 10000), "t") == set()


async def test_profile_set_keeps_fields_it_does_not_know(relays: Any, tmp_path: Path) -> None:
    fields = {"name": "me", "about": "old about", "banner": "https://example.org/b.png", "x_custom": {"a": 1}}
    url = await relays.start([sign_event(ME, 0, json.dumps(fields), [], int(time.time()) - 60)])
    cli = Cli(tmp_path, [url])
    status, _, err = await cli("profile", "set", "about=new about", "lud16=me@example.org")
    assert status == 0, err
    [profile] = await _mine(url, 0)
    assert json.loads(profile["content"]) == {**fields, "about": "new about", "lud16": "me@example.org"}
    status, shown, err = await cli("profile", "show")
    assert status == 0 and shown[0]["about"] == "new about", err
