"""Following and unfollowing never drops follows, refuses without a relay answer, and can be undone."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nostr_tui.client import ClientError, ListUnavailable
from nostr_tui.paths import cache_file
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.store.cache import EventCache

from .conftest import done, query_relay, unsent

X, Y, Z = (SecretKey.generate().public_key for _ in range(3))


async def _newest_follows(url: str, pubkey: str) -> tuple[int, set[str]]:
    lists = await query_relay(url, {"authors": [pubkey], "kinds": [3]})
    assert len(lists) == 1
    return lists[0]["created_at"], {t[1] for t in lists[0]["tags"] if t[0] == "p"}


async def test_a_follow_change_keeps_follows_from_a_newer_list_on_the_relays(
    relays, down_url, client_factory, tmp_path: Path
) -> None:
    me = SecretKey.generate()
    now = int(time.time())
    base = tmp_path / "me"
    base.mkdir()
    cache = EventCache.open(cache_file(base))
    cache.add([sign_event(me, 3, "", [["p", X]], now - 1000)])  # what this device saw long ago
    cache.close()
    a = await relays.start()
    client = await client_factory([a, down_url], secret=me, data_dir=base)
    await client.lists.wait_synced()
    assert client.lists.follows == {X}

    # Another device published a newer list meanwhile, dated a little in the future (clock skew).
    newer = sign_event(me, 3, '{"wss://relay.example":{"read":true,"write":true}}', [["p", X], ["p", Y]], now + 30)
    await relays.add(a, [newer])

    event, results = await done(await client.lists.change_follows(add=[Z]))
    assert any(r.status.value == "accepted" for r in results)
    assert event.created_at > newer.created_at
    assert event.content == newer.content
    assert client.lists.follows == {X, Y, Z}
    assert await _newest_follows(a, me.public_key) == (event.created_at, {X, Y, Z})

    undo, _ = await done(await client.lists.undo())
    assert undo.created_at > event.created_at
    assert client.lists.follows == {X, Y}
    assert await _newest_follows(a, me.public_key) == (undo.created_at, {X, Y})
    with pytest.raises(ClientError, match="no list change to undo"):
        await done(await client.lists.undo())

    removed, _ = await done(await client.lists.change_follows(remove=[X]))
    assert client.lists.follows == {Y}
    assert await _newest_follows(a, me.public_key) == (removed.created_at, {Y})


async def test_change_follows_refuses_when_no_relay_answers(down_url, client_factory) -> None:
    client = await client_factory([down_url])
    with pytest.raises(ListUnavailable, match=f"follow list could not be read from {down_url}"):
        await done(await client.lists.change_follows(add=[X]))
    assert await unsent(client) == []
    assert client.lists.follows == frozenset()
