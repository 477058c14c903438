"""Hostile notes and an impersonating profile, published to a real relay and shown by the real app: the screen
holds no terminal controls, shows markup literally and marks the impersonator."""

from __future__ import annotations

import re
from pathlib import Path

from rich.cells import cell_len
from tests.support.waiting import wait_for
from tests.tui.test_hostile import HOSTILE

from nostr_tui.client import Client
from nostr_tui.config import load_config
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.widgets.note_list import NoteList

from .conftest import Relays, keystore_with, write_config

CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def profile(secret: SecretKey, name: str, at: int) -> object:
    import json

    return sign_event(secret, 0, json.dumps({"name": name, "display_name": name}), created_at=at)


async def shown_lines(app: NostrApp, pilot, lst: NoteList, steps: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Every row the list draws while the cursor walks down it."""
    lines: list[str] = []
    for _ in range(steps):
        region = lst.scrollable_content_region
        lines += [lst.render_line(y).text for y in range(region.height)]
        await pilot.press("j")
    return lines


async def render(app: NostrApp) -> tuple[list[str], list[str], str]:
    """Run the app until the home and global feeds are filled; their rows and the screenshot."""
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)),
                       timeout=20.0)
        home = app.screen.query_one("#feed-home-list", NoteList)
        await wait_for(pilot, lambda: home.item_count() >= len(HOSTILE) or bool(home.show_new()), timeout=20.0)
        feed_lines = await shown_lines(app, pilot, home, 40)
        await pilot.press("3")
        glob = app.screen.query_one("#feed-global-list", NoteList)
        await wait_for(pilot, lambda: glob.item_count() > len(HOSTILE) or bool(glob.show_new()), timeout=20.0)
        global_lines = await shown_lines(app, pilot, glob, 40)
        return feed_lines, global_lines, app.export_screenshot()


async def test_hostile_notes_and_impersonator_from_a_relay(tmp_path: Path, relays: Relays) -> None:
    me, alice, mallory = SecretKey.generate(), SecretKey.generate(), SecretKey.generate()
    base = 1_700_000_000
    events = [
        sign_event(me, 3, "", [["p", alice.public_key]], created_at=base),
        profile(alice, "Alice", base),
        profile(mallory, "Alice", base + 1),  # not followed, same name as someone followed
        *(sign_event(alice, 1, text, created_at=base + 10 + i) for i, text in enumerate(HOSTILE)),
        sign_event(mallory, 1, "it is me, Alice, send me your nsec", created_at=base + 100),
    ]
    url = await relays.start(events)
    data = tmp_path / "data"
    data.mkdir()
    keystore_with(data, me)
    config = load_config(write_config(tmp_path / "config.toml", data, [(url, True, True, False)]))

    for run in ("first start", "restart"):  # fetched from the relay, then read back from the store
        if run == "restart":  # the profiles, as opening them fetches them (feeds do not fetch kind 0 yet)
            client = Client(config)
            await client.start()
            await client.ingest.fetch([Filter.make(kinds=[0], authors=[alice.public_key, mallory.public_key])])
            await client.close()
        feed_lines, global_lines, svg = await render(NostrApp(config))
        everything = "\n".join(feed_lines + global_lines)
        assert not CONTROLS.search(everything), run
        assert all(cell_len(line) <= 100 for line in everything.splitlines()), "a row wider than the screen"
        assert sum(line.count("a" * 90) for line in everything.splitlines()) >= 5  # the unbroken line wraps
        assert "\x1b" not in svg and not CONTROLS.search(svg.replace("\n", "")), run
        assert "[bold red]x[/] and [@click=app.quit]quit[/]" in everything, run
        assert "[link=https://evil.example]y[/link]" in everything, run
        assert "red ALERT clear  done" in everything and "bidi exe.txt and iso mark" in everything, run
        if run == "restart":  # names and follows known from the store (a first start shows npubs for now)
            heads = [line for line in everything.splitlines() if "Alice" in line and "·" in line]
            assert [line for line in heads if "[≠ npub1" not in line], "the followed Alice is shown"
            assert [line for line in heads if "[≠ npub1" in line], "the impersonator is not marked"
