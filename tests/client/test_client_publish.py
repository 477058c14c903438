"""Publishing against real relays: NIP-10 reply tags checked by nostr-sdk, outbox routing, read-only accounts,
and the outbox delivering what a relay missed while it was down."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from nostr_tui.client import ClientError, OutboxChanged, PublishStatus
from nostr_tui.protocol import nip19
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey

from .conftest import done, eventually, nostr_sdk, query_relay, unsent, wait_for_event

ALICE, BOB, CAROL = (SecretKey.generate() for _ in range(3))


def _sdk_tags(raw_json: str) -> list[list[str]]:
    """Tags as nostr-sdk reads them from the event JSON (after checking id and signature itself)."""
    event = nostr_sdk.Event.from_json(raw_json)
    assert event.verify()
    return [list(tag.to_vec()) for tag in event.tags()]


async def test_a_reply_carries_nip10_tags_as_an_independent_parser_reads_them(relays, client_factory) -> None:
    now = int(time.time())
    root = sign_event(ALICE, 1, "root", [], now - 60)
    parent = sign_event(BOB, 1, "parent", [["e", root.id, "", "root"], ["p", ALICE.public_key]], now - 30)
    a = await relays.start([root])
    b = await relays.start([parent])
    me = SecretKey.generate()
    client = await client_factory([a, b], secret=me)
    await client.ingest.fetch([Filter.make(ids=[root.id])])  # the root is known, so its author and relay go in the tag

    text = f"agreed #Nostr, see nostr:{nip19.npub_encode(CAROL.public_key)}"
    event, results = await done(await client.notes.reply(nip19.note_encode(parent.id), text))
    assert {r.status for r in results} == {PublishStatus.ACCEPTED}

    on_relay = await query_relay(b, {"ids": [event.id]})
    assert len(on_relay) == 1
    tags = _sdk_tags(json.dumps(on_relay[0]))
    e_tags = [t for t in tags if t[0] == "e"]
    assert e_tags == [["e", root.id, a, "root", ALICE.public_key], ["e", parent.id, b, "reply", BOB.public_key]]
    p_keys = [t[1] for t in tags if t[0] == "p"]
    assert set(p_keys) == {ALICE.public_key, BOB.public_key, CAROL.public_key} and len(p_keys) == 3
    assert ["t", "nostr"] in tags
    sdk_event = nostr_sdk.Event.from_json(json.dumps(on_relay[0]))
    assert sdk_event.author().to_hex() == me.public_key and sdk_event.content() == text


async def test_a_reply_goes_to_my_write_relays_and_the_parent_authors_read_relays(
    relays, down_url, client_factory
) -> None:
    now = int(time.time())
    me = SecretKey.generate()
    mine_w, theirs_r, theirs_w = await relays.start(), await relays.start(), await relays.start()
    config_relay = await relays.start()
    note = sign_event(BOB, 1, "bob's note", [], now - 50)
    my_list = sign_event(me, 10002, "", [["r", mine_w, "write"], ["r", config_relay, "read"]], now - 40)
    bob_list = sign_event(BOB, 10002, "", [["r", theirs_r, "read"], ["r", theirs_w, "write"]], now - 40)
    await relays.add(config_relay, [note, my_list, bob_list])

    client = await client_factory([config_relay, down_url], secret=me)
    event, results = await done(await client.notes.reply(note.id, "hello bob"))

    assert {r.url: r.status for r in results} == {mine_w: PublishStatus.ACCEPTED, theirs_r: PublishStatus.ACCEPTED}
    for url, expected in ((mine_w, 1), (theirs_r, 1), (theirs_w, 0), (config_relay, 0)):
        assert len(await query_relay(url, {"ids": [event.id]})) == expected, url
    # a plain note goes to my write relays only
    _, results = await done(await client.notes.post("just me"))
    assert [r.url for r in results] == [mine_w]


async def test_a_read_only_account_is_told_it_has_no_key(relays, client_factory) -> None:
    a = await relays.start()
    client = await client_factory([a], read_only=True)
    assert client.session.read_only
    for attempt in (
        lambda: client.notes.post("hi"),
        lambda: client.notes.react("ab" * 32),
        lambda: client.lists.change_follows(add=[ALICE.public_key]),
    ):
        with pytest.raises(ClientError, match="this account has no key"):
            await attempt()
    assert await unsent(client) == []


async def test_unsent_notes_wait_in_the_outbox_until_the_relay_is_back(relay_process, client_factory) -> None:
    await relay_process.start()
    url = relay_process.url
    client = await client_factory([url])
    _, results = await done(await client.notes.post("while up"))
    assert results[0].status is PublishStatus.ACCEPTED

    await relay_process.kill()
    await eventually(lambda: _disconnected(client, url))
    event, results = await done(await client.notes.post("while down"))
    assert results[0].status is not PublishStatus.ACCEPTED
    assert [e.event.id for e in await unsent(client)] == [event.id]
    client.notifications.drain()

    await relay_process.start()  # an empty relay on the same URL
    await wait_for_event(client, OutboxChanged, lambda o: o.unsent == 0)
    assert [e["id"] for e in await query_relay(url, {"ids": [event.id]})] == [event.id]
    assert await unsent(client) == []


async def _disconnected(client: object, url: str) -> bool:
    await asyncio.sleep(0)
    return not any(s.url == url and s.state.value == "connected" for s in client.relays.status())  # type: ignore[attr-defined]


async def test_the_decrypted_key_is_dropped_after_lock_after_without_signing(relays, tmp_path) -> None:
    from dataclasses import replace

    from nostr_tui.client import Client

    from .conftest import PASSPHRASE, keystore_with, make_config

    url = await relays.start()
    base = tmp_path / "locking"
    keystore_with(base, SecretKey.generate())
    config = make_config(base, [url])
    config = replace(config, keys=replace(config.keys, lock_after=60.0))
    now = [1_700_000_000.0]
    asked: list[str] = []

    def prompt(text: str, confirm: bool) -> str:
        asked.append(text)
        return PASSPHRASE

    client = Client(config, prompt=prompt, clock=lambda: now[0], environ={})
    await client.start()
    try:
        for step, text in ((0.0, "first"), (59.0, "within a minute"), (61.0, "after a quiet minute")):
            now[0] += step
            sending = await client.notes.post(text)
            assert (await sending.results())[0].status is PublishStatus.ACCEPTED
        assert len(asked) == 2  # once at first, once more after 61 s without signing
    finally:
        await client.close()
