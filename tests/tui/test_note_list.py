"""NoteList: cursor keys, Enter, held-back new notes, paging backwards, updates, links, laziness."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC
from typing import overload

from rich.cells import cell_len
from textual import events

from nostr_tui.client.models import NoteCounts, NoteItem
from nostr_tui.tui.widgets import NoteList
from nostr_tui.tui.widgets.note_base import NoteOpened
from nostr_tui.tui.widgets.note_render import relative_time

from .apps import FeedApp, screen_lines, screen_text
from .factory import NOW, author, fake_note, note

SIZE = (70, 24)


def feed(n: int) -> list[NoteItem]:
    return [fake_note(i) for i in range(n)]


async def test_cursor_moves_with_vim_and_arrow_keys() -> None:
    app = FeedApp(feed(40))
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        await pilot.press("j", "j", "down")
        assert nl.cursor == 3
        await pilot.press("k", "up")
        assert nl.cursor == 1
        await pilot.press("G")
        assert nl.cursor == 39
        assert "note number 39" in screen_text(nl)
        await pilot.press("g")
        assert nl.cursor == 0
        await pilot.press("up")
        assert nl.cursor == 0
        await pilot.press("pagedown")
        assert nl.cursor > 3
        assert f"note number {nl.cursor}" in screen_text(nl)
        await pilot.press("end", "pageup")
        assert nl.cursor < 39
        assert nl.selected_item is not None
        assert f"note number {nl.cursor}" in screen_text(nl)


async def test_cursor_stays_in_view() -> None:
    app = FeedApp(feed(40))
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        for _ in range(15):
            await pilot.press("j")
            assert f"note number {nl.cursor}" in screen_text(nl)
        marked = [line for line in screen_lines(nl) if line.startswith("▌")]
        assert marked and "user" in marked[0]


async def test_enter_posts_opened_with_the_note() -> None:
    items = feed(5)
    app = FeedApp(items)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await pilot.pause()
        opened = app.of(NoteOpened)
        assert len(opened) == 1
        assert opened[0].item is items[1]  # type: ignore[attr-defined]


async def test_content_warning_hides_until_enter() -> None:
    items = [note("carol", "the butler did it", content_warning="spoilers"), *feed(3)]
    app = FeedApp(items)
    async with app.run_test(size=SIZE) as pilot:
        text = screen_text(app.feed)
        assert "Content warning: spoilers — press Enter to show" in text
        assert "butler" not in text
        await pilot.press("enter")
        await pilot.pause()
        assert "the butler did it" in screen_text(app.feed)
        assert not app.of(NoteOpened)
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.of(NoteOpened)) == 1


async def test_new_notes_do_not_move_the_view_and_n_jumps_to_them() -> None:
    app = FeedApp(feed(40))
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        await pilot.press(*"jjjjjj")
        before = screen_lines(nl)
        selected = nl.selected_item
        fresh = [fake_note(1000 + i, f"fresh {i}") for i in range(3)]
        nl.prepend_new(fresh)
        await pilot.pause()
        after = screen_lines(nl)
        assert after[0].strip().startswith("3 new notes (press n / .)")
        assert after[1:] == before[:-1]  # the line covers no note: the view moved down by one row
        assert nl.selected_item is selected
        assert "fresh" not in "\n".join(after)
        nl.prepend_new([fake_note(1000, "fresh 0")])  # a repeat is not counted twice
        await pilot.pause()
        assert nl.pending_count == 3
        await pilot.press("n")
        await pilot.pause()
        assert nl.pending_count == 0
        assert nl.cursor == 0 and nl.selected_item is fresh[0]
        lines = screen_lines(nl)
        assert "new notes" not in lines[0]
        assert "fresh 0" in "\n".join(lines)
        assert len(nl) == 43
        assert app.of(NoteList.NewShown)


async def test_near_the_end_the_list_asks_for_older_notes() -> None:
    app = FeedApp(feed(30), near_end=5)
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        await pilot.press("G")
        await pilot.pause()
        asks = app.of(NoteList.NeedOlder)
        assert len(asks) == 1 and asks[0].oldest.key == fake_note(29).key  # type: ignore[attr-defined]
        await pilot.press("k", "j")
        await pilot.pause()
        assert len(app.of(NoteList.NeedOlder)) == 1  # asked once until a page arrives
        nl.append_older([fake_note(i) for i in range(30, 40)])
        await pilot.press("G")
        await pilot.pause()
        assert nl.cursor == 39
        assert "note number 39" in screen_text(nl)
        assert len(app.of(NoteList.NeedOlder)) == 2


async def test_update_item_refreshes_counts_and_names_in_place() -> None:
    items = feed(5)
    app = FeedApp(items)
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        await pilot.press("j")
        first = items[1]
        nl.update_item(replace(first, counts=NoteCounts(7, 42, 3), author=replace(first.author, name="Renamed")))
        await pilot.pause()
        text = screen_text(nl)
        assert "💬 7  ♥ 42  ↻ 3" in text
        assert "Renamed" in text
        assert nl.cursor == 1 and nl.selected_item is not None
        assert nl.selected_item.counts.reactions == 42


async def test_a_reload_after_new_counts_draws_the_reloaded_notes_not_an_earlier_drawing() -> None:
    items = feed(5)
    app = FeedApp(items)
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        first = items[0]
        await pilot.pause()
        assert "💬 0  ♥ 0  ↻ 0" in screen_text(nl)
        nl.set_counts([(first.event.id, NoteCounts(4, 5, 6))])
        await pilot.pause()
        assert "💬 4  ♥ 5  ↻ 6" in screen_text(nl)
        # The feed is read again (e.g. after a switch of accounts): the store now says 1 reply.
        nl.set_items([replace(first, counts=NoteCounts(1, 0, 0)), *items[1:]])
        await pilot.pause()
        assert "💬 1  ♥ 0  ↻ 0" in screen_text(nl)


async def test_note_shows_reply_repost_quote_time_and_verified_mark() -> None:
    quoted = note("dave", "the quoted words", 7200)
    item = note(
        "alice",
        "look at this",
        300,
        who=author("alice", nip05="alice@example.com", nip05_verified=True),
        reply_to=author("bob"),
        reposted_by=author("erin"),
        quoted=(quoted,),
        counts=NoteCounts(2, 5, 1),
    )
    app = FeedApp([item])
    async with app.run_test(size=SIZE):
        lines = [line.strip("▌ ") for line in screen_lines(app.feed)]
        assert lines[0] == "↻ erin reposted"
        assert lines[1] == "alice ✓ · 5m"
        assert lines[2] == "Replying to @bob"
        assert lines[3] == "look at this"
        assert lines[4] == "┃ dave · 2h"
        assert lines[5] == "┃ the quoted words"
        assert lines[6] == "💬 2  ♥ 5  ↻ 1"


async def test_a_reaction_names_who_reacted_and_how() -> None:
    like = note("me", "my note", 600, reacted_by=author("alice"), reaction="+", reaction_id="c" * 64)
    odd = note("me", "my note", 600, reacted_by=author("bob"), reaction="\x1b[31m🤙", reaction_id="d" * 64)
    app = FeedApp([like, odd])
    async with app.run_test(size=SIZE):
        lines = [line.strip("▌ ") for line in screen_lines(app.feed)]
        assert lines[0] == "alice reacted ♥ to"
        assert lines[1] == "me · 10m"
        assert "bob reacted 🤙 to" in lines  # the escape sequence is gone, not shown or obeyed
        assert not any("\x1b" in line for line in lines)


async def test_ascii_mode_avoids_symbols() -> None:
    app = FeedApp([note("alice", "hi", 60, counts=NoteCounts(1, 2, 3))], ascii=True)
    async with app.run_test(size=SIZE):
        text = screen_text(app.feed)
        assert "replies 1  likes 2  reposts 3" in text
        assert "alice - 1m" in text


def test_relative_time() -> None:
    assert relative_time(NOW - 10, NOW) == "now"
    assert relative_time(NOW - 300, NOW) == "5m"
    assert relative_time(NOW - 3 * 3600, NOW) == "3h"
    assert relative_time(NOW - 2 * 86400, NOW) == "2d"
    assert relative_time(NOW - 30 * 86400, NOW, UTC) == "Jun 14"
    assert relative_time(NOW - 400 * 86400, NOW, UTC) == "2024-06-09"
    assert relative_time(NOW + 86400, NOW, UTC) == "Jul 15"
    assert relative_time(2**62, NOW, UTC) == "far future"


async def test_links_are_osc8_hyperlinks_and_listed_in_order() -> None:
    url = "https://example.com/a?b=1"
    app = FeedApp([note("alice", f"see {url} now and https://example.org later", 60)])
    async with app.run_test(size=SIZE):
        nl = app.feed
        strip = next(nl.render_line(y) for y in range(5) if url in nl.render_line(y).text)
        linked = [seg for seg in strip if seg.style is not None and seg.style.link == url]
        assert linked and "".join(s.text for s in linked) == url
        item = nl.selected_item
        assert item is not None and nl.links(item) == (url, "https://example.org")


async def test_resize_rewraps_notes() -> None:
    app = FeedApp([note("alice", "word " * 40, 60)])
    async with app.run_test(size=(100, 20)) as pilot:
        wide = sum("word" in line for line in screen_lines(app.feed))
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        narrow = sum("word" in line for line in screen_lines(app.feed))
        assert narrow > wide
        assert all(cell_len(line) == 40 for line in screen_lines(app.feed))


class CountingSequence(Sequence[NoteItem]):
    """A lazy sequence (as a store-backed page source would be) that counts reads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.reads = 0

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> NoteItem: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[NoteItem]: ...

    def __getitem__(self, index: int | slice) -> NoteItem | Sequence[NoteItem]:
        if isinstance(index, slice):
            raise TypeError("no slices")
        if not 0 <= index < self.size:
            raise IndexError(index)
        self.reads += 1
        return fake_note(index)


