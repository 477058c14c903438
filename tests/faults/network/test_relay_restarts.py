"""Relays SIGKILLed and restarted during a subscription, a publish and an AUTH: subscriptions resume with
`since`, what was published meanwhile arrives, unsent notes go out when the relay is back, and nothing
reaches the screen twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support.relays import query_relay
from tests.support.waiting import wait_for

from nostr_tui.client import Client
from nostr_tui.config import RelayConfig
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay.notifications import PublishStatus, RelayState
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.widgets.compose import Compose
from nostr_tui.tui.widgets.note_list import NoteList
from nostr_tui.tui.widgets.status_bar import StatusBar

from .conftest import (
    LocalRelayProcess,
    Notifications,
    Recorder,
    config_for,
    count_outage_events,
    eventually,
    make_client,
    seed_store,
    sent,
    unsent,
)

StartRelay = Callable[..., Awaitable[LocalRelayProcess]]


def follows(me: SecretKey, *others: SecretKey) -> Any:
    """My contact list (kind 3), as an earlier session left it in the store."""
    return sign_event(me, 3, "", [["p", o.public_key] for o in others], int(time.time()) - 1000)


def home_reqs(recorder: Recorder, author: str, since: int = 0) -> list[list[Any]]:
    """REQs of the home feed (asking for notes by `author`) sent from the `since`-th frame on."""
    return [f for f in recorder.reqs(since=since) if any(author in (flt.get("authors") or []) and 1 in
                                                         (flt.get("kinds") or []) for flt in f[2:])]


def home_open(client: Client, author: str) -> bool:
    """True once the pool holds the home feed's subscription (notes by `author`)."""
    return any(author in (f.authors or ()) and 1 in (f.kinds or ())
               for sub in client._pool._subs.values() for f in sub.filters)


async def started(client: Client, clients: list[Client]) -> Client:
    clients.append(client)
    await client.start()
    return client


async def test_subscription_resumes_with_since_and_the_gap_arrives_once(
    relay_procs: StartRelay, clients: list[Client], tmp_path: Path
) -> None:
    relay = await relay_procs()
    me, writer_key = SecretKey.generate(), SecretKey.generate()
    config = config_for(tmp_path / "reader", [relay.url])
    await seed_store(config, me, [follows(me, writer_key)])
    recorder = Recorder()
    reader = await started(make_client(config, me, recorder.connect), clients)
    seen = Notifications(reader)
    await reader.feeds.open("home").first_page()
    writer = await started(make_client(config_for(tmp_path / "writer", [relay.url]), writer_key), clients)
    first, results = await sent(await writer.notes.post("before the outage"))
    assert results[0].status is PublishStatus.ACCEPTED
    await eventually(lambda: first.id in seen.feed_ids)

    recorder.gate.clear()  # the reader stays away until the gap exists on the relay
    await relay.kill()
    await eventually(lambda: reader._pool.relay(relay.url).state is RelayState.WAITING)  # type: ignore[union-attr]
    await relay.start()
    during = [await sent(await writer.notes.post(f"during the outage {i}")) for i in range(3)]
    async def writer_done() -> bool:
        return await unsent(writer) == []

    await eventually(writer_done)  # on the relay now (at once, or from the outbox once it reconnected)
    mark = len(recorder.sent)
    recorder.gate.set()
    gap = {e.id for e, _ in during}
    await eventually(lambda: gap <= set(seen.feed_ids))

    resumed = home_reqs(recorder, writer_key.public_key, since=mark)
    assert resumed, "the home subscription was not sent again"
    assert all(flt.get("since") == first.created_at for req in resumed for flt in req[2:])  # the resume point
    # A note published now arrives live after everything the relay sent before it: once it is in the feed,
    # a second copy of any earlier note would be there too.
    after, _ = await sent(await writer.notes.post("after the outage"))
    await eventually(lambda: after.id in seen.feed_ids)
    assert Counter(seen.feed_ids) == Counter([first.id, *gap, after.id])  # each note once
    count_outage_events(len(gap), len(gap & set(seen.feed_ids)))
    await seen.close()


async def test_publish_in_flight_when_the_relay_dies_goes_out_when_it_is_back(
    relay_procs: StartRelay, clients: list[Client], tmp_path: Path
) -> None:
    relay = await relay_procs()
    recorder = Recorder(record_received=False)
    client = await started(make_client(config_for(tmp_path / "me", [relay.url]), SecretKey.generate(),
                                       recorder.connect), clients)
    seen = Notifications(client)
    await client.lists.wait_synced()
    assert await client._pool.relay(relay.url).wait_connected(5)  # type: ignore[union-attr]

    relay.stop()  # SIGSTOP: the socket stays open, nothing answers
    went_out = asyncio.Event()

    async def note_sent(url: str, frame: list[Any]) -> None:
        if frame[0] == "EVENT":
            went_out.set()

    recorder.before_send = note_sent
    publish = asyncio.create_task(sent(await client.notes.post("in flight when the relay died")))
    await asyncio.wait_for(went_out.wait(), 5)
    await relay.kill()  # while the EVENT waits for its OK
    event, results = await asyncio.wait_for(publish, 10)
    assert results[0].status in (PublishStatus.UNREACHABLE, PublishStatus.TIMEOUT), results
    assert [e.event.id for e in await unsent(client)] == [event.id]

    await relay.start()  # empty (its store was in memory): only the outbox can bring the note back
    await eventually(lambda: seen.unsent == 0)
    held = await query_relay(relay.url, {"ids": [event.id]})
    assert [h["id"] for h in held] == [event.id]
    assert await unsent(client) == []
    count_outage_events(1, len(held))
    await seen.close()


