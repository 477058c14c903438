"""Feeds against real relays: home from the store at once then live, mentions, global, profile, hashtag;
mutes and content warnings; local search; NIP-05 marks arriving after a background check; a clean close."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from nostr_tui.client import FeedNew, ProfileUpdated
from nostr_tui.client.feeds import FeedSpec, feed_filters
from nostr_tui.client.profiles import Nip05Checker
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey

from .conftest import serve_nostr_json, wait_for_event

ME, ALICE, BOB, CAROL, MALLORY = (SecretKey.generate() for _ in range(5))


def _world(now: int) -> dict[str, Any]:
    w: dict[str, Any] = {}
    w["contacts"] = sign_event(ME, 3, "", [["p", ALICE.public_key], ["p", BOB.public_key]], now - 500)
    w["mutes"] = sign_event(ME, 10000, "", [["p", MALLORY.public_key]], now - 500)
    w["a1"] = sign_event(ALICE, 1, "alice one #Nostr", [["t", "nostr"]], now - 300)
    w["a2"] = sign_event(ALICE, 1, "alice two, with a banana", [], now - 200)
    w["c1"] = sign_event(CAROL, 1, "carol, not followed", [], now - 250)
    w["repost"] = sign_event(ALICE, 6, w["c1"].to_json(), [["e", w["c1"].id], ["p", CAROL.public_key]], now - 150)
    w["b1"] = sign_event(BOB, 1, "hey me", [["p", ME.public_key]], now - 100)
    w["cw"] = sign_event(BOB, 1, "the ending", [["content-warning", "spoiler"]], now - 90)
    w["m1"] = sign_event(MALLORY, 1, "muted words #nostr", [["t", "nostr"], ["p", ME.public_key]], now - 80)
    return w


def _contents(items: Any) -> list[str]:
    return [i.event.content for i in items]


async def test_home_feed_comes_from_the_store_at_once_then_live(relays, down_url, client_factory, tmp_path) -> None:
    now = int(time.time())
    w = _world(now)
    a = await relays.start(list(w.values()))
    base = tmp_path / "me"
    client = await client_factory([a, down_url], secret=ME, data_dir=base)
    await client.lists.wait_synced()
    assert client.lists.follows == {ALICE.public_key, BOB.public_key}

    home = client.feeds.open("home")
    await home.first_page()
    fresh = await wait_for_event(client, FeedNew, lambda f: f.feed == "home")
    assert _contents(fresh.items) == ["the ending", "hey me", "carol, not followed", "alice two, with a banana",
                                      "alice one #Nostr"]
    shared = fresh.items[2]
    assert shared.reposted_by is not None and shared.reposted_by.pubkey == ALICE.public_key
    assert shared.author.pubkey == CAROL.public_key and shared.repost_id == w["repost"].id
    assert fresh.items[0].content_warning == "spoiler"

    # A note published now arrives live, alone.
    live = sign_event(ALICE, 1, "alice, live", [], now)
    await relays.add(a, [live])
    arrived = await wait_for_event(client, FeedNew, lambda f: f.feed == "home")
    assert _contents(arrived.items) == ["alice, live"]
    await client.close()

    # Offline, on the next start, the first page is read from the store without waiting for any relay.
    await relays.stop(a)
    again = await client_factory([down_url], secret=ME, data_dir=base)
    started = time.monotonic()
    page = await again.feeds.open("home").first_page(limit=3)
    assert time.monotonic() - started < 1.0
    assert _contents(page) == ["alice, live", "the ending", "hey me"]
    older = await again.feeds.open("home").older(limit=10)
    assert _contents(older) == ["carol, not followed", "alice two, with a banana", "alice one #Nostr"]
    # A list that let go of its older rows pages on from the last row it kept, not from the feed's oldest.
    kept = page[1]
    below = await again.feeds.open("home").older(limit=2, before=(kept.at, kept.key))
    assert _contents(below) == ["hey me", "carol, not followed"]
    shared = below[1]
    after_repost = await again.feeds.open("home").older(limit=1, before=(shared.at, shared.key))
    assert _contents(after_repost) == ["alice two, with a banana"]


async def test_mentions_global_profile_and_hashtag_feeds(relays, down_url, client_factory) -> None:
    w = _world(int(time.time()))
    a = await relays.start(list(w.values()))
    client = await client_factory([a, down_url], secret=ME)
    await client.lists.wait_synced()
    for key in ("mentions", "global", f"profile:{ALICE.public_key}", "hashtag:nostr"):
        await client.ingest.fetch([f.with_limit(100) for f in feed_filters(FeedSpec.parse(key), ME.public_key, [])])

    mentions = await client.feeds.open("mentions").first_page()
    assert _contents(mentions) == ["hey me"]  # mallory is muted
    everything = await client.feeds.open("global").first_page()
    assert _contents(everything) == ["the ending", "hey me", "alice two, with a banana", "carol, not followed",
                                     "alice one #Nostr"]
    profile = await client.feeds.open(f"profile:{ALICE.public_key}").first_page()
    assert _contents(profile) == ["carol, not followed", "alice two, with a banana", "alice one #Nostr"]
    assert profile[0].reposted_by is not None
    tagged = await client.feeds.open("hashtag:nostr").first_page()
    assert _contents(tagged) == ["alice one #Nostr"]

    found = await client.search.notes("BANANA alice")
    assert _contents(found) == ["alice two, with a banana"]
    assert await client.search.notes("durian") == []


@pytest.fixture
def nostr_json() -> Iterator[str]:
    """A NIP-05 server on 127.0.0.1 that lists alice; yields its host:port."""
    with serve_nostr_json({"alice": ALICE.public_key}) as (host, _):
        yield host


async def test_nip05_marks_appear_after_a_background_check(relays, client_factory, nostr_json) -> None:
    now = int(time.time())
    profiles = [
        sign_event(ALICE, 0, json.dumps({"name": "alice", "nip05": f"alice@{nostr_json}"}), [], now - 10),
        sign_event(BOB, 0, json.dumps({"name": "bob", "nip05": f"bob@{nostr_json}"}), [], now - 10),
    ]
    notes = [sign_event(ALICE, 1, "by alice", [], now - 5), sign_event(BOB, 1, "by bob", [], now - 4)]
    a = await relays.start(profiles + notes)
    client = await client_factory([a], nip05=Nip05Checker(timeout=2.0, scheme="http"))
    await client.ingest.fetch([f.with_limit(50) for f in feed_filters(FeedSpec("global"), None, [])])
    await client.ingest.fetch([f.with_limit(50) for f in feed_filters(FeedSpec("profile", ALICE.public_key), None, [])])
    await client.ingest.fetch([f.with_limit(50) for f in feed_filters(FeedSpec("profile", BOB.public_key), None, [])])

    started = time.monotonic()
    page = await client.feeds.open("global").first_page()
    assert time.monotonic() - started < 1.0  # the checks do not hold up the page
    assert [(i.author.name, i.author.nip05_verified) for i in page] == [("bob", None), ("alice", None)]
    marks = {}
    for _ in range(2):
        update = await wait_for_event(client, ProfileUpdated)
        marks[update.author.name] = update.author.nip05_verified
    assert marks == {"alice": True, "bob": False}
    await client.feeds.open("global").close()
    again = await client.feeds.open("global").first_page()
    assert [(i.author.name, i.author.nip05_verified) for i in again] == [("bob", False), ("alice", True)]


async def test_close_leaves_no_task_behind(relays, down_url, client_factory, caplog) -> None:
    caplog.set_level(logging.ERROR, logger="asyncio")
    a = await relays.start(list(_world(int(time.time())).values()))
    client = await client_factory([a, down_url], secret=ME)
    await client.feeds.open("home").first_page()
    await client.feeds.open("global").first_page()
    await wait_for_event(client, FeedNew)
    await client.close()
    await client.close()  # twice is harmless
    await asyncio.sleep(0.05)
    left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert left == []
    assert "Task was destroyed" not in caplog.text


async def test_home_feed_reads_follows_from_their_own_write_relays(relays, down_url, client_factory) -> None:
    now = int(time.time())
    elsewhere = await relays.start([sign_event(CAROL, 1, "carol writes only elsewhere", [], now - 5)])
    a = await relays.start([
        sign_event(ME, 3, "", [["p", CAROL.public_key]], now - 100),
        sign_event(CAROL, 10002, "", [["r", elsewhere, "write"]], now - 100),
    ])
    client = await client_factory([a, down_url], secret=ME)
    await client.feeds.open("home").first_page()
    fresh = await wait_for_event(client, FeedNew, lambda f: f.feed == "home")
    assert _contents(fresh.items) == ["carol writes only elsewhere"]
    assert elsewhere not in client.relays.read_urls() and elsewhere not in client.relays.write_urls()


async def test_mentions_show_reactions_to_my_notes_with_who_reacted(relays, down_url, client_factory) -> None:
    now = int(time.time())
    mine = sign_event(ME, 1, "my own note", [], now - 400)
    events = [
        sign_event(ME, 10000, "", [["p", MALLORY.public_key]], now - 500),
        mine,
        sign_event(ALICE, 7, "+", [["e", mine.id], ["p", ME.public_key], ["k", "1"]], now - 300),
        sign_event(BOB, 7, "🤙", [["e", mine.id], ["p", ME.public_key]], now - 200),
        sign_event(MALLORY, 7, "-", [["e", mine.id], ["p", ME.public_key]], now - 100),  # muted
    ]
    a = await relays.start(events)
    client = await client_factory([a, down_url], secret=ME)
    await client.lists.wait_synced()
    await client.ingest.fetch([f.with_limit(100) for f in feed_filters(FeedSpec.parse("mentions"), ME.public_key, [])])
    await client.ingest.fetch([f.with_limit(100) for f in feed_filters(FeedSpec.parse("home"), ME.public_key, [])])
    items = await client.feeds.open("mentions").first_page()
    assert [(i.reacted_by.pubkey if i.reacted_by else None, i.reaction, i.event.id) for i in items] == [
        (BOB.public_key, "🤙", mine.id),
        (ALICE.public_key, "+", mine.id),
    ]
    assert len({i.key for i in items}) == 2  # one row per reaction, not per note


async def test_names_of_authors_shown_are_fetched_from_relays(relays, down_url, client_factory) -> None:
    now = int(time.time())
    events = [
        sign_event(ME, 3, "", [["p", ALICE.public_key]], now - 500),
        sign_event(ALICE, 0, json.dumps({"name": "alice"}), [], now - 400),
        sign_event(ALICE, 1, "hello from alice", [], now - 100),
    ]
    a = await relays.start(events)
    client = await client_factory([a, down_url], secret=ME)
    await client.lists.wait_synced()
    await client.ingest.fetch([f.with_limit(10) for f in feed_filters(FeedSpec.parse("home"), ME.public_key,
                                                                 [ALICE.public_key])])
    # only the note is in the store, not alice's profile: the page shows a short npub at first
    page = await client.feeds.open("home").first_page()
    assert page[0].author.name.startswith("npub1")
    update = await wait_for_event(client, ProfileUpdated, lambda u: u.pubkey == ALICE.public_key)
    assert update.author.name == "alice"
