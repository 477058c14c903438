"""Adding an account from the app: the dialog knows whether accounts exist, asks for a name, says "Working…"
only while the key is encrypted, warns about a weak passphrase, and the first post asks nothing more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static

from nostr_tui.config import Config, KeysConfig, load_config
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.keys import KeysScreen
from nostr_tui.tui.screens.modals import InputModal, NewPassphraseModal
from nostr_tui.tui.screens.welcome import WelcomeScreen
from nostr_tui.tui.widgets.compose import Compose
from nostr_tui.tui.widgets.note_list import NoteList

from .apps import wait_for
from .test_app_core import Watched, local_relay, status_of, write_config


def text_of(widget: Static) -> str:
    return str(widget.render())


def welcome_status(app: NostrApp) -> str:
    screens = [s for s in app.screen_stack if isinstance(s, WelcomeScreen)]
    return text_of(screens[-1].query_one("#welcome-status", Static)) if screens else ""


async def test_from_the_accounts_screen_it_knows_the_accounts_and_asks_for_a_name() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        intro = text_of(app.screen.query_one("#welcome-text", Static))
        assert "no account yet" not in intro
        assert "you have 1: demo" in intro and "esc back" in intro
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, InputModal))
        assert "A name for this account" in text_of(app.screen.query(Static).first())
        await pilot.press(*"work", "enter")
        await wait_for(pilot, lambda: app.client.session.account_name == "work")
        assert [a.name for a in app.client.session.accounts()] == ["demo", "work"]


async def test_first_run_a_weak_passphrase_is_estimated_and_warned_about_and_working_waits_for_it(
    tmp_path: Path,
) -> None:
    app = NostrApp(Config(relays=(), data_dir=tmp_path, keys=KeysConfig(log_n=16)), data_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        assert "You have no account yet" in text_of(app.screen.query_one("#welcome-text", Static))
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, InputModal))
        await pilot.press("enter")  # the suggested name
        await wait_for(pilot, lambda: isinstance(app.screen, NewPassphraseModal))
        assert "Working" not in welcome_status(app)  # nothing is being encrypted while the person types
        await pilot.press(*"hunter2")
        strength = app.screen.query_one("#passphrase-strength", Static)
        await wait_for(pilot, lambda: "Strength: very weak" in text_of(strength)
                       or "Strength: weak" in text_of(strength))
        assert "guessed offline in" in text_of(strength)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "This passphrase is weak" in text_of(strength))
        assert isinstance(app.screen, NewPassphraseModal)  # not taken yet
        await pilot.press("enter")  # the second Enter takes it anyway
        await wait_for(pilot, lambda: isinstance(app.screen, InputModal)
                       and not isinstance(app.screen, NewPassphraseModal))
        assert "Working" not in welcome_status(app)
        await pilot.press(*"hunter2", "enter")
        await wait_for(pilot, lambda: "Working" in welcome_status(app) or app.client.session.account_name is not None)
        await wait_for(pilot, lambda: app.client.session.account_name == "default")


async def test_right_after_generating_the_first_post_does_not_ask_for_the_passphrase(tmp_path: Path) -> None:
    relay, url = await local_relay()
    try:


        app = Watched(load_config(write_config(tmp_path, [url])))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen))
            await pilot.press("g")
            await wait_for(pilot, lambda: isinstance(app.screen, InputModal))
            await pilot.press(*"alice", "enter")
            passphrase = "glacier orbit tamarind quilt"
            await wait_for(pilot, lambda: isinstance(app.screen, NewPassphraseModal))
            await pilot.press(*passphrase, "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, InputModal)
                           and not isinstance(app.screen, NewPassphraseModal))
            await pilot.press(*passphrase, "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and app.client.session.account_name)
            asked = app.pushed.count("InputModal")
            await pilot.press("c")
            pane: Any = app.screen.query_one(Compose)
            await wait_for(pilot, lambda: pane.display)
            await pilot.press(*"my first note", "ctrl+s")
            await wait_for(pilot, lambda: f"✓ {url} accepted" in status_of(pane))
            assert app.pushed.count("InputModal") == asked  # no passphrase dialog for the first post
    finally:
        relay.shutdown()
