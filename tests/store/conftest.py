"""Shared helpers for the store tests: real SQLite files in tmp_path, signed and unsigned events."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from nostr_tui.protocol.event import Event, compute_id, sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.store import EventCache, StateStore


class Clock:
    """A settable clock for expiration and timestamps."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def pubkey_of(n: int) -> str:
    """A fixed fake public key (64 hex) for author number n."""
    return hashlib.sha256(f"author-{n}".encode()).hexdigest()


def make_event(
    pubkey: str, created_at: int, kind: int = 1, tags: Sequence[Sequence[str]] = (), content: str = ""
) -> Event:
    """An event with a correct id and a dummy signature (the cache stores what it is given)."""
    t = tuple(tuple(x) for x in tags)
    return Event(compute_id(pubkey, created_at, kind, t, content), pubkey, created_at, kind, t, content, "0" * 128)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(tmp_path: Path, clock: Clock) -> Iterator[EventCache]:
    c = EventCache.open(tmp_path / "cache.sqlite3", clock=clock)
    yield c
    c.close()


@pytest.fixture
def state(tmp_path: Path, clock: Clock) -> Iterator[StateStore]:
    s = StateStore.open(tmp_path / "state.sqlite3", clock=clock)
    yield s
    s.close()


@pytest.fixture
def alice() -> SecretKey:
    return SecretKey.from_hex("11" * 32)


@pytest.fixture
def bob() -> SecretKey:
    return SecretKey.from_hex("22" * 32)


_counter = itertools.count()


def signed(secret: SecretKey, kind: int = 1, content: str = "", tags: Sequence[Sequence[str]] = (),
           created_at: int = 1_699_000_000) -> Event:
    """A really signed event."""
    return sign_event(secret, kind, content, [list(t) for t in tags], created_at)


def table_scans(lines: list[str], *, through_index: bool = False) -> list[str]:
    """The plan's lines that read a whole table of the cache (json_each is aliased r too, and is not one); with
    `through_index`, also those that read all of one of its indexes (as a newest-first read with a limit may)."""
    return [ln for ln in lines if re.match(r"SCAN (events|tags|refs|seen|e|r)\b(?! VIRTUAL)", ln)
            and (through_index or "USING INDEX" not in ln)]
