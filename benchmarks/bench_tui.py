"""The feed widget (NoteList) with many notes against few: first paint, one scroll step, memory.

Every figure runs the real widget in a headless Textual app (`App.run_test`). The notes are built
before timing starts (reading them is the store's work, measured elsewhere):

- first paint: from creating the app to the first full view of the list drawn, 100,000 vs 100 notes
  (quick: 5,000 vs 100), runs interleaved, best of 3.
- scroll step: one cursor step plus drawing every row of the view, in one app showing both lists
  (same width and height), steps interleaved, the widget's line cache emptied first, best of 5.
- memory: resident set size of a fresh process that shows the list, draws it and scrolls to both ends,
  100,000 vs 100 notes. The notes sit behind a lazy sequence (32-byte ids and timestamps packed in
  arrays, a NoteItem built on access) as a store-backed page source would give them; the list only
  indexes it. The detail also gives the same ratio for a plain in-memory list of 100,000 NoteItems,
  whose cost is the items themselves (bytes per note shown), not the widget's.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import time
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import overload

from textual.app import App, ComposeResult

from nostr_tui.client.models import Author, NoteCounts, NoteItem
from nostr_tui.protocol.event import Event
from nostr_tui.tui.widgets import NoteList

from .common import Figure

NOW = 1_780_000_000
SIZE = (100, 40)
_PUB = "ab" * 32
_SIG = "cd" * 64
_AUTHORS = [Author(f"{i:02x}" * 32, f"author {i}") for i in range(50)]
_COUNTS = [NoteCounts(i, 2 * i, i // 2) for i in range(5)]
_CONTENT = [
    f"note body {k}: " + " ".join(["words that wrap across the width of the feed"] * (1 + k % 4))
    for k in range(16)
]


def _item(i: int, note_id: str, created_at: int) -> NoteItem:
    event = Event(note_id, _PUB, created_at, 1, (), _CONTENT[i % len(_CONTENT)], _SIG)
    return NoteItem(event=event, author=_AUTHORS[i % len(_AUTHORS)], counts=_COUNTS[i % len(_COUNTS)])


class PackedNotes(Sequence[NoteItem]):
    """`n` notes kept as packed ids and timestamps; a NoteItem is built when one is read."""

    def __init__(self, n: int) -> None:
        self._ids = b"".join(i.to_bytes(32, "big") for i in range(n))
        self._times = array("q", (NOW - 30 * i for i in range(n)))

    def __len__(self) -> int:
        return len(self._times)

    @overload
    def __getitem__(self, index: int) -> NoteItem: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[NoteItem]: ...

    def __getitem__(self, index: int | slice) -> NoteItem | Sequence[NoteItem]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        created_at = self._times[index]
        return _item(index, self._ids[32 * index : 32 * index + 32].hex(), created_at)


def plain_notes(n: int) -> list[NoteItem]:
    """`n` NoteItems in a list (fake ids; everything but the id and time shared)."""
    return [_item(i, f"{i:064x}", NOW - 30 * i) for i in range(n)]


class _BenchApp(App[None]):
    CSS = "NoteList { height: 1fr; }"

    def __init__(self, sources: list[Sequence[NoteItem]]) -> None:
        super().__init__()
        self.lists = [NoteList(s, clock=lambda: float(NOW)) for s in sources]

    def compose(self) -> ComposeResult:
        yield from self.lists


async def _wait_painted(pilot: object, lists: list[NoteList], timeout: float = 10.0) -> None:
    deadline = time.perf_counter() + timeout
    while any(nl.first_paint is None for nl in lists):
        if time.perf_counter() > deadline:
            raise TimeoutError("the list was not drawn")
        await pilot.pause(0.001)  # type: ignore[attr-defined]


async def _first_paint(source: Sequence[NoteItem]) -> float:
    t0 = time.perf_counter()
    app = _BenchApp([source])
    async with app.run_test(size=SIZE) as pilot:
        await _wait_painted(pilot, app.lists)
        painted = app.lists[0].first_paint
        assert painted is not None
        return painted - t0


def _step(nl: NoteList, down: bool) -> None:
    if down:
        nl.action_cursor_down()
    else:
        nl.action_cursor_up()
    for y in range(nl.scrollable_content_region.height):
        nl.render_line(y)


async def _scroll_steps(big: Sequence[NoteItem], small: Sequence[NoteItem], steps: int) -> tuple[float, float]:
    app = _BenchApp([big, small])
    async with app.run_test(size=SIZE) as pilot:
        await _wait_painted(pilot, app.lists)
        big_list, small_list = app.lists
        best_big = best_small = float("inf")
        for _ in range(5):
            totals = [0.0, 0.0]
            for nl in (big_list, small_list):
                nl.action_first()
                nl.clear_cache()
            for k in range(2 * steps):
                for which, nl in enumerate((big_list, small_list)):
                    t0 = time.perf_counter()
                    _step(nl, down=k < steps)
                    totals[which] += time.perf_counter() - t0
            best_big = min(best_big, totals[0] / (2 * steps))
            best_small = min(best_small, totals[1] / (2 * steps))
        return best_big, best_small


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


async def _hold_and_measure(source: Sequence[NoteItem]) -> int:
    app = _BenchApp([source])
    async with app.run_test(size=SIZE) as pilot:
        await _wait_painted(pilot, app.lists)
        nl = app.lists[0]
        for _ in range(50):
            _step(nl, down=True)
        nl.action_last()
        await pilot.pause()
        nl.action_first()
        await pilot.pause()
        gc.collect()
        return _rss_bytes()


def _child(n: int, mode: str) -> None:
    source: Sequence[NoteItem] = PackedNotes(n) if mode == "packed" else plain_notes(n)
    print(asyncio.run(_hold_and_measure(source)))


def _rss_of(n: int, mode: str) -> int:
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_tui", str(n), mode],
        cwd=root, capture_output=True, text=True, timeout=300, check=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def _memory_ratio(big: int, small: int, mode: str, repeat: int) -> tuple[float, int, int]:
    rss_big = min(_rss_of(big, mode) for _ in range(repeat))
    rss_small = min(_rss_of(small, mode) for _ in range(repeat))
    return rss_big / rss_small, rss_big, rss_small


def run(quick: bool) -> list[Figure]:
    """First paint, scroll step and memory of the NoteList, many notes against few."""
    big_n, small_n = (5_000, 100) if quick else (100_000, 100)
    repeat = 1 if quick else 3
    big, small = PackedNotes(big_n), PackedNotes(small_n)
    figures: list[Figure] = []

    asyncio.run(_first_paint(small))  # warm up: imports, CSS, caches
    paint_big = paint_small = float("inf")
    for _ in range(repeat + 1):
        paint_big = min(paint_big, asyncio.run(_first_paint(big)))
        paint_small = min(paint_small, asyncio.run(_first_paint(small)))
    figures.append(Figure(
        f"tui: first paint, {big_n:,} vs {small_n:,} notes", paint_big / paint_small, 1.5, False,
        f"{paint_big * 1000:.0f} ms vs {paint_small * 1000:.0f} ms",
    ))

    step_big, step_small = asyncio.run(_scroll_steps(big, small, 20 if quick else 40))
    figures.append(Figure(
        f"tui: one scroll step, {big_n:,} vs {small_n:,} notes", step_big / step_small, 1.5, False,
        f"{step_big * 1e6:.0f} us vs {step_small * 1e6:.0f} us (cursor step + whole view drawn)",
    ))

    ratio, rss_big, rss_small = _memory_ratio(big_n, small_n, "packed", 1 if quick else 2)
    plain_ratio, plain_big, _ = _memory_ratio(big_n, small_n, "plain", 1)
    per_note = (plain_big - rss_small) / big_n
    figures.append(Figure(
        f"tui: resident memory, {big_n:,} vs {small_n:,} notes (lazy source)", ratio, 1.3, False,
        f"{rss_big / 2**20:.1f} MB vs {rss_small / 2**20:.1f} MB; a plain list of {big_n:,} NoteItems in"
        f" memory: ratio {plain_ratio:.2f} ({per_note:.0f} B/note, the items themselves)",
    ))
    return figures


if __name__ == "__main__":
    _child(int(sys.argv[1]), sys.argv[2])
