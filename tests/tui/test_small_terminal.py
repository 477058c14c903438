"""At 80x24 every dialog fits: inside the screen, nothing of it cut off (a long list scrolls instead)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.containers import ScrollableContainer
from textual.widget import Widget

from nostr_tui.config import Config, KeysConfig
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.help import HelpScreen
from nostr_tui.tui.screens.modals import ConfirmModal, InputModal, NewPassphraseModal
from nostr_tui.tui.screens.welcome import WelcomeScreen
from nostr_tui.tui.widgets.note_list import NoteList

from .apps import wait_for

SIZE = (80, 24)


def fits(app: NostrApp, *, may_scroll: bool = False) -> None:
    """The open dialog lies inside the screen and shows all it holds (or scrolls, where allowed)."""
    [dialog] = app.screen.query(".dialog")
    box = dialog.region
    assert box.x >= 0 and box.y >= 0 and box.right <= SIZE[0] and box.bottom <= SIZE[1], box
    if isinstance(dialog, ScrollableContainer) and dialog.max_scroll_y > 0:
        assert may_scroll, f"{type(app.screen).__name__} needs scrolling at 80x24"
        return
    inner = dialog.content_region
    for child in dialog.query(Widget):
        if child.display and child.region.area:
            r = child.region
            assert inner.x <= r.x and r.right <= inner.right and inner.y <= r.y and r.bottom <= inner.bottom, (
                f"{type(app.screen).__name__}: {child!r} at {r} is cut off by {inner}")


async def test_the_first_run_dialogs_fit(tmp_path: Path) -> None:
    app = NostrApp(Config(relays=(), data_dir=tmp_path, keys=KeysConfig(log_n=4)), data_dir=tmp_path)
    app.config_written = tmp_path / "a rather long path to the config directory" / "nostr-tui" / "config.toml"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        await pilot.pause(0.1)
        fits(app)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, InputModal))
        await pilot.pause(0.1)
        fits(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NewPassphraseModal))
        await pilot.press(*"hunter2", "enter")  # the longest text it shows: the weak-passphrase warning
        await wait_for(pilot, lambda: "weak" in str(app.screen.query_one("#passphrase-strength").render()))
        await pilot.pause(0.1)
        fits(app)


async def test_the_dialogs_of_the_feed_fit() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        home: Any = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 0)
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.pause(0.1)
        fits(app)
        await pilot.press("n")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.1)
        fits(app, may_scroll=True)  # every key of the screen: a list that scrolls
        await pilot.press("escape")
        await pilot.press("K")
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        await pilot.pause(0.1)
        fits(app)
