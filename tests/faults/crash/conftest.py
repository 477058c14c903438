"""Shared parts of the crash tests: child processes to kill, configs on disk, relays that stall or log frames.

The relays and client fixtures come from the client tests (imported, not copied).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.client.conftest import client_factory, relays  # noqa: F401  (fixtures are used by name)
from tests.support.keys import PASSPHRASE, keystore_with
from tests.support.ports import PortHold
from tests.support.relays import LocalRelays as Relays
from tests.support.relays import query_relay
from tests.support.waiting import eventually, wait_for_event

__all__ = [  # shared helpers the crash tests import from this conftest
    "PASSPHRASE", "Relays", "eventually", "keystore_with", "query_relay", "wait_for_event",
]

HERE = Path(__file__).parent
REPO = HERE.parents[2]
NOBODY = 65534
ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")

# Faults injected across the suite, for the Reliability figures (printed in the terminal summary).
FAULTS: dict[str, int] = {}


def count_fault(kind: str, n: int = 1) -> None:
    """Record `n` injected faults of one kind."""
    FAULTS[kind] = FAULTS.get(kind, 0) + n


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the faults injected by this run (kills, disk-full and read-only runs)."""
    if FAULTS:
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(FAULTS.items()))
        terminalreporter.write_line(f"crash faults injected: {parts}")


def write_config(
    path: Path, data_dir: Path, relay_specs: Sequence[tuple[str, bool, bool, bool]] = (),
    passphrase_command: str = "", slow: bool = False,
) -> Path:
    """A config.toml naming `relay_specs` as (url, read, write, auth), fast timeouts (long ones when `slow`), a cheap
    key work factor and `data_dir`; returns its path."""
    wait = 30.0 if slow else 2.0
    lines = [f"data_dir = {json.dumps(str(data_dir))}", ""]
    for url, read, write, auth in relay_specs:
        lines += ["[[relays]]", f'url = "{url}"', f"read = {str(read).lower()}", f"write = {str(write).lower()}",
                  f"auth = {str(auth).lower()}", ""]
    lines += [
        "[network]", f"connect_timeout = {wait}", "eose_timeout = 2.0", f"publish_timeout = {wait}",
        "backoff_initial = 0.05", "backoff_max = 0.3", "nip11_timeout = 0.5", "",
        "[keys]", f"passphrase_command = {json.dumps(passphrase_command)}", "log_n = 16", "",
    ]
    path.write_text("\n".join(lines))
    return path


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child nostr-tui process (unbuffered, the repo importable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOSTR_TUI_")}
    path = os.pathsep.join([str(REPO / "src"), str(REPO)])  # this tree's nostr_tui, and tests.support
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=path, TERM="xterm-256color", **extra)
    return env


def spawn(script: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start one of the child scripts in this directory with its stdout piped."""
    return subprocess.Popen([sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env or child_env(), cwd=REPO)


def read_line(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    """The child's next line of stdout (bounded in time; the child's stderr on failure)."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"child said nothing within {timeout} s: {err[-2000:]}")
    return line.strip()


def sigkill(proc: subprocess.Popen[str], kind: str) -> list[str]:
    """SIGKILL a child (counted as a fault of `kind`); returns the stdout lines it had not read yet."""
    os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL, err[-2000:]
    count_fault(kind)
    return out.split()


def run_cli(config: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            user: int | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """`nostr-tui --config CONFIG ARGS...` in a child process (as the unprivileged user when `user` is NOBODY)."""
    return subprocess.run(command(config, args, user), input=stdin, capture_output=True, text=True,
                          env=env or child_env(), cwd="/", timeout=timeout)


def command(config: Path, args: Sequence[str], user: int | None) -> list[str]:
    """The argv running nostr-tui, directly or through the privilege-dropping wrapper."""
    assert user in (None, NOBODY)
    entry = [str(HERE / "_as_nobody.py")] if user == NOBODY else ["-m", "nostr_tui"]
    return [sys.executable, *entry, "--config", str(config), *args]


def run_tui_in_pty(config: Path, env: dict[str, str], user: int | None = None, timeout: float = 30.0,
                   args: Sequence[str] = ()) -> tuple[int, str]:
    """Run the real `nostr-tui` terminal interface on a pseudo-terminal until it exits by itself; returns its
    exit status and everything it wrote, escape sequences removed."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(command(config, args, user), stdin=slave, stdout=slave, stderr=slave, env=env,
                            cwd="/", start_new_session=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    chunk = b""
                if not chunk and proc.poll() is not None:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        else:
            proc.kill()
            pytest.fail(f"the TUI did not exit within {timeout} s: {bytes(out)[-500:]!r}")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
    return proc.returncode, ANSI.sub("", out.decode("utf-8", "replace")).replace("\r", "")


def integrity(path: Path) -> str:
    """PRAGMA integrity_check of one SQLite file (opened fresh, so WAL recovery runs)."""
    conn = sqlite3.connect(str(path))
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


class StallServer:
    """A TCP listener on a port of its own that accepts connections and never answers: a relay that hangs."""

    def __init__(self) -> None:
        self.port = 0
        self.url = ""
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.append(writer)

        self._server = await asyncio.start_server(hold, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for w in self._writers:
                w.close()
            await self._server.wait_closed()
            self._server = None

    async def hand_over(self) -> PortHold:
        """Stop, and hold the port (refusing connections) for whatever serves it next."""
        await self.stop()
        return PortHold(self.port)


@pytest.fixture
async def stall_server() -> AsyncIterator[StallServer]:
    """A relay URL that accepts the socket and never answers (stopped afterwards)."""
    server = StallServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class FrameLog:
    """A websocket proxy in front of a relay that records every frame the client sends (to see AUTH)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.sent: list[list[Any]] = []
        self.url = ""
        self._server: Any = None

    async def start(self) -> str:
        from websockets.asyncio.client import connect
        from websockets.asyncio.server import serve

        async def handle(ws: Any) -> None:
            async with connect(self.upstream) as up:
                async def down() -> None:
                    async for msg in up:
                        await ws.send(msg)

                task = asyncio.create_task(down())
                try:
                    async for msg in ws:
                        self.sent.append(json.loads(msg))
                        await up.send(msg)
                finally:
                    task.cancel()

        self._server = await serve(handle, "127.0.0.1", 0)
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}"
        return self.url

    def verbs(self) -> list[str]:
        """The message types the client sent, in order."""
        return [m[0] for m in self.sent]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def frame_logs() -> AsyncIterator[list[FrameLog]]:
    """A list to add started FrameLog proxies to; all are stopped afterwards."""
    logs: list[FrameLog] = []
    try:
        yield logs
    finally:
        for log in logs:
            await log.stop()
