"""Snapshots of the app's main screens in the demo (real relay, real store) with a fixed clock.

Update after an intended change with `pytest tests/tui/test_app_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from typing import Any

from nostr_tui.config import Config
from nostr_tui.demo import seed_thread
from nostr_tui.protocol import nip19
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.thread import ThreadScreen
from nostr_tui.tui.widgets.note_list import NoteList
from nostr_tui.tui.widgets.thread_view import ThreadView

from .apps import wait_for

CLOCK = 1_795_888_800.0  # 2026-11-28 18:00 UTC: 13 hours after the newest demo note, so relative times are stable
SIZE = (100, 36)


def _app() -> NostrApp:
    return NostrApp(Config(relays=()), demo=True, clock=lambda: CLOCK)


def test_feed_screen_snapshot(snap_compare: Any) -> None:
    app = _app()

    async def settle(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and app.screen.query(NoteList)
                     and app.screen.query_one("#feed-home-list", NoteList).item_count() > 20)
        await wait_for(pilot, lambda: app.relays_connected == 1)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_thread_screen_snapshot(snap_compare: Any) -> None:
    app = _app()

    async def settle(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and app.screen.query(NoteList))
        app.open_thread(nip19.note_encode(seed_thread().quote))
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and app.screen.query(ThreadView)
                     and app.screen.query_one(ThreadView).item_count() >= 13
                     and "asking relays" not in str(app.screen.query_one("#thread-status").render()))
        await wait_for(pilot, lambda: app.relays_connected == 1)
        await pilot.press("j", "j")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=settle)
