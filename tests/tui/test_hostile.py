"""Hostile note content and names render inert and keep the layout, through the real widgets."""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual.strip import Strip

from nostr_tui.client.models import ThreadRow
from nostr_tui.tui.widgets import StatusBar

from .apps import FeedApp, StatusApp, ThreadApp, screen_text
from .factory import author, note

SAFE_URL = "https://example.com/ok"
HOSTILE = [
    "red \x1b[31mALERT\x1b[0m clear \x1b[2J\x1b[H done",
    "link \x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\ end",
    "clip \x1b]52;c;cm0gLXJmIC8=\x07 board",
    "dcs \x1bP+q544e\x1b\\ and 8-bit \x9b31m \x9d0;title\x9c ok",
    "bidi \u202eexe.txt\u202c and \u2066iso\u2069 \u200fmark",
    "zero\u200bwidth\u200c\u200d\u2060\ufeffgone",
    "[bold red]x[/] and [@click=app.quit]quit[/] and [link=https://evil.example]y[/link]",
    f"safe {SAFE_URL} and a trap https://evil.example/\x1b]8;;x\x07",
    "a" * 20_000,
    "中文字符 and emoji 😀🎉👨‍👩‍👧 mixed " * 30,
    "bell\x07 nul\x00 del\x7f backspace\x08 cr\roverwrite",
]
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
SGR = re.compile(r"\x1b\[[0-9;]*m")
OSC8 = re.compile(r"\x1b\]8;(?:id=[^;\x1b\x07]*)?;([\x21-\x7e]*)\x1b\\")


def hostile_items() -> list:
    evil = author("\x1b[5mBLINK\x1b[0m\u202e evil\n[red]name")
    return [note("alice", text, 60 * (i + 1), who=evil) for i, text in enumerate(HOSTILE)]


def assert_inert(strip: Strip, width: int, console: object) -> None:
    text = strip.text
    assert not UNSAFE.search(text), repr(text)
    assert strip.cell_length <= width
    for seg in strip:  # a hyperlink shows (a wrapped piece of) its own target, never hidden text
        if seg.style is not None and seg.style.link:
            assert re.fullmatch(r"https?://[\x21-\x7e]+", seg.style.link)
            assert seg.text in seg.style.link
    terminal = strip.render(console)  # what Textual writes to the terminal for this line
    assert all(re.fullmatch(r"(https?://[\x21-\x7e]+)?", url) for url in OSC8.findall(terminal))
    leftover = OSC8.sub("", SGR.sub("", terminal))
    assert "\x1b" not in leftover and not UNSAFE.search(leftover), repr(leftover)


async def test_hostile_notes_render_inert_in_the_feed() -> None:
    app = FeedApp(hostile_items())
    async with app.run_test(size=(80, 30)) as pilot:
        nl = app.feed
        width = nl.item_width
        for i in range(len(nl)):
            for strip in nl.item_lines(i):
                assert_inert(strip, width, app.console)
        long_lines = [s for s in nl.item_lines(8) if s.text.startswith("aaaa")]
        assert len(long_lines) >= 20_000 // width
        assert sum(s.text.count("a") for s in long_lines) == 20_000
        seen: list[str] = []
        for _ in range(60):  # walk the whole feed through the keys, checking every row drawn
            for y in range(nl.scrollable_content_region.height):
                row = nl.render_line(y)
                assert_inert(row, nl.scrollable_content_region.width, app.console)
                assert row.cell_length == nl.scrollable_content_region.width
                seen.append(row.text)
            await pilot.press("j")
        everything = "\n".join(seen)
        assert "[bold red]x[/] and [@click=app.quit]quit[/]" in everything
        assert "trap https://evil.example/" in everything and "8;;x" not in everything
        assert "[link=https://evil.example]y[/link]" in everything
        assert "red ALERT clear  done" in everything
        assert "link click me end" in everything
        assert "clip  board" in everything
        assert "bidi exe.txt and iso mark" in everything
        assert "zerowidthgone" in everything
        assert "BLINK evil [red]name" in everything
        assert "中文字符 and emoji 😀🎉👨👩👧 mixed" in everything
        assert app.is_running
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "\u202e" not in svg


async def test_hostile_notes_render_inert_in_a_thread() -> None:
    items = hostile_items()
    rows = [ThreadRow(item, min(i, 3), None, 1, is_focus=i == 6) for i, item in enumerate(items)]
    app = ThreadApp(rows)
    async with app.run_test(size=(60, 30)):
        tv = app.thread
        for i in range(tv.item_count()):
            for strip in tv.item_lines(i):
                assert_inert(strip, tv.item_width, app.console)
        text = screen_text(tv)
        assert "[bold red]x[/] and [@click=app.quit]quit[/]" in text


async def test_names_that_impersonate_a_followed_person_are_marked() -> None:
    real = author("Alice", followed=True)
    fake = author("alice\u200b")  # another key, same name once normalised
    items = [note("alice", "from the real one", 60, who=real), note("mallory", "from the fake", 120, who=fake)]
    app = FeedApp(items, followed_names=["Alice"])
    async with app.run_test(size=(80, 20)):
        lines = screen_text(app.feed).splitlines()
        real_head = next(line for line in lines if "Alice ·" in line)
        fake_head = next(line for line in lines if line.strip("▌ ").startswith("alice"))
        assert "[≠ npub1" not in real_head
        assert "[≠ npub1" in fake_head
        assert cell_len(fake_head) == 80


async def test_status_bar_shows_account_relays_and_unsent() -> None:
    app = StatusApp()
    async with app.run_test(size=(80, 5)) as pilot:
        bar = app.widget
        assert isinstance(bar, StatusBar)
        bar.account = "\x1b[31m[b]alice[/b]"
        bar.set_relays(2, 3)
        bar.unsent = 1
        await pilot.pause()
        assert bar.render().plain == "[b]alice[/b] · relays 2/3 connected · 1 unsent (O)"  # O: the outbox
        assert not bar.has_class("-offline")
        bar.set_relays(0, 3)
        bar.unsent = 0
        bar.read_only = True
        await pilot.pause()
        assert bar.render().plain == "[b]alice[/b] (read-only) · relays 0/3 connected"
        assert bar.has_class("-offline")

