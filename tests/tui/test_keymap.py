"""The [keymap] table: ids that exist, and a start-up report of unknown ids and colliding keys."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from textual.widgets import DataTable

from nostr_tui.config import Config
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.keymap import keymap_problems, known_ids
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.relays import RelaysScreen
from nostr_tui.tui.widgets.note_list import NoteList

from .apps import wait_for

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = re.compile(r'"([a-z_]+\.[a-z_]+)" = "([^"]+)"')


def toasts(app: NostrApp) -> str:
    return " ".join(str(t.render()) for t in app.screen.query("Toast"))


async def test_an_unknown_id_and_a_colliding_key_are_reported_at_start() -> None:
    keymap = {"feed.reply": "R", "note.react": "j", "note.copy": "Y"}
    app = NostrApp(Config(relays=(), keymap=keymap), demo=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        await wait_for(pilot, lambda: "feed.reply" in toasts(app))
        shown = toasts(app)
        assert "no binding has the id 'feed.reply'" in shown and "the nearest is 'note.reply'" in shown
        assert "'note.react' = 'j' collides with list.down on the feed screen" in shown
        assert "note.copy" not in shown  # Y is free: a good remap is not reported


def test_every_binding_id_in_the_docs_exists_and_the_examples_are_free_keys() -> None:
    texts = {name: (ROOT / name).read_text(encoding="utf-8") for name in
             ("config.example.toml", "src/nostr_tui/default_config.toml", "README.md")}
    known = known_ids()
    for name, text in texts.items():
        examples = dict(EXAMPLE.findall(text))
        assert examples, f"{name} shows no [keymap] example"
        assert keymap_problems(examples) == [], name
    keys_table = texts["README.md"].split("| key | does | id |", 1)[1].split("\n\n", 1)[0]
    id_cells = [row.split("|")[-2] for row in keys_table.splitlines() if row.startswith("| ")]
    readme_ids = {i for cell in id_cells for i in re.findall(r"`([a-z_]+\.[a-z_]+)`", cell)}
    assert len(readme_ids) > 30 and readme_ids <= known, sorted(readme_ids - known)
    tomllib.loads(texts["config.example.toml"])


async def test_the_relays_screen_moves_with_j_and_k() -> None:
    app = NostrApp(Config(relays=()), demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))
        app.client.relays.add("ws://127.0.0.1:9/", read=False, write=False)
        app.client.relays.add("ws://127.0.0.1:10/", read=False, write=False)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RelaysScreen))
        table: Any = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 3)
        assert table.cursor_row == 0
        await pilot.press("j")
        await wait_for(pilot, lambda: table.cursor_row == 1)
        await pilot.press("j")
        await wait_for(pilot, lambda: table.cursor_row == 2)
        await pilot.press("k")
        await wait_for(pilot, lambda: table.cursor_row == 1)
