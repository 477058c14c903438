"""Schema migration, damaged files, and pruning to a size cap, on real files."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from nostr_tui.protocol.filters import Filter
from nostr_tui.store import CacheCorruptError, EventCache, StateCorruptError, StateStore, Store, StoreError
from nostr_tui.store.db import Database, Migration, connect, migrate, schema_version
from nostr_tui.store.schema import CACHE_MIGRATIONS, STATE_MIGRATIONS

from .conftest import Clock, make_event, pubkey_of, table_scans

A, B, C = pubkey_of(1), pubkey_of(2), pubkey_of(3)


def test_a_version_1_cache_is_migrated(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "cache.sqlite3"
    db = connect(path, incremental_vacuum=True)
    assert migrate(db, CACHE_MIGRATIONS, "event cache", upto=1) == 1
    root = make_event(A, 1, 1, content="Old Root note")
    reply = make_event(B, 2, 1, [["e", root.id, "", "root"]], "an old reply")
    for e in (root, reply):
        db.conn.execute(
            "INSERT INTO events(id, pubkey, created_at, kind, tags, content, sig) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (e.id, e.pubkey, e.created_at, e.kind, json.dumps(e.tags), e.content, e.sig),
        )
    db.close()
    cache = EventCache.open(path, clock=clock)
    assert schema_version(cache.connection) == len(CACHE_MIGRATIONS) == 7
    assert cache.search("root NOTE") == [root]
    assert cache.counts([root.id])[root.id].replies == 1
    cache.close()


@pytest.mark.parametrize("version", [5, 6])  # 5: whole keys; 6: 16-character prefixes
def test_an_older_cache_keeps_every_event_and_relation_when_its_indexes_change(
    tmp_path: Path, clock: Clock, version: int
) -> None:
    path = tmp_path / "cache.sqlite3"
    db = connect(path, incremental_vacuum=True)
    assert migrate(db, CACHE_MIGRATIONS, "event cache", upto=version) == version
    root = make_event(A, 1, 1, content="the zebra root")
    reply = make_event(B, 2, 1, [["e", root.id, "", "root"], ["p", A]], "a zebra reply")
    like = make_event(C, 3, 7, [["e", root.id], ["p", A]], "+")
    profile = make_event(B, 4, 0, content='{"name":"b"}')
    old = EventCache(db, clock)  # the old tables, written by today's statements
    old.add([root, reply, like, profile], relay="wss://one.example")
    old.add_seen([(root.id, "wss://two.example")])
    old.index_some()
    old.add([make_event(C, 5, 1, content="queued zebra, not yet indexed")])
    before = (old.thread(root.id), old.counts([root.id]), old.profiles([B]), old.search("zebra"), old.seen_on(root.id))
    db.close()
    cache = EventCache.open(path, clock=clock)
    conn = cache.connection
    assert schema_version(conn) == len(CACHE_MIGRATIONS)
    after = (cache.thread(root.id), cache.counts([root.id]), cache.profiles([B]), cache.search("zebra"),
             cache.seen_on(root.id))
    assert after == before
    assert [e.content for e in after[0]] == ["the zebra root", "a zebra reply", "+"]
    assert after[1][root.id].replies == 1 and after[1][root.id].reactions == 1
    assert len(after[3]) == 3 and after[4] == ["wss://one.example", "wss://two.example"]
    assert cache.query(Filter.make(tags={"p": [A]})) == [like, reply]
    assert not [i for i in conn.execute("PRAGMA index_list(events)") if i[1].startswith("sqlite_autoindex")]
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert cache.add([reply])[0] == "duplicate"
    # The migrated indexes are the ones today's statements are written for: each lookup searches an index.
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    cache.thread(root.id)
    cache.counts([root.id])
    cache.get(like.id)
    cache.seen_on(root.id)
    cache.profiles([B])
    cache.feed([A, B])
    cache.query(Filter.make(tags={"p": [A]}))
    conn.set_trace_callback(None)
    for sql in [s for s in statements if s.lstrip().upper().startswith("SELECT")]:
        lines = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        assert not table_scans(lines, through_index=True), (sql, lines)
    cache.close()


class _OtherProcessFirst(Database):
    """A connection that, as it first asks for the write lock, finds that another process has just migrated the
    file (two commands started at once on a new profile)."""

    def __init__(self, db: Database, other: Database, migrations: Sequence[Migration], what: str) -> None:
        super().__init__(db.conn, db.path)
        self.other: Database | None = other
        self.migrations, self.what = migrations, what

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.other is not None:
            other, self.other = self.other, None
            migrate(other, self.migrations, self.what)
        with super().transaction() as conn:
            yield conn


@pytest.mark.parametrize(("migrations", "what"), [(STATE_MIGRATIONS, "state file"), (CACHE_MIGRATIONS, "event cache")])
def test_a_file_migrated_by_another_process_meanwhile_is_not_migrated_twice(
    tmp_path: Path, migrations: Sequence[Migration], what: str
) -> None:
    path = tmp_path / "new.sqlite3"
    mine, theirs = connect(path), connect(path)
    assert schema_version(mine.conn) == 0
    racing = _OtherProcessFirst(mine, theirs, migrations, what)
    assert migrate(racing, migrations, what) == len(migrations)  # not "table ... already exists"
    assert schema_version(mine.conn) == len(migrations)
    mine.close()
    theirs.close()


def test_a_state_file_another_process_is_creating_is_waited_for_not_called_busy(tmp_path: Path) -> None:
    # Another process has just created the file and holds it locked in its first transaction (before it is in
    # WAL mode): putting the file in WAL mode fails at once, which SQLite's busy timeout does not cover.
    path = tmp_path / "state.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE early (x)")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        state = StateStore.open(path)  # waits for the lock instead of "state file ... is busy"
    finally:
        release.join()
        other.close()
    try:
        assert state.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert schema_version(state.connection) == len(STATE_MIGRATIONS)
    finally:
        state.close()


def test_garbage_cache_gives_one_line_and_is_moved_aside(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(CacheCorruptError) as err:
        EventCache.open(path, clock=clock)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and "nostr-tui cache rebuild" in message
    cache = EventCache.open(path, clock=clock, rebuild_if_corrupt=True)
    assert cache.notice is not None and "moved to cache.sqlite3.corrupt-" in cache.notice
    moved = list(tmp_path.glob("cache.sqlite3.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not sqlite")
    cache.add([make_event(A, 1)])
    assert len(cache.query(Filter())) == 1
    cache.close()


def test_damaged_pages_raise_the_typed_error(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = EventCache.open(path, clock=clock)
    cache.add([make_event(pubkey_of(i), i, 1, [["t", "x"]], "y" * 300) for i in range(300)])
    cache.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for off in range(page, len(data), page):  # everything but the header page
        data[off:off + page] = b"\xa5" * page
    path.write_bytes(bytes(data))
    with pytest.raises(CacheCorruptError, match="malformed"):
        damaged = EventCache.open(path, clock=clock)
        damaged.query(Filter.make(tags={"t": ["x"]}))


def test_too_new_cache_is_unusable(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "cache.sqlite3"
    EventCache.open(path, clock=clock).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(CacheCorruptError, match="newer nostr-tui"):
        EventCache.open(path, clock=clock)


def test_damaged_state_file_is_refused_and_left_untouched(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"\x00garbage" * 1000)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(StateCorruptError) as err:
        StateStore.open(path, clock=clock)
    assert "\n" not in str(err.value) and "left untouched" in str(err.value)
    assert path.read_bytes() == b"\x00garbage" * 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == before


async def test_async_open_refuses_a_damaged_state_file(tmp_path: Path) -> None:
    (tmp_path / "state.sqlite3").write_bytes(b"nope" * 1000)
    with pytest.raises(StateCorruptError):
        await Store.open(tmp_path)
    assert (tmp_path / "state.sqlite3").read_bytes() == b"nope" * 1000


def test_too_new_state_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    StateStore.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer"):
        StateStore.open(path)


def test_prune_shrinks_the_file_and_keeps_what_is_protected(tmp_path: Path, clock: Clock) -> None:
    state = StateStore.open(tmp_path / "state.sqlite3", clock=clock)
    state.save_draft("new", "draft text")
    state.close()
    state_bytes = (tmp_path / "state.sqlite3").read_bytes()
    cache = EventCache.open(tmp_path / "cache.sqlite3", clock=clock)
    me = A
    protected = [
        make_event(me, 1, 1, content="my oldest note"),
        make_event(me, 2, 3, [["p", B]], ""),  # my follow list
        make_event(B, 3, 0, content='{"name":"bob"}'),  # profile of someone I follow
    ]
    stranger_profile = make_event(C, 4, 0, content='{"name":"carol"}')
    others = [make_event(pubkey_of(100 + i % 50), 10 + i, 1, [["t", "bulk"]], f"bulk {i} " + "z" * 800)
              for i in range(3000)]
    cache.add([*protected, stranger_profile, *others])
    cache.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = cache.stats().disk_bytes
    cap = size // 3
    report = cache.prune(cap, protected_authors=[me])
    assert report.within_cap and report.deleted > 0
    assert report.after_bytes < report.before_bytes and report.after_bytes <= cap * 1.1
    assert report.events_after == report.events_before - report.deleted
    for ev in protected:
        assert cache.get(ev.id) == ev
    assert cache.get(stranger_profile.id) is None
    left = cache.query(Filter.make(tags={"t": ["bulk"]}))
    gone = [e for e in others if e.id not in {x.id for x in left}]
    assert left and gone and min(e.created_at for e in left) > max(e.created_at for e in gone)
    assert cache.check() == "ok"
    cache.close()
    assert (tmp_path / "state.sqlite3").read_bytes() == state_bytes


def test_a_cache_in_a_shared_sticky_directory_leaves_the_directory_open(tmp_path: Path) -> None:
    """A cache file put straight in a directory like /tmp: the file is the user's alone, the directory (shared by
    everyone, sticky) keeps its mode."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    cache = EventCache.open(shared / "cache.sqlite3")
    cache.close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "cache.sqlite3").stat().st_mode) == 0o600
