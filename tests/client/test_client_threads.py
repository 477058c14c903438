"""Threads assembled from several real relays, one of them down, starting from a nevent with a relay hint."""

from __future__ import annotations

import time

from nostr_tui.client import ThreadUpdated
from nostr_tui.protocol import nip19
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey

from .conftest import wait_for_event

ALICE, BOB, CAROL, DAVE = (SecretKey.generate() for _ in range(4))


def _thread(now: int) -> dict[str, object]:
    root = sign_event(ALICE, 1, "root note", [], now - 100)
    r1 = sign_event(BOB, 1, "bob answers", [["e", root.id, "", "root"], ["p", ALICE.public_key]], now - 90)
    r2 = sign_event(
        CAROL, 1, "carol answers bob",
        [["e", root.id, "", "root"], ["e", r1.id, "", "reply"], ["p", ALICE.public_key], ["p", BOB.public_key]],
        now - 80,
    )
    # an old-style reply: one positional `e` tag naming the root
    r3 = sign_event(DAVE, 1, "dave, positional", [["e", root.id], ["p", ALICE.public_key]], now - 70)
    return {"root": root, "r1": r1, "r2": r2, "r3": r3}


async def test_a_thread_spread_over_three_relays_is_assembled_whole(relays, down_url, client_factory) -> None:
    t = _thread(int(time.time()))
    a = await relays.start([t["root"]])
    b = await relays.start([t["r1"], t["r3"]])
    c = await relays.start([t["r2"]])  # not configured: reached only through the nevent's relay hint
    client = await client_factory([a, b, down_url])
    focus = t["r2"]
    ref = "nostr:" + nip19.encode(nip19.Nevent(focus.id, (c,), CAROL.public_key, 1))

    first = await client.threads.open(ref)
    assert first == []  # nothing in the store yet; the relays answer in the background
    update = await wait_for_event(client, ThreadUpdated, lambda u: u.focus_id == focus.id)

    shape = [(r.item.event.content, r.depth, r.is_focus) for r in update.rows]
    assert shape == [
        ("root note", 0, False),
        ("bob answers", 1, False),
        ("carol answers bob", 2, True),
        ("dave, positional", 1, False),
    ]
    assert not any(r.missing_parent for r in update.rows)
    assert update.rows[2].item.reply_to is not None and update.rows[2].item.reply_to.pubkey == BOB.public_key

    # Everything received is in the store, with the relay it came from.
    stored = await client.search.query(Filter.make(ids=[e.id for e in t.values()]))
    assert sorted(stored, key=lambda e: e.id) == sorted(t.values(), key=lambda e: e.id)
    assert c in await client.threads.seen_on(focus.id)
    # The hinted relay was borrowed for the fetch, not kept in the pool reconnecting for ever.
    urls = {s.url for s in client.relays.status()}
    assert c not in urls and urls == {a, b, down_url}

    # Opening it again is served from the store at once.
    again = await client.threads.open(nip19.note_encode(t["root"].id))
    assert [r.item.event.id for r in again] == [r.item.event.id for r in update.rows]


async def test_load_thread_waits_for_relays_and_a_missing_note_gives_an_empty_tree(
    relays, down_url, client_factory
) -> None:
    t = _thread(int(time.time()))
    a = await relays.start(list(t.values()))
    client = await client_factory([a, down_url])
    rows = await client.threads.load(t["r3"].id)
    assert [r.item.event.id for r in rows] == [t["root"].id, t["r1"].id, t["r2"].id, t["r3"].id]
    assert [r.is_focus for r in rows] == [False, False, False, True]

    missing = "ab" * 32
    await client.threads.open(missing)
    update = await wait_for_event(client, ThreadUpdated, lambda u: u.focus_id == missing)
    assert update.rows == ()
