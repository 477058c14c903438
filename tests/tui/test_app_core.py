"""The app on the client core: passphrases come from the same sources as on the command line, and each relay's
answer reaches the compose pane while the note is still being sent."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from tests.relay.hostile import Hostile, send_json
from tests.support.keys import PASSPHRASE, keystore_with
from tests.support.relays import query_relay
from textual.widgets import Static
from websockets.asyncio.server import ServerConnection

import nostr_tui.tui.app
from nostr_tui.config import load_config
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.widgets.compose import Compose

from .apps import wait_for

nostr_sdk = pytest.importorskip("nostr_sdk")


class Watched(NostrApp):
    """The real app; remembers every screen it pushed and every notification it showed."""

    CSS_PATH = str(Path(nostr_tui.tui.app.__file__).parent / str(NostrApp.CSS_PATH))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pushed: list[str] = []
        self.shown: list[str] = []

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.shown.append(str(message))
        super().notify(message, *args, **kwargs)

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        self.pushed.append(type(screen).__name__)
        return super().push_screen(screen, *args, **kwargs)


def write_config(tmp_path: Path, relays: list[str], passphrase_command: str = "") -> Path:
    data = tmp_path / "data"
    lines = [f"data_dir = {json.dumps(str(data))}", ""]
    for url in relays:
        lines += ["[[relays]]", f'url = "{url}"', ""]
    lines += ["[network]", "connect_timeout = 2.0", "eose_timeout = 2.0", "publish_timeout = 10.0",
              "backoff_initial = 0.05", "backoff_max = 0.3", "nip11_timeout = 0.5", "",
              "[keys]", f"passphrase_command = {json.dumps(passphrase_command)}", "log_n = 16", ""]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines))
    return path


async def local_relay() -> tuple[Any, str]:
    relay = nostr_sdk.LocalRelayBuilder().addr("127.0.0.1").build()
    await relay.run()
    return relay, str(await relay.url())


async def post(app: Watched, pilot: Any, text: str) -> Compose:
    await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))
    await pilot.press("c")
    pane = app.screen.query_one(Compose)
    await wait_for(pilot, lambda: pane.display)
    await pilot.press(*text)
    await pilot.press("ctrl+s")
    return pane


def status_of(pane: Compose) -> str:
    return str(pane.query_one("#compose-status", Static).render())


async def test_the_passphrase_command_unlocks_the_key_without_a_dialog(tmp_path: Path) -> None:
    relay, url = await local_relay()
    try:
        keystore_with(tmp_path / "data", SecretKey.generate())
        script = tmp_path / "password-manager"  # the passphrase is printed, never an argument
        script.write_text(f"#!/bin/sh\necho {json.dumps(PASSPHRASE)}\n")
        script.chmod(0o700)
        app = Watched(load_config(write_config(tmp_path, [url], passphrase_command=str(script))))
        async with app.run_test(size=(110, 34)) as pilot:
            pane = await post(app, pilot, "unlocked by the command")
            await wait_for(pilot, lambda: f"✓ {url} accepted" in status_of(pane))
        assert "InputModal" not in app.pushed
        assert [e["content"] for e in await query_relay(url, {"kinds": [1]})] == ["unlocked by the command"]
    finally:
        relay.shutdown()


async def test_the_passphrase_from_the_environment_unlocks_the_key_without_a_dialog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    relay, url = await local_relay()
    try:
        keystore_with(tmp_path / "data", SecretKey.generate())
        monkeypatch.setenv("NOSTR_TUI_PASSPHRASE", PASSPHRASE)
        app = Watched(load_config(write_config(tmp_path, [url])))
        async with app.run_test(size=(110, 34)) as pilot:
            pane = await post(app, pilot, "unlocked by the environment")
            await wait_for(pilot, lambda: f"✓ {url} accepted" in status_of(pane))
        assert "InputModal" not in app.pushed
    finally:
        relay.shutdown()


async def test_each_relays_answer_shows_in_the_pane_while_the_note_is_still_sending(tmp_path: Path) -> None:
    fast, fast_url = await local_relay()
    release = asyncio.Event()

    async def slow(relay: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            await send_json(ws, ["EOSE", frame[1]])
        elif frame[0] == "EVENT":
            await release.wait()  # holds its answer until the test has looked at the pane
            await send_json(ws, ["OK", frame[1]["id"], True, ""])

    try:
        async with Hostile(slow) as held:
            keystore_with(tmp_path / "data", SecretKey.generate())
            app = Watched(load_config(write_config(tmp_path, [fast_url, held.url])),
                          prompt=lambda text, confirm: PASSPHRASE)
            async with app.run_test(size=(110, 34)) as pilot:
                pane = await post(app, pilot, "one relay is slow")
                await wait_for(pilot, lambda: f"✓ {fast_url} accepted" in status_of(pane))
                shown = status_of(pane)
                assert f"… {held.url} pending: sending…" in shown  # the slow one is still on its way
                assert pane.text == ""  # accepted by one relay: the note is sent, the pane is free
                release.set()
                await wait_for(pilot, lambda: f"✓ {held.url} accepted" in status_of(pane))
    finally:
        release.set()
        fast.shutdown()
