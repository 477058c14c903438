"""`nostr-tui` without a terminal says it needs one, in one line, and exits 2 (nothing written, nothing drawn)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest


def run(args: list[str], tmp_path: Path, *, stdin: int, stdout: int) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "nostr_tui", *args], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, env=env, timeout=60, check=False)


@pytest.mark.parametrize("args", [[], ["--demo"]])
def test_without_a_terminal_on_stdin_it_exits_2_with_one_line(tmp_path: Path, args: list[str]) -> None:
    done = run(args, tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    assert done.returncode == 2
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "needs a terminal" in lines[0]
    assert not (tmp_path / "config").exists()  # no first-run config written either


def test_with_stdout_piped_it_exits_2_with_one_line(tmp_path: Path) -> None:
    leader, follower = pty.openpty()  # stdin is a terminal; stdout goes to a pipe (nostr-tui | less)
    try:
        done = run([], tmp_path, stdin=follower, stdout=subprocess.PIPE)
    finally:
        os.close(leader)
        os.close(follower)
    assert done.returncode == 2
    assert done.stdout == b""
    assert len(done.stderr.decode().splitlines()) == 1
