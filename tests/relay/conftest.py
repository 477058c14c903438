"""Fixtures for the relay tests: real relays on 127.0.0.1 (in process, as a process, the quirky one)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
import venv
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.support.network import FAST_NETWORK
from tests.support.ports import PortHold
from tests.support.relays import LocalRelays, RelayProcess

from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay import NotificationQueue, RelayPool

__all__ = ["FAST", "RelayProcess"]  # shared helpers the relay tests import from this conftest

NOSTR_RELAY_VERSION = "1.14"

FAST = replace(FAST_NETWORK, max_frame_bytes=64 * 1024)
"""The tests' network settings, with LocalRelay's own message cap as the largest frame taken."""


def note(secret: SecretKey, content: str, created_at: int = 1_700_000_000, kind: int = 1) -> Event:
    """A signed event."""
    return sign_event(secret, kind, content, created_at=created_at)


@pytest.fixture
def secret() -> SecretKey:
    return SecretKey.generate()


@pytest.fixture
async def local_relay() -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Start LocalRelays in this process: `url = await local_relay(auth=False)`."""
    relays = LocalRelays()
    try:
        yield lambda auth=False: relays.start(auth=auth)
    finally:
        await relays.stop_all()


@pytest.fixture
async def make_pool() -> AsyncIterator[Callable[..., tuple[RelayPool, NotificationQueue]]]:
    """`pool, notes = make_pool(**kwargs)`: a pool with fast timeouts, closed (and checked) afterwards."""
    pools: list[RelayPool] = []

    def make(**kwargs: Any) -> tuple[RelayPool, NotificationQueue]:
        queue = NotificationQueue()
        kwargs.setdefault("network", FAST)
        pool = RelayPool(on_notification=queue, **kwargs)
        pools.append(pool)
        return pool, queue

    yield make
    for pool in pools:
        await asyncio.wait_for(pool.close(), 10)
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not leftover, f"tasks left running after close: {leftover}"

# ---------------------------------------------------------------- PyPI nostr-relay, the quirky one

def _nostr_relay_venv() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nostr-tui-tests"
    target = cache / f"nostr-relay-{NOSTR_RELAY_VERSION}"
    exe = target / "bin" / "nostr-relay"
    done = target / "installed"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"nostr-relay-{NOSTR_RELAY_VERSION}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time
        if done.exists() and exe.exists():
            return exe
        venv.EnvBuilder(with_pip=True, clear=True).create(target)
        pip = [str(target / "bin" / "python"), "-m", "pip", "install", "-q", f"nostr-relay=={NOSTR_RELAY_VERSION}"]
        result = subprocess.run(pip, capture_output=True, text=True, timeout=600)
        if result.returncode != 0 or not exe.exists():
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            pytest.skip(f"cannot install PyPI nostr-relay=={NOSTR_RELAY_VERSION} into a venv: {tail[0]}")
        done.write_text("ok\n")
    return exe


@pytest.fixture(scope="session")
def nostr_relay_exe() -> Path:
    """The `nostr-relay` command from its own cached venv (installed once from the registry)."""
    return _nostr_relay_venv()

@pytest.fixture(scope="session")
def quirky_relay(nostr_relay_exe: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running PyPI nostr-relay, shared by the session; yields its ws:// URL.

    Its port is bound here and handed to gunicorn as an open socket (`fd://`), so no other process can take
    it between choosing and listening."""
    tmp_path = tmp_path_factory.mktemp("nostr-relay")
    hold = PortHold()
    fd = hold.fileno()
    config = tmp_path / "nostr-relay.yaml"
    config.write_text(
        "DEBUG: false\n"
        "relay_name: quirky test relay\n"
        "storage:\n"
        f"  sqlalchemy.url: sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}\n"
        "  validators:\n"
        "    - nostr_relay.validators.is_signed\n"
        "gunicorn:\n"
        f"  bind: fd://{fd}\n"
        "  workers: 1\n"
        "  loglevel: warning\n"
        "authentication:\n"
        "  enabled: false\n"
    )
    log = (tmp_path / "nostr-relay.log").open("w")
    try:
        proc = subprocess.Popen(
            [str(nostr_relay_exe), "-c", str(config), "serve"], stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
            pass_fds=(fd,), start_new_session=True,  # its own group: gunicorn's worker goes with it
        )
    finally:
        hold.release()  # the relay's copy of the socket keeps the port
    try:
        for _ in range(200):
            if proc.poll() is not None:
                pytest.fail(f"nostr-relay exited: {(tmp_path / 'nostr-relay.log').read_text()[-500:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", hold.port)) == 0:
                    break

            time.sleep(0.05)
        else:
            pytest.fail("nostr-relay did not start within 10 s")
        yield hold.url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # its graceful shutdown takes seconds; its data is a throwaway
        proc.wait()
        log.close()