async def test_relay_killed_during_auth_for_a_subscription_and_for_a_publish(
    relay_procs: StartRelay, clients: list[Client], tmp_path: Path
) -> None:
    relay = await relay_procs(auth=True)
    me, writer_key = SecretKey.generate(), SecretKey.generate()

    def kill_during_auth(recorder: Recorder, ready: Callable[[], bool]) -> asyncio.Event:
        """The first AUTH sent once `ready()` is held back; the relay is SIGKILLed; then it goes out."""
        killed = asyncio.Event()

        async def hook(url: str, frame: list[Any]) -> None:
            if frame[0] != "AUTH" or killed.is_set():
                return
            await eventually(ready, timeout=5)
            relay.kill_now()
            killed.set()
            await relay.proc.wait()  # type: ignore[union-attr]  # dead, its sockets closed: the AUTH goes nowhere

        recorder.before_send = hook
        return killed

    # The reader's home subscription is refused (auth-required); the relay dies while it logs in.
    config = config_for(tmp_path / "reader", [RelayConfig(relay.url, read=True, write=False, auth=True)])
    await seed_store(config, me, [follows(me, writer_key)])
    reader_rec = Recorder()
    reader = make_client(config, me, reader_rec.connect)
    reader_rec.gate.clear()  # every subscription is open before the first connection
    reader = await started(reader, clients)
    seen = Notifications(reader)
    await reader.feeds.open("home").first_page()
    await eventually(lambda: home_open(reader, writer_key.public_key))

    def home_refused() -> bool:
        ids = {r[1] for r in home_reqs(reader_rec, writer_key.public_key)}
        return any(f[0] == "CLOSED" and f[1] in ids for _, f in reader_rec.received)

    killed = kill_during_auth(reader_rec, home_refused)
    reader_rec.gate.set()
    await asyncio.wait_for(killed.wait(), 10)
    await relay.proc.wait()  # type: ignore[union-attr]
    await relay.start()

    # The writer's note is refused (auth-required); the relay dies while it logs in.
    writer_rec = Recorder()
    wconfig = config_for(tmp_path / "writer", [RelayConfig(relay.url, read=False, write=True, auth=True)])
    writer = await started(make_client(wconfig, writer_key, writer_rec.connect), clients)
    killed = kill_during_auth(writer_rec, lambda: True)
    note, results = await sent(await writer.notes.post("sent while the relay died during the login"))
    assert killed.is_set(), results  # the relay asked for a login, and died while we gave it
    assert results[0].status is PublishStatus.UNREACHABLE, results  # not a refusal: it stays in the outbox
    assert [e.event.id for e in await unsent(writer)] == [note.id]
    await relay.proc.wait()  # type: ignore[union-attr]
    await relay.start()

    # Both log in again: the note goes out from the outbox and reaches the reader's feed, once.
    await eventually(lambda: note.id in seen.feed_ids, timeout=15)
    assert await unsent(writer) == []
    after, _ = await sent(await writer.notes.post("after the logins"))  # arrives after any second copy of the note
    await eventually(lambda: after.id in seen.feed_ids, timeout=15)
    assert seen.feed_ids.count(note.id) == 1
    count_outage_events(1, seen.feed_ids.count(note.id))
    await seen.close()


async def test_screen_shows_every_note_once_across_a_kill_and_restart(
    relay_procs: StartRelay, clients: list[Client], tmp_path: Path
) -> None:
    relay = await relay_procs()
    me, writer_key = SecretKey.generate(), SecretKey.generate()
    config = config_for(tmp_path / "me", [relay.url])
    await seed_store(config, me, [follows(me, writer_key)])
    writer = await started(make_client(config_for(tmp_path / "writer", [relay.url]), writer_key), clients)
    before, _ = await sent(await writer.notes.post("before the outage"))
    app = NostrApp(config, client=make_client(config, me, interactive=True))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() == 1)

        await relay.kill()
        bar = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: bar.relays_connected == 0)
        # Written during the outage: mine from the screen, the writer's from its client; both are queued.
        await pilot.press("c")
        await pilot.press(*"written while the relay was down")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bar.unsent == 1)
        await wait_for(pilot, lambda: not app.screen.query_one(Compose).display)
        assert home.item_count() == 2 and home.item(0).event.content == "written while the relay was down"
        pending_writer = asyncio.create_task(sent(await writer.notes.post("the writer's note during the outage")))
        await wait_for(pilot, pending_writer.done)
        during, results = pending_writer.result()
        assert results[0].status is PublishStatus.UNREACHABLE

        await relay.start()
        await wait_for(pilot, lambda: bar.unsent == 0 and bar.relays_connected == 1)
        await wait_for(pilot, lambda: home.new_count == 1)  # the writer's: mine was on the screen already
        await pilot.press("n")
        await wait_for(pilot, lambda: home.item_count() == 3)
        # A note published now arrives after any late copy of the earlier ones: once it is on the screen,
        # such a copy would be there too.
        await sent(await writer.notes.post("after the outage"))
        await wait_for(pilot, lambda: home.new_count == 1)
        await pilot.press("n")
        await wait_for(pilot, lambda: home.item_count() == 4)
        shown = [home.item(i).event for i in range(home.item_count())]
        contents = sorted(e.content for e in shown)
        assert contents == sorted(["before the outage", "written while the relay was down",
                                   "the writer's note during the outage", "after the outage"])
        assert len({e.id for e in shown}) == len(shown) == 4 and home.pending_count == 0
        assert during.id in {e.id for e in shown} and before.id in {e.id for e in shown}
        outage = ["written while the relay was down", "the writer's note during the outage"]
        count_outage_events(len(outage), sum(c in contents for c in outage))
