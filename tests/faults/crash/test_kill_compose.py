"""The TUI killed with SIGKILL while a note is being written: on the next start the compose pane brings the
text back (a new note with c, a reply with r on the same note)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from tests.support.waiting import eventually, wait_for

from nostr_tui.config import load_config
from nostr_tui.paths import cache_file, state_file
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.store import EventCache
from nostr_tui.tui.app import DRAFT_DELAY, NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.widgets.compose import Compose
from nostr_tui.tui.widgets.note_list import NoteList

from .conftest import integrity, keystore_with, read_line, sigkill, spawn, write_config


def saved_drafts(data: Path) -> set[str]:
    """The texts of the drafts in the state file, as another process sees them now."""
    conn = sqlite3.connect(str(state_file(data)))
    try:
        return {text for (text,) in conn.execute("SELECT text FROM drafts")}
    finally:
        conn.close()


@pytest.mark.parametrize(("key", "text"), [("c", "half a thought about relays"), ("r", "half a reply to myself")])
async def test_draft_survives_sigkill_while_composing(tmp_path: Path, down_url: str, key: str, text: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    secret = SecretKey.generate()
    keystore_with(data, secret)
    cache = EventCache.open(cache_file(data))
    mine = sign_event(secret, 1, "an earlier note of mine", created_at=1_700_000_000)
    cache.add([mine])
    cache.close()
    config = write_config(tmp_path / "config.toml", data, [(down_url, True, True, False)])

    proc = await asyncio.to_thread(spawn, "_compose_child.py", str(config), key, text)
    assert await asyncio.to_thread(read_line, proc, 60.0) == "TYPED"
    # A pause in typing: the draft is saved DRAFT_DELAY after the last key; once it is on disk, the process
    # dies without any goodbye.
    await eventually(lambda: text in saved_drafts(data), timeout=DRAFT_DELAY + 20)
    sigkill(proc, "SIGKILL while composing")
    assert integrity(state_file(data)) == "ok"

    app = NostrApp(load_config(config))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 0)
        assert home.selected_item is not None and home.selected_item.event.id == mine.id
        await pilot.press(key)
        pane = app.screen.query_one(Compose)
        await wait_for(pilot, lambda: pane.display and pane.text == text)
        if key == "r":  # the reply draft belongs to that note only: a new note starts empty
            await pilot.press("escape", "c")
            await wait_for(pilot, lambda: pane.display and pane.text == "")
