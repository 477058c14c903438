"""Test data for the widget tests: notes from real signed events, a fixed clock."""

from __future__ import annotations

from nostr_tui.client.models import Author, NoteCounts, NoteItem, ThreadRow
from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.keys import SecretKey

NOW = 1_752_500_000  # a fixed "now" for every test (2025-07-14)


def clock() -> float:
    """The fixed clock."""
    return float(NOW)


_KEYS: dict[str, SecretKey] = {}


def key(name: str) -> SecretKey:
    """A stable throwaway key per name (derived from the name, so snapshots do not change)."""
    if name not in _KEYS:
        seed = (name.encode() * 32)[:32].hex()
        _KEYS[name] = SecretKey.from_hex(seed)
    return _KEYS[name]


def author(name: str, **kw: object) -> Author:
    """An Author called `name` with the key for that name."""
    return Author(pubkey=key(name).public_key, name=name, **kw)  # type: ignore[arg-type]


def note(
    name: str, content: str, age: int = 60, *, tags: tuple[tuple[str, ...], ...] = (), **kw: object
) -> NoteItem:
    """A NoteItem signed by `name`, `age` seconds before NOW."""
    event = sign_event(key(name), 1, content, [list(t) for t in tags], created_at=NOW - age)
    who = kw.pop("who", None) or author(name)
    return NoteItem(event=event, author=who, **kw)  # type: ignore[arg-type]


def fake_note(i: int, content: str = "", name: str = "user") -> NoteItem:
    """A cheap NoteItem (fake id and signature) number `i`, newest first by `i`."""
    event = Event(f"{i:064x}", "ab" * 32, NOW - 60 * i, 1, (), content or f"note number {i}", "cd" * 64)
    return NoteItem(event=event, author=Author("ab" * 32, f"{name}{i % 7}"), counts=NoteCounts(i % 3, i % 5, 0))


def thread_rows(shape: list[tuple[str, int]], focus: int = 0) -> list[ThreadRow]:
    """ThreadRows from (content, depth) pairs in tree order; row `focus` is the focus."""
    rows: list[ThreadRow] = []
    stack: list[str] = []
    items = [note(f"p{d}", text, age=3600 - i * 60) for i, (text, d) in enumerate(shape)]
    for i, ((_, depth), item) in enumerate(zip(shape, items, strict=True)):
        del stack[depth:]
        parent = stack[-1] if stack else None
        children = 0
        for _, d in shape[i + 1 :]:
            if d <= depth:
                break
            if d == depth + 1:
                children += 1
        rows.append(ThreadRow(item, depth, parent, children, is_focus=i == focus))
        stack.append(item.event.id)
    return rows
