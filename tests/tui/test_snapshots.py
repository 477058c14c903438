"""Snapshots of the feed and the thread with fixed data and a fixed clock (pytest-textual-snapshot).

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from typing import Any

from nostr_tui.client.models import NoteCounts

from .apps import FeedApp, ThreadApp
from .factory import author, fake_note, note, thread_rows


def feed_items() -> list[Any]:
    alice = author("alice", nip05="alice@example.com", nip05_verified=True, followed=True)
    quoted = note("dave", "Remember when everyone copied everything? They also improved it.", 9000)
    return [
        note("alice", "Open models keep winning: https://example.com/open-models", 120, who=alice,
             counts=NoteCounts(3, 12, 2)),
        note("bob", "They have learned that the market is not a zero sum game.", 900,
             reply_to=alice, counts=NoteCounts(0, 4, 0)),
        note("carol", "Worth reading again.", 3600, reposted_by=author("erin"), quoted=(quoted,)),
        note("mallory", "Send me your keys [bold]now[/]", 7200, who=author("Alice")),
        note("frank", "the ending", 90000, content_warning="spoilers"),
        note("grace", "中文 and emoji 😀 keep the layout", 200000),
    ]


def test_feed_snapshot(snap_compare: Any) -> None:
    app = FeedApp(feed_items(), followed_names=["alice"])
    assert snap_compare(app, terminal_size=(80, 34), press=["j"])


def test_feed_with_new_notes_snapshot(snap_compare: Any) -> None:
    app = FeedApp(feed_items(), followed_names=["alice"])

    async def arrive(pilot: Any) -> None:
        app.feed.prepend_new([fake_note(1), fake_note(2)])
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 20), run_before=arrive)


SHAPE = [
    ("China Morning Missive: the open model debate.", 0),
    ("They have learned that the market is not a zero sum game.", 1),
    ("And the Americans have forgotten it.", 2),
    ("Open source wins in the end.", 2),
    ("Remember when everyone copied everything?", 1),
    ("They also made small incremental improvements.", 2),
]


def test_thread_snapshot(snap_compare: Any) -> None:
    assert snap_compare(ThreadApp(thread_rows(SHAPE, focus=3)), terminal_size=(80, 34))


def test_thread_collapsed_snapshot(snap_compare: Any) -> None:
    app = ThreadApp(thread_rows(SHAPE, focus=3))
    assert snap_compare(app, terminal_size=(80, 34), press=["h", "space"])