async def test_the_list_reads_and_renders_only_what_is_on_screen() -> None:
    source = CountingSequence(200_000)
    app = FeedApp(source)
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        assert "note number 0" in screen_text(nl)
        assert nl.renders < 20
        await pilot.press("G")
        assert "note number 199999" in screen_text(nl)
        await pilot.press("pageup", "k", "k")
        assert nl.renders < 60
        assert source.reads < 2_000


async def test_new_notes_into_an_empty_list_show_at_once() -> None:
    app = FeedApp([])
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        assert "note" not in screen_text(nl)
        nl.prepend_new([fake_note(1), fake_note(2)])
        await pilot.pause()
        assert nl.pending_count == 0 and len(nl) == 2
        assert "note number 1" in screen_text(nl)


async def test_click_moves_the_cursor_and_double_click_opens() -> None:
    app = FeedApp(feed(10))
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        y = next(y for y, line in enumerate(screen_lines(nl)) if "note number 2" in line)
        await pilot.click(NoteList, offset=(5, y))
        assert nl.cursor == 2
        await pilot.click(NoteList, offset=(5, y), times=2)
        await pilot.pause()
        assert [m.item for m in app.of(NoteOpened)] == [nl.item(2)]  # type: ignore[attr-defined]


async def test_keys_can_be_remapped_by_binding_id() -> None:
    app = FeedApp(feed(10))
    async with app.run_test(size=SIZE) as pilot:
        app.set_keymap({"list.down": "s", "list.up": "w"})
        await pilot.press("s", "s", "w", "j")
        assert app.feed.cursor == 1  # j is no longer bound once list.down is remapped


