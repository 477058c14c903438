"""The pool's memory of verified ids: first in, first out, at most `capacity`, cheap to evict from."""

from __future__ import annotations

from nostr_tui.protocol.event import Event
from nostr_tui.relay.seen import SeenEntry, SeenIds


def entry(i: int) -> SeenEntry:
    return SeenEntry(Event(f"{i:064x}", "ab" * 32, i, 1, (), "", "cd" * 64), ["wss://r"])


def test_the_oldest_is_forgotten_first_and_a_repeat_keeps_its_place() -> None:
    seen = SeenIds(3)
    for i in range(3):
        seen.add(entry(i))
    seen.add(entry(0))  # already there: nothing is forgotten
    assert len(seen) == 3
    seen.add(entry(3))
    seen.add(entry(4))
    assert [seen.get(f"{i:064x}") is not None for i in range(5)] == [False, False, True, True, True]
    seen.clear()
    assert len(seen) == 0 and seen.get(f"{4:064x}") is None
    seen.add(entry(9))
    assert len(seen) == 1
