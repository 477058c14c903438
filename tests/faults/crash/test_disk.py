"""A full disk or a read-only data directory: the command line and the TUI say so in one line naming the file,
and the state file (outbox, drafts) and the key store are neither damaged nor changed."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from nostr_tui.paths import cache_file, keys_dir, state_file
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.store import EventCache, StateStore

from .conftest import (
    NOBODY,
    PASSPHRASE,
    child_env,
    count_fault,
    integrity,
    keystore_with,
    run_cli,
    run_tui_in_pty,
    write_config,
)

DRAFT = "a long draft nobody wants to type twice"


def seed(data: Path, relay: str) -> dict[str, object]:
    """An account, a draft, an outbox entry and a cached note; returns what must survive."""
    secret = SecretKey.generate()
    keystore_with(data, secret)
    unsent = sign_event(secret, 1, "queued while offline", created_at=1_700_000_000)
    state = StateStore.open(state_file(data))
    state.save_draft("new", DRAFT)
    state.outbox_add(unsent, [relay])
    state.close()
    cache = EventCache.open(cache_file(data))
    cache.add([sign_event(secret, 1, "seen before", created_at=1_700_000_001)])
    cache.close()
    return {"draft": DRAFT, "outbox": unsent.id, "keys": snapshot(keys_dir(data))}


def snapshot(directory: Path) -> dict[str, str]:
    """sha256 of every file in a directory."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def check_nothing_lost(data: Path, before: dict[str, object]) -> None:
    """The state file passes the integrity check and holds the draft and outbox entry; the keys are unchanged."""
    assert integrity(state_file(data)) == "ok"
    if cache_file(data).exists():
        assert integrity(cache_file(data)) == "ok"
    assert not list(data.glob("cache.sqlite3.corrupt-*")), "a healthy cache was moved aside"
    conn = sqlite3.connect(f"file:{state_file(data)}?mode=ro", uri=True)
    try:
        assert conn.execute("SELECT text FROM drafts WHERE key = 'new'").fetchone() == (before["draft"],)
        assert [r[0] for r in conn.execute("SELECT id FROM outbox")] == [before["outbox"]]
    finally:
        conn.close()
    assert snapshot(keys_dir(data)) == before["keys"]


def one_line_error(result: subprocess.CompletedProcess[str], path: Path, why: str) -> str:
    """The command failed with exactly one `nostr-tui: error:` line naming `path` and `why`, no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("nostr-tui: error: ")]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and len(errors) == 1, result.stderr
    assert str(path) in errors[0] and why in errors[0], errors[0]
    print(errors[0])
    return errors[0]


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 2 MiB tmpfs mounted for this test (skipped when mounting is refused)."""
    mnt = Path(tempfile.mkdtemp(prefix="nostr-tui-full-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(mnt)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        mnt.rmdir()
        pytest.skip(f"cannot mount a small tmpfs to fill: {done.stderr.strip() or done.returncode}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
        with contextlib.suppress(OSError):
            mnt.rmdir()


def fill(directory: Path) -> Path:
    """Write a file until the file system is full; returns it."""
    filler = directory / "filler"
    with filler.open("wb") as f:
        with contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 65536)
                f.flush()
    with contextlib.suppress(OSError):
        with filler.open("ab") as f:  # the last few bytes too
            while True:
                f.write(b"\0" * 512)
                f.flush()
    return filler


def test_disk_full(small_disk: Path, tmp_path: Path, down_url: str) -> None:
    data = small_disk / "data"
    data.mkdir()
    before = seed(data, down_url)
    config = write_config(tmp_path / "config.toml", data, [(down_url, True, True, False)])
    env = child_env(NOSTR_TUI_PASSPHRASE=PASSPHRASE, HOME=str(tmp_path))
    filler = fill(small_disk)
    assert shutil.disk_usage(small_disk).free < 8192

    post = run_cli(config, "post", "hello from a full disk", env=env)
    one_line_error(post, state_file(data), "disk")
    gen = run_cli(config, "keys", "generate", "--name", "second", env=env)
    one_line_error(gen, keys_dir(data), "No space left on device")
    status, screen = run_tui_in_pty(config, env)
    assert status == 1 and "Traceback" not in screen, screen[-3000:]
    assert f"nostr-tui: error: state file {state_file(data)} cannot be written" in screen, screen[-3000:]
    count_fault("disk-full runs", 3)
    assert snapshot(keys_dir(data)) == before["keys"]

    # Space is freed: nothing was damaged or lost, and the same command now queues the new note with the old.
    filler.unlink()
    check_nothing_lost(data, before)
    again = run_cli(config, "post", "hello again", env=env)
    assert "Traceback" not in again.stderr and "stays in the outbox" in again.stderr, again.stderr
    state = StateStore.open(state_file(data))
    try:
        assert {e.event.content for e in state.outbox_entries()} == {"queued while offline", "hello again"}
        assert state.get_draft("new") is not None
    finally:
        state.close()


@pytest.fixture
def nobody_dir() -> Iterator[Path]:
    """A directory outside root's private tmp, reachable by the unprivileged user."""
    base = Path(tempfile.mkdtemp(prefix="nostr-tui-ro-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        for p in [base, *base.rglob("*")]:
            with contextlib.suppress(OSError):
                p.chmod(0o700 if p.is_dir() else 0o600)
        shutil.rmtree(base, ignore_errors=True)


def test_read_only_data_directory(nobody_dir: Path, down_url: str) -> None:
    data = nobody_dir / "data"
    data.mkdir()
    before = seed(data, down_url)
    config = write_config(nobody_dir / "config.toml", data, [(down_url, True, True, False)])
    for p in [nobody_dir, *nobody_dir.rglob("*")]:  # everything belongs to nobody, and nobody may not write
        os.chown(p, NOBODY, NOBODY)
        p.chmod(0o555 if p.is_dir() else 0o444)
    keys_dir(data).chmod(0o500)
    for p in keys_dir(data).iterdir():
        p.chmod(0o400)
    env = child_env(NOSTR_TUI_PASSPHRASE=PASSPHRASE, HOME=str(nobody_dir))

    post = run_cli(config, "post", "hello from a read-only disk", env=env, user=NOBODY)
    one_line_error(post, state_file(data), "read-only")
    gen = run_cli(config, "keys", "generate", "--name", "second", env=env, user=NOBODY)
    one_line_error(gen, keys_dir(data), "Permission denied")
    listed = run_cli(config, "keys", "list", env=env, user=NOBODY)  # reading still works
    assert listed.returncode == 0 and '"name":"me"' in listed.stdout, listed.stderr
    status, screen = run_tui_in_pty(config, env, user=NOBODY)
    assert status == 1 and "Traceback" not in screen, screen[-3000:]
    assert f"nostr-tui: error: state file {state_file(data)} cannot be written" in screen, screen[-3000:]
    count_fault("read-only runs", 3)
    check_nothing_lost(data, before)
