"""Real relays for the tests: nostr-sdk LocalRelays in this process, and in a child process that can be
SIGKILLed, SIGSTOPped and started again on the same port; and asking a relay what it holds."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nostr_tui.demo.relay import publish_events, run_local_relay, stop_local_relay
from nostr_tui.protocol.event import Event

from .ports import PortHold, port_of

RELAY_SCRIPT = Path(__file__).with_name("relay_process.py")


class LocalRelays:
    """LocalRelays in this process for one test, each on a port it picks itself; `stop_all()` at the end.

    To bring a relay back on the same URL, use a RelayProcess: an in-process relay cannot be killed, and its
    port is not held while it is down.
    """

    def __init__(self) -> None:
        self._running: dict[str, Any] = {}

    async def start(self, events: Sequence[Event] = (), *, auth: bool = False) -> str:
        """A fresh in-memory relay holding `events` (demanding NIP-42 login with `auth`); returns its URL."""
        import nostr_sdk

        def make(port: int | None) -> Any:
            builder = (
                nostr_sdk.LocalRelayBuilder()
                .addr("127.0.0.1")
                .rate_limit(nostr_sdk.RateLimit(max_reqs=1000, notes_per_minute=100_000))
            )
            if auth:
                mode = nostr_sdk.LocalRelayBuilderNip42Mode.BOTH
                builder = builder.nip42(nostr_sdk.LocalRelayBuilderNip42(mode=mode))
            return builder.build() if port is None else builder.port(port).build()

        relay, url = await run_local_relay(make)
        self._running[url] = relay
        if events:
            await publish_events(url, list(events), timeout=10)
        return url

    async def add(self, url: str, events: Sequence[Event]) -> None:
        """Publish more events to a running relay."""
        await publish_events(url, list(events), timeout=10)

    async def stop(self, url: str) -> None:
        """Shut one relay down; returns once its port refuses connections."""
        await stop_local_relay(self._running.pop(url), port_of(url))

    async def stop_all(self) -> None:
        """Shut every relay down (each until its port refuses connections)."""
        while self._running:
            await self.stop(next(iter(self._running)))


class RelayProcess:
    """LocalRelay in a child process on a port of its own, so it can be SIGKILLed and started again there.

    The port is held (a PortHold: connections are refused, no other process is given the port) from the
    moment this object exists until the relay binds it, and again from its death until the next start, so
    `url` can be used before the first start as a relay that is down. Pass `hold` to serve a port held
    already (e.g. one another server listened on before).
    """

    def __init__(self, auth: bool = False, hold: PortHold | None = None) -> None:
        self.auth = auth
        self._hold: PortHold | None = hold or PortHold()
        self.port = self._hold.port
        self.url = f"ws://127.0.0.1:{self.port}"
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        """True while the child process lives (also while it is SIGSTOPped)."""
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        """Start the relay (again) on its port; returns once it accepts connections."""
        assert not self.running, "the relay process is still running"
        if self._hold is None:  # dead (reaped or not): take the port back before the next child binds it
            if self.proc is not None:
                await self.proc.wait()
            self._hold = PortHold(self.port)
        hold, self._hold = self._hold, None
        fd = hold.fileno()
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, str(RELAY_SCRIPT), str(fd), *(["auth"] if self.auth else []),
                stdout=asyncio.subprocess.PIPE, pass_fds=(fd,),
            )
        finally:
            hold.release()  # the child's copy holds the port until its relay binds it
        assert self.proc.stdout is not None
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 20)).decode().strip()
        if line != self.url:
            await self.kill()
            raise AssertionError(f"the relay process did not start on {self.url}: {line or 'no output'}")

    async def kill(self) -> None:
        """SIGKILL (no goodbye to the clients), reap, and hold the port until the next start."""
        if self.running:
            assert self.proc is not None
            self.proc.kill()
        if self.proc is not None:
            await self.proc.wait()
        if self._hold is None:
            self._hold = PortHold(self.port)

    def kill_now(self) -> None:
        """SIGKILL without waiting (e.g. from inside a websocket send); the next start() reaps it."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)

    def pause(self) -> None:
        """SIGSTOP: the relay keeps its sockets open and answers nothing."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    async def close(self) -> None:
        """Kill the relay if it runs and let its port go."""
        await self.kill()
        if self._hold is not None:
            self._hold.release()
            self._hold = None


async def query_relay(url: str, flt: dict[str, Any], timeout: float = 5.0) -> list[dict[str, Any]]:
    """What a relay holds for one filter, as raw event objects, asked over a websocket of our own."""
    from websockets.asyncio.client import connect

    out = []
    async with asyncio.timeout(timeout), connect(url) as ws:
        await ws.send(json.dumps(["REQ", "q", flt]))
        while True:
            msg = json.loads(await ws.recv())
            if msg[0] == "EOSE":
                return out
            if msg[0] == "EVENT":
                out.append(msg[2])
