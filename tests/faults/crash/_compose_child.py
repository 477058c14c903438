"""Child: the real TUI, headless; opens the compose pane with KEY (c: new note, r: reply to the selected note),
types TEXT, prints TYPED and goes on running until it is killed.

`python _compose_child.py CONFIG KEY TEXT`
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.support.waiting import wait_for

from nostr_tui.config import load_config
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.widgets.compose import Compose
from nostr_tui.tui.widgets.note_list import NoteList


async def main(config: Path, key: str, text: str) -> None:
    app = NostrApp(load_config(config))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)), 20)
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() > 0, 20)
        await pilot.press(key)
        pane = app.screen.query_one(Compose)
        await wait_for(pilot, lambda: pane.display, 20)
        await pilot.press(*text)
        await wait_for(pilot, lambda: pane.text == text, 20)
        print("TYPED", flush=True)
        await asyncio.sleep(120)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