async def test_scroll_bar_and_wheel_move_the_view_by_items_and_lines() -> None:
    app = FeedApp(feed(500))
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        nl.scroll_to(y=250, animate=False, immediate=True)  # what dragging the scroll bar does
        await pilot.pause()
        assert screen_lines(nl)[0].strip().startswith("user5 · 4h")  # note 250 at the top
        assert "note number 250" in screen_lines(nl)[1]
        assert nl.cursor == 0  # the cursor stays where it was
        nl.post_message(events.MouseScrollDown(nl, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert "note number 251" in screen_lines(nl)[2]  # three lines further down


async def test_keys_on_an_empty_list_do_nothing_rather_than_crash() -> None:
    app = FeedApp([])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "k", "pagedown", "pageup", "G", "g", "enter", "down", "up")
        await pilot.pause()
        assert app.feed.item_count() == 0 and app.feed.selected_item is None
        app.feed.set_items([note("alice", "now there is one", 60)])
        await pilot.press("j", "k")
        assert app.feed.selected_item is not None


async def test_a_flood_leaves_a_bounded_number_of_rows_and_older_ones_come_back_from_the_store() -> None:
    kept = 50
    everything = feed(2000)  # newest first: what the store would hold after the flood
    app = FeedApp(everything[-20:], max_pending=100, max_kept=kept, near_end=5)
    async with app.run_test(size=SIZE) as pilot:
        nl = app.feed
        for start in range(len(everything) - 20, 0, -100):  # the flood: 100 newer notes at a time, shown at once
            nl.prepend_new(everything[max(0, start - 100):start])
            await pilot.press("n")
            rows_on_screen = len(nl._rows or [])
            assert len(nl) <= 1 + rows_on_screen + kept, "rows below the view were not let go"
        assert nl.selected_item is everything[0]
        assert nl.let_go > 0

        # Scrolling down reaches the end of what is kept; the owner pages on from the list's last row.
        answered = 0
        for _ in range(200):
            await pilot.press("G")
            await pilot.pause()
            asks = app.of(NoteList.NeedOlder)
            if len(asks) == answered:
                break
            oldest = asks[-1].oldest  # type: ignore[attr-defined]
            at = next(i for i, item in enumerate(everything) if item.key == oldest.key)
            nl.append_older(everything[at + 1 : at + 1 + 30])
            answered = len(asks)
            if at + 1 >= len(everything):
                break
        assert nl.item(len(nl) - 1) is everything[-1]
        assert [nl.item(i).key for i in range(len(nl) - 30, len(nl))] == [n.key for n in everything[-30:]]
