"""File modes, atomic replacement and crashes, on real files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from tests.support.keys import PW, TEST_LOG_N, answers

from nostr_tui.keystore import KeyStore, KeystoreError, WrongPassphraseError
from nostr_tui.keystore.files import atomic_write, loose_permissions


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_directory_0700_and_files_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        store = KeyStore(tmp_path / "data" / "keys", log_n=TEST_LOG_N)
        store.generate("a", PW)
        store.use("a")
    finally:
        os.umask(old)
    assert mode(store.directory) == 0o700
    files = [p for p in store.directory.iterdir()]
    assert store.path in files
    for p in files:
        assert mode(p) == 0o600, p
    assert store.check_permissions() == []


def test_looser_permissions_are_reported_with_the_fix(store: KeyStore, warnings: list[str]) -> None:
    store.generate("a", PW)
    os.chmod(store.path, 0o644)
    os.chmod(store.directory, 0o755)
    fresh = KeyStore(store.directory, log_n=TEST_LOG_N, warn=warnings.append)
    fresh.accounts()
    fresh.accounts()  # reported once per store, not on every read
    assert f"chmod 600 {store.path}" in "\n".join(warnings)
    assert f"chmod 700 {store.directory}" in "\n".join(warnings)
    assert len(warnings) == 2


def test_a_rewrite_restores_mode_0600(store: KeyStore) -> None:
    store.generate("a", PW)
    os.chmod(store.path, 0o666)
    store.use("a")
    assert mode(store.path) == 0o600
    assert loose_permissions(store.path) == []


def test_atomic_write_replaces_the_file_and_readers_never_see_a_mix(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    atomic_write(target, json.dumps({"n": 0, "pad": "x" * 200_000}).encode())
    old_reader = target.open("rb")  # the old file must stay whole for whoever has it open
    stop = threading.Event()
    seen: list[int] = []
    bad: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.append(json.loads(target.read_bytes())["n"])
            except (ValueError, KeyError) as exc:  # a torn read
                bad.append(repr(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in range(1, 40):
            atomic_write(target, json.dumps({"n": n, "pad": str(n) * 200_000}).encode())
    finally:
        stop.set()
        thread.join(timeout=10)
    assert bad == []
    assert seen == sorted(seen)
    with old_reader:
        assert json.loads(old_reader.read())["n"] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]  # no temp file left


def test_failed_replace_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    def broken_replace(src: Path, dst: Path) -> None:
        raise OSError(28, "No space left on device")

    good = KeyStore(tmp_path / "keys", log_n=TEST_LOG_N)
    account = good.generate("a", PW)
    before = good.path.read_bytes()
    failing = KeyStore(tmp_path / "keys", log_n=TEST_LOG_N, replace=broken_replace)
    with pytest.raises(KeystoreError, match="No space"):
        failing.change_passphrase("a", PW, answers("new pass"))
    assert good.path.read_bytes() == before
    assert sorted(p.name for p in good.directory.iterdir()) == [".lock", "accounts.json"]
    assert good.secret_key("a", PW).public_key == account.pubkey
    with pytest.raises(WrongPassphraseError):
        good.secret_key("a", answers("new pass"))


CRASH = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from nostr_tui.keystore import KeyStore
    from nostr_tui.keystore.passphrase import fixed

    def crash(src, dst):
        os._exit(9)  # the process dies after the temp file is written, before the rename

    store = KeyStore(Path(sys.argv[1]), log_n=4, replace=crash)
    store.change_passphrase("a", fixed("correct horse"), fixed("new pass"))
    """
)


def test_crash_before_rename_keeps_the_old_file(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", log_n=TEST_LOG_N)
    account = store.generate("a", PW)
    before = store.path.read_bytes()
    done = subprocess.run([sys.executable, "-c", CRASH, str(store.directory)], timeout=60, capture_output=True)
    assert done.returncode == 9, done.stderr
    assert store.path.read_bytes() == before
    leftovers = [p for p in store.directory.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and mode(leftovers[0]) == 0o600
    assert store.secret_key("a", PW).public_key == account.pubkey
    store.change_passphrase("a", PW, answers("new pass"))  # the next write clears the leftover
    assert not [p for p in store.directory.iterdir() if p.name.endswith(".tmp")]
    assert store.secret_key("a", answers("new pass")).public_key == account.pubkey
