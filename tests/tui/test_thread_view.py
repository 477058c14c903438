"""ThreadView: guides, the focus row in view, parent/root keys, collapse, quoted notes, 1,000 rows."""

from __future__ import annotations

from dataclasses import replace

from nostr_tui.client.models import ThreadRow
from nostr_tui.tui.widgets import ThreadView
from nostr_tui.tui.widgets.note_base import NoteOpened

from .apps import ThreadApp, screen_lines, screen_text
from .factory import fake_note, note, thread_rows

SIZE = (70, 30)
SHAPE = [
    ("root note", 0),
    ("reply a", 1),
    ("reply a.1", 2),
    ("reply a.2", 2),
    ("reply b", 1),
    ("reply b.1", 2),
    ("deep", 3),
]


async def test_tree_is_drawn_with_guides() -> None:
    app = ThreadApp(thread_rows(SHAPE))
    async with app.run_test(size=SIZE):
        lines = screen_lines(app.thread)
        heads = [line[2:].rstrip() for line in lines if "· " in line]
        assert heads == [
            "p0 · 1h",
            "├─ p1 · 59m",
            "│  ├─ p2 · 58m",
            "│  └─ p2 · 57m",
            "└─ p1 · 56m",
            "   └─ p2 · 55m",
            "      └─ p3 · 54m",
        ]
        assert any(line[2:].startswith("│  │  reply a.1") for line in lines)


async def test_focus_row_is_highlighted_and_in_view_with_ancestors_above() -> None:
    shape = [(f"note {i}", min(i, 1)) for i in range(60)]
    app = ThreadApp(thread_rows(shape, focus=45))
    async with app.run_test(size=SIZE):
        tv = app.thread
        assert tv.cursor == 45
        lines = screen_lines(tv)
        at = next(i for i, line in enumerate(lines) if "note 45" in line)
        assert 3 <= at < len(lines) - 3  # some context above, and fully on screen
        assert "note 44" in "\n".join(lines[:at])
        assert tv.selected_row is not None and tv.selected_row.is_focus


async def test_focus_style_marks_the_focus_row_when_the_cursor_leaves_it() -> None:
    app = ThreadApp(thread_rows(SHAPE, focus=2))
    async with app.run_test(size=SIZE) as pilot:
        tv = app.thread
        await pilot.press("j")
        focus_bg = tv.get_component_rich_style("thread--focus").bgcolor
        y = next(y for y in range(30) if "reply a.1" in tv.render_line(y).text)
        styles = {seg.style.bgcolor for seg in tv.render_line(y) if seg.style is not None}
        assert focus_bg in styles


async def test_parent_and_root_keys() -> None:
    app = ThreadApp(thread_rows(SHAPE, focus=6))
    async with app.run_test(size=SIZE) as pilot:
        tv = app.thread
        assert tv.selected_item is not None and tv.selected_item.event.content == "deep"
        await pilot.press("h")
        assert tv.selected_item.event.content == "reply b.1"
        await pilot.press("left")
        assert tv.selected_item.event.content == "reply b"
        await pilot.press("G", "H")
        assert tv.selected_item.event.content == "root note"
        await pilot.press("h")
        assert tv.cursor == 0


async def test_collapse_hides_descendants_and_counts_them() -> None:
    app = ThreadApp(thread_rows(SHAPE, focus=0))
    async with app.run_test(size=SIZE) as pilot:
        tv = app.thread
        await pilot.press("j", "space")
        text = screen_text(tv)
        assert "+ 2 replies hidden" in text
        assert "reply a.1" not in text and "reply a.2" not in text
        assert "reply b" in text
        assert tv.collapsed_count() == 2
        await pilot.press("j")
        assert tv.selected_item is not None and tv.selected_item.event.content == "reply b"
        await pilot.press("space")
        assert "+ 2 replies hidden" in screen_text(tv)
        await pilot.press("k", "space")
        text = screen_text(tv)
        assert "reply a.1" in text and "hidden" in text  # b's branch is still collapsed
        assert tv.collapsed_count() == 2


async def test_enter_opens_and_quoted_notes_can_be_opened() -> None:
    quoted = note("dave", "quoted words", 7200)
    rows = thread_rows(SHAPE, focus=1)
    rows[1] = replace(rows[1], item=replace(rows[1].item, quoted=(quoted,)))
    app = ThreadApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        assert "┃ quoted words" in screen_text(app.thread)
        await pilot.press("Q", "enter")
        await pilot.pause()
        (open_quoted,) = app.of(ThreadView.OpenQuoted)
        assert open_quoted.quoted is quoted  # type: ignore[attr-defined]
        assert open_quoted.item is rows[1].item  # type: ignore[attr-defined]
        (opened,) = app.of(NoteOpened)
        assert opened.item is rows[1].item  # type: ignore[attr-defined]


async def test_a_thousand_rows_cost_what_is_on_screen() -> None:
    rows = []
    for i in range(1000):
        depth = i % 12
        rows.append(ThreadRow(fake_note(i), depth, None, 0, is_focus=i == 500))
    app = ThreadApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        tv = app.thread
        assert tv.cursor == 500
        assert "note number 500" in screen_text(tv)
        await pilot.press("G")
        assert "note number 999" in screen_text(tv)
        await pilot.press("g", "space")
        assert tv.renders < 80
        assert tv.collapsed_count() == 11


async def test_deep_threads_keep_room_for_text() -> None:
    rows = [ThreadRow(fake_note(i), i, None, 1 if i < 59 else 0, is_focus=i == 59) for i in range(60)]
    app = ThreadApp(rows)
    async with app.run_test(size=(50, 20)):
        lines = screen_lines(app.thread)
        assert any("note number 59" in line for line in lines)
        assert any("⋯" in line for line in lines)
