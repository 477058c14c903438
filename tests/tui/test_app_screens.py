"""Every screen of the app, driven through its keys against the demo's real relay and store."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input, Static

from nostr_tui.config import Config
from nostr_tui.protocol import nip19
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.help import HelpScreen
from nostr_tui.tui.screens.keys import KeysScreen
from nostr_tui.tui.screens.modals import ConfirmModal
from nostr_tui.tui.screens.profile import ProfileScreen
from nostr_tui.tui.screens.relays import RelaysScreen
from nostr_tui.tui.widgets.compose import Compose
from nostr_tui.tui.widgets.note_list import NoteList

from .apps import wait_for


def on(app: NostrApp, screen_type: type, selector: Any) -> bool:
    return isinstance(app.screen, screen_type) and bool(app.screen.query(selector))


def text_of(widget: Static) -> str:
    return str(widget.render())


async def answered(pilot: Any, app: NostrApp, screen_type: type) -> None:
    """Wait until a modal was answered: its screen is gone and the app has handled every pending message
    (the modal's result callback among them), so whatever the answer starts has been started."""
    await wait_for(pilot, lambda: isinstance(app.screen, screen_type))
    await pilot.pause()


def running(app: NostrApp, group: str) -> bool:
    """True while a worker of `group` (e.g. the one publishing a follow list) exists."""
    return any(w.group == group for w in app.workers)


def first_command(app: NostrApp) -> str:
    """The first command the open command palette offers, or "" when it offers none (yet)."""
    if not isinstance(app.screen, CommandPalette):
        return ""
    commands = app.screen.query_one(CommandList)
    return str(commands.get_option_at_index(0).prompt) if commands.option_count else ""


async def start(pilot: Any, app: NostrApp) -> NoteList:
    await wait_for(pilot, lambda: on(app, FeedScreen, NoteList))
    home = app.screen.query_one("#feed-home-list", NoteList)
    await wait_for(pilot, lambda: home.item_count() > 20)
    return home


async def test_profile_follow_help_relays_and_keys_screens() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 45)) as pilot:
        home = await start(pilot, app)
        author = home.selected_item
        assert author is not None

        # p opens the author's profile: name, npub and their notes.
        await pilot.press("p")
        await wait_for(pilot, lambda: on(app, ProfileScreen, "#profile-card"))
        card = app.screen.query_one("#profile-card", Static)
        npub = nip19.npub_encode(author.author.pubkey)
        await wait_for(pilot, lambda: npub in text_of(card))
        assert author.author.name in text_of(card)
        notes = app.screen.query_one(NoteList)
        await wait_for(pilot, lambda: notes.item_count() > 0)
        assert all(notes.item(i).event.pubkey == author.author.pubkey or notes.item(i).reposted_by
                   for i in range(notes.item_count()))

        # f asks first; n keeps the follow list as it was.
        assert author.author.pubkey in app.client.lists.follows
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await answered(pilot, app, ProfileScreen)
        assert not running(app, "follow") and author.author.pubkey in app.client.lists.follows
        # f then y unfollows, published from the newest follow list on the relay.
        before = len(app.client.lists.follows)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: author.author.pubkey not in app.client.lists.follows)
        assert len(app.client.lists.follows) == before - 1

        # ? lists every key of the screen with its id.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        table_text = " ".join(str(c) for c in app.screen.table.columns[2]._cells)
        for binding_id in ("note.reply", "note.quote", "note.react", "feed.show_new", "app.relays"):
            assert binding_id in table_text
        await pilot.press("escape")

        # R: the relays screen shows the demo relay connected, with its counters.
        await pilot.press("R")
        await wait_for(pilot, lambda: on(app, RelaysScreen, DataTable))
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count >= 1)
        url = app.client.relays.write_urls()[0]
        row = table.get_row(url)
        assert "connected" in str(row[1]) and row[2] == "rw" and int(row[3]) > 0
        detail = text_of(app.screen.query_one("#relay-detail", Static))
        assert url in detail and "NIP-11: no information document" in detail  # LocalRelay serves none
        await pilot.press("w")  # toggle write off
        await wait_for(pilot, lambda: url not in app.client.relays.write_urls())
        await pilot.press("w")
        await pilot.press("escape")

        # K: the accounts screen lists the demo account as active.
        await pilot.press("K")
        await wait_for(pilot, lambda: on(app, KeysScreen, DataTable))
        keys_table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: keys_table.row_count == 1)
        assert keys_table.get_row("demo")[0] == "●"
        await pilot.press("escape")


async def test_read_only_account_gets_a_clear_login_message_instead_of_compose() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 45)) as pilot:
        await start(pilot, app)
        npub = nip19.npub_encode(SecretKey.generate().public_key)
        await app.client.session.import_key(npub, "reader")
        await app.client.session.use("reader")
        assert app.client.session.read_only
        await pilot.press("r")
        pane = app.screen.query_one(Compose)
        await wait_for(pilot, lambda: pane.display)
        assert pane.read_only
        readonly = pane.query_one("#compose-readonly", Static)
        assert "Log in with a key to reply" in text_of(readonly)


async def test_a_finished_nip05_check_marks_the_author_everywhere_in_the_feed() -> None:
    from dataclasses import replace

    from nostr_tui.client import ProfileUpdated

    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 45)) as pilot:
        home = await start(pilot, app)
        first = home.item(0)
        verified = replace(first.author, nip05="me@example.org", nip05_verified=True)
        app.client.notifications.put(ProfileUpdated(first.author.pubkey, verified))
        theirs = [i for i in range(home.item_count()) if home.item(i).author.pubkey == first.author.pubkey]
        await wait_for(pilot, lambda: all(home.item(i).author.nip05_verified for i in theirs))
        assert len(theirs) >= 1


