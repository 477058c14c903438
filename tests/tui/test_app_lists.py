"""Lists and relays in the app: m mutes at once everywhere, u undoes, a relay that should hold the list and does
not answer gets a question instead of a wiped list, relays edited in the app are saved and published, the
profile editor keeps what it does not show, and a read-only account is upgraded from the accounts screen."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from tests.support.keys import PASSPHRASE, keystore_with
from tests.support.proxy import Proxy
from tests.support.relays import query_relay
from tests.support.waiting import eventually
from textual.widgets import DataTable, Input

from nostr_tui.config import Config, load_config
from nostr_tui.demo.relay import publish_events
from nostr_tui.protocol import nip19
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.keys import KeysScreen
from nostr_tui.tui.screens.modals import ConfirmModal, InputModal
from nostr_tui.tui.screens.profile import ProfileScreen
from nostr_tui.tui.screens.profile_edit import ProfileEditor
from nostr_tui.tui.screens.relays import RelaysScreen
from nostr_tui.tui.screens.welcome import WelcomeScreen
from nostr_tui.tui.widgets.note_list import NoteList

from .apps import wait_for
from .test_app_core import Watched, local_relay, write_config

nostr_sdk = pytest.importorskip("nostr_sdk")


async def test_m_mutes_the_author_at_once_and_u_undoes_it() -> None:
    app = Watched(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 20)
        target = home.selected_item
        assert target is not None
        who = target.author.pubkey

        def theirs() -> int:
            return sum(1 for i in range(home.item_count()) if home.item(i).author.pubkey == who)

        assert theirs() >= 1
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: theirs() == 0)  # gone from the feed without a restart
        url = app.config.relays[0].url
        me = app.client.session.pubkey

        async def on_relay(expected: list[str]) -> bool:
            """The relay holds a mute list muting exactly `expected` (it is sent after the change is shown)."""
            got = await query_relay(url, {"authors": [me], "kinds": [10000]})
            return bool(got) and [t[1] for t in got[0]["tags"] if t[0] == "p"] == expected

        await eventually(lambda: on_relay([who]), step=0.1)

        await pilot.press("u")  # undo: the mute list loses them again, which empties it: that is asked first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal) and "empty" in app.screen.question)
        assert "--force" not in app.screen.question  # a question in the app, not the command line's flag
        await pilot.press("y")
        await wait_for(pilot, lambda: app.client.lists.mutes.pubkeys == frozenset())
        await eventually(lambda: on_relay([]), step=0.1)
        reading = home.selected_item
        assert reading is not None
        await wait_for(pilot, lambda: theirs() >= 1)  # unmuted: their notes are back without a restart
        assert home.selected_item is not None and home.selected_item.key == reading.key  # still reading the same


async def test_a_follow_while_the_relay_with_the_list_is_silent_asks_to_retry(tmp_path: Path) -> None:
    relay, url = await local_relay()
    try:
        me = SecretKey.generate()
        friends = [SecretKey.generate().public_key for _ in range(40)]
        await publish_events(url, [sign_event(me, 3, "", [["p", f] for f in friends], int(time.time()) - 600)])
        async with Proxy(int(url.rsplit(":", 1)[1])) as proxy:
            await proxy.set("silent")
            keystore_with(tmp_path / "data", me)
            app = Watched(load_config(write_config(tmp_path, [proxy.url])), prompt=lambda t, c: PASSPHRASE)
            newcomer = SecretKey.generate().public_key
            async with app.run_test(size=(110, 34)) as pilot:
                await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))
                app.open_profile(newcomer)
                await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
                await pilot.press("f")
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
                await pilot.press("y")  # yes, follow
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal)
                               and "Try again now?" in app.screen.question)
                assert proxy.url in app.screen.question
                held = await query_relay(url, {"authors": [me.public_key], "kinds": [3]})
                assert len(held[0]["tags"]) == 40  # nothing was published meanwhile
                await proxy.set("up")
                await pilot.press("y")  # try again
                await wait_for(pilot, lambda: newcomer in app.client.lists.follows, timeout=20)

                async def published() -> bool:  # the app shows the follow at once and sends the list after
                    got = await query_relay(url, {"authors": [me.public_key], "kinds": [3]})
                    return bool(got) and {t[1] for t in got[0]["tags"]} == {*friends, newcomer}

                await eventually(published, step=0.1)
    finally:
        relay.shutdown()


async def test_relays_edited_in_the_app_are_saved_and_published(tmp_path: Path) -> None:
    relay, url = await local_relay()
    second, added = await local_relay()
    try:
        keystore_with(tmp_path / "data", SecretKey.generate())
        path = write_config(tmp_path, [url])
        comment = "# my own note about these relays\n"
        path.write_text(comment + path.read_text())
        app = Watched(load_config(path), prompt=lambda t, c: PASSPHRASE, config_path=path)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))
            await pilot.press("R")
            await wait_for(pilot, lambda: isinstance(app.screen, RelaysScreen))
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, InputModal))
            await pilot.press(*added, "enter")
            table = app.screen.query_one(DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            saved = path.read_text()
            assert saved.startswith(comment) and added in saved  # comments kept, the relay added
            assert [r.url for r in load_config(path).relays] == [url, added]
            await pilot.press("P")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
            await pilot.press("y")
            me = app.client.session.pubkey

            async def published() -> list[Any]:
                return await query_relay(url, {"authors": [me], "kinds": [10002]})

            for _ in range(200):
                if await published():
                    break
                await pilot.pause(0.05)
            assert {t[1] for t in (await published())[0]["tags"]} == {url, added}
        # the next start has it
        again = Watched(load_config(path), prompt=lambda t, c: PASSPHRASE, config_path=path)
        async with again.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(again.screen, FeedScreen))
            assert {s.url for s in again.client.relays.status()} >= {url, added}
    finally:
        relay.shutdown()
        second.shutdown()


async def open_own_profile_editor(app: Watched, pilot: Any, me: SecretKey) -> None:
    """From the feed, open your own profile and press e, as a person would."""
    await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))
    app.open_profile(me.public_key)
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileEditor))


async def test_the_profile_editor_publishes_the_fields_and_keeps_the_rest(tmp_path: Path) -> None:
    relay, url = await local_relay()
    try:
        me = SecretKey.generate()
        fields = {"name": "me", "about": "hello", "banner": "https://example.org/b.png", "x_custom": [1, 2]}
        await publish_events(url, [sign_event(me, 0, json.dumps(fields), [], int(time.time()) - 600)])
        keystore_with(tmp_path / "data", me)
        app = Watched(load_config(write_config(tmp_path, [url])), prompt=lambda t, c: PASSPHRASE)
        async with app.run_test(size=(120, 45)) as pilot:
            await open_own_profile_editor(app, pilot, me)
            about = app.screen.query_one("#field-about", Input)
            await wait_for(pilot, lambda: about.value == "hello")
            about.value = "edited in the app"
            app.screen.query_one("#field-lud16", Input).value = "me@example.org"
            await pilot.press("ctrl+s")

            async def profile() -> dict[str, Any]:
                found = await query_relay(url, {"authors": [me.public_key], "kinds": [0]})
                return json.loads(found[0]["content"]) if found else {}

            for _ in range(200):
                if (await profile()).get("about") == "edited in the app":
                    break
                await pilot.pause(0.05)
            assert await profile() == {**fields, "about": "edited in the app", "lud16": "me@example.org"}
    finally:
        relay.shutdown()


async def test_a_newcomer_without_a_profile_is_told_the_relays_are_asked_and_gets_an_empty_editor(
    tmp_path: Path,
) -> None:
    relay, url = await local_relay()
    try:
        me = SecretKey.generate()  # nothing published yet
        keystore_with(tmp_path / "data", me)
        app = Watched(load_config(write_config(tmp_path, [url])), prompt=lambda t, c: PASSPHRASE)
        async with app.run_test(size=(120, 45)) as pilot:
            await open_own_profile_editor(app, pilot, me)
            assert "Asking your relays for your profile…" in app.shown
            assert app.screen.query_one("#field-name", Input).value == ""
    finally:
        relay.shutdown()


async def test_a_read_only_account_is_upgraded_from_the_accounts_screen(tmp_path: Path) -> None:
    relay, url = await local_relay()
    try:
        key = SecretKey.generate()
        keystore_with(tmp_path / "data", key, read_only=True)
        answers = iter([PASSPHRASE, PASSPHRASE])
        app = Watched(load_config(write_config(tmp_path, [url])), prompt=lambda t, c: next(answers))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))
            assert app.client.session.read_only
            await pilot.press("K")
            await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
            await pilot.press("i")
            await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen))
            await pilot.press("i")
            await wait_for(pilot, lambda: isinstance(app.screen, InputModal))
            await pilot.press(*nip19.nsec_encode(key), "enter")
            await wait_for(pilot, lambda: not app.client.session.read_only, timeout=20)
            assert [a.name for a in app.client.session.accounts()] == ["me"]
            assert any("can now sign" in m for m in app.shown)
    finally:
        relay.shutdown()