async def test_first_run_welcome_offers_keys_and_logs_in_read_only(tmp_path: Any) -> None:
    from nostr_tui.tui.screens.modals import InputModal
    from nostr_tui.tui.screens.welcome import WelcomeScreen

    app = NostrApp(Config(relays=(), data_dir=tmp_path), data_dir=tmp_path)
    app.config_written = tmp_path / "config.toml"
    async with app.run_test(size=(120, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        text = " ".join(text_of(s) for s in app.screen.query(Static))
        assert "generate a new key" in text and "import a key" in text and "read only" in text
        assert str(tmp_path / "config.toml") in text
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, InputModal))
        npub = nip19.npub_encode(SecretKey.generate().public_key)
        await pilot.press(*npub)
        await pilot.press("enter")
        session = app.client.session
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and session.account_name is not None)
        assert app.client.session.read_only
        await pilot.press("c")
        pane = app.screen.query_one(Compose)
        await wait_for(pilot, lambda: pane.display)
        assert "Log in with a key" in text_of(pane.query_one("#compose-readonly", Static))


def test_the_tui_logs_to_a_private_file(tmp_path: Any) -> None:
    import logging
    import stat

    from nostr_tui.tui.app import log_to_file

    path = log_to_file(tmp_path / "logs" / "nostr-tui.log")
    assert path is not None
    try:
        logging.getLogger("nostr_tui.client.relays").info("relay ws://127.0.0.1:1 connected")
        assert "relay ws://127.0.0.1:1 connected" in path.read_text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for i in range(20_000):  # more than two log files hold: it is rotated twice
            logging.getLogger("nostr_tui.client.relays").info("line %d %s", i, "x" * 120)
        logs = sorted(path.parent.iterdir())
        assert [p.name for p in logs] == ["nostr-tui.log", "nostr-tui.log.1", "nostr-tui.log.2"]
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in logs} == dict.fromkeys((p.name for p in logs), 0o600)
        assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    finally:
        for h in list(logging.getLogger("nostr_tui").handlers):
            logging.getLogger("nostr_tui").removeHandler(h)
            h.close()


async def test_generating_a_key_asks_the_passphrase_twice_in_modals(tmp_path: Any) -> None:
    from nostr_tui.config import KeysConfig
    from nostr_tui.protocol import nip49
    from nostr_tui.tui.screens.modals import InputModal
    from nostr_tui.tui.screens.welcome import WelcomeScreen

    app = NostrApp(Config(relays=(), data_dir=tmp_path, keys=KeysConfig(log_n=4)), data_dir=tmp_path)
    async with app.run_test(size=(120, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        # different answers: refused, nothing created
        await pilot.press("g")
        for answer in ("one passphrase", "another one"):
            await wait_for(pilot, lambda: isinstance(app.screen, InputModal))
            await pilot.press(*answer, "enter")
        status = app.screen.query_one("#welcome-status", Static)
        await wait_for(pilot, lambda: "differ" in text_of(status))
        assert app.client.session.accounts() == []
        # the same twice: the account exists, encrypted with that passphrase
        await pilot.press("g")
        for _ in range(2):
            await wait_for(pilot, lambda: isinstance(app.screen, InputModal))
            await pilot.press(*"correct horse", "enter")
        await wait_for(pilot, lambda: app.client.session.account_name is not None)
        account = app.client.session.accounts()[0]
        assert not account.read_only
        ncryptsec = await app.client.session.export_ncryptsec(account.name)
        assert ncryptsec.startswith("ncryptsec1")
        assert nip49.decrypt(ncryptsec, "correct horse").public_key == account.pubkey


async def test_react_and_repost_ask_first_then_publish_and_the_palette_opens_references() -> None:
    from nostr_tui.protocol.filters import Filter
    from nostr_tui.tui.commands import classify

    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 45)) as pilot:
        home = await start(pilot, app)
        target = home.selected_item
        assert target is not None

        async def mine(kind: int) -> list[Any]:
            return await app.client.search.query(Filter.make(authors=[app.client.session.pubkey], kinds=[kind]))

        # + asks; n publishes nothing
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await answered(pilot, app, FeedScreen)
        assert not running(app, "one-key") and await mine(7) == []
        # + then y: a NIP-25 reaction to the selected note
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        while not await mine(7):
            assert loop.time() < end
            await pilot.pause(0.1)
        reaction = (await mine(7))[0]
        assert reaction.content == "+" and ("e", target.event.id) in [t[:2] for t in reaction.tags]
        # t then y: a repost carrying the note
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        end = loop.time() + 10
        while not await mine(6):
            assert loop.time() < end
            await pilot.pause(0.1)
        assert target.event.id in (await mine(6))[0].content

        # the palette's reference handling: npub and nprofile open profiles, note and nevent threads
        npub = nip19.npub_encode(target.author.pubkey)
        assert classify("nostr:" + npub) == ("profile", target.author.pubkey)
        assert classify(nip19.encode(nip19.Nevent(target.event.id)))[0] == "thread"
        assert classify("not a reference") is None
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette) and isinstance(app.focused, Input))
        await pilot.press(*npub)
        await wait_for(pilot, lambda: first_command(app).startswith("Open profile"))  # the search has finished
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        assert app.screen.pubkey == target.author.pubkey
