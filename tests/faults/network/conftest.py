"""Network faults against real relays on 127.0.0.1: LocalRelays in processes that are SIGKILLed, SIGSTOPped
and restarted on the same port, hostile relays, a recording websocket opener, memory samplers, a tally."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.support.keys import PASSPHRASE, TEST_LOG_N, keystore_with
from tests.support.network import FAST_NETWORK
from tests.support.relays import RelayProcess
from tests.support.waiting import eventually

from nostr_tui.client import Client, ClientEvent, FeedNew, OutboxChanged, OutboxItem, RelayResult, Sending
from nostr_tui.config import Config, KeysConfig, NetworkConfig, RelayConfig
from nostr_tui.keystore.passphrase import fixed
from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay.connection import default_connect

HERE = Path(__file__).parent
FLOOD = 100_000
FLOOD_AUTHOR = SecretKey.from_hex("f1" * 32)
__all__ = ["FAST_NETWORK", "eventually"]  # shared helpers the tests here import from this conftest

# ------------------------------------------------------------------ the tally for the Reliability figures

TALLY: Counter[str] = Counter()
FIGURES: dict[str, str] = {}


def count_fault(kind: str, n: int = 1) -> None:
    """Record faults injected (kills, restarts, stops, hostile behaviours)."""
    TALLY[f"fault: {kind}"] += n
    TALLY["faults injected"] += n


def count_outage_events(published: int, received: int) -> None:
    """Record events published while a relay was down or unreachable, and how many of them arrived."""
    TALLY["events published during outages"] += published
    TALLY["of them received"] += received
    TALLY["events lost"] += published - received


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures measured by this directory's tests."""
    if not TALLY and not FIGURES:
        return
    terminalreporter.section("network fault figures")
    for key in ("faults injected", "events published during outages", "of them received", "events lost"):
        terminalreporter.write_line(f"{key}: {TALLY[key]}")
    for key in sorted(k for k in TALLY if k.startswith("fault: ")):
        terminalreporter.write_line(f"  {key[7:]}: {TALLY[key]}")
    for key, value in FIGURES.items():
        terminalreporter.write_line(f"{key}: {value}")


# ------------------------------------------------------------------ relays in processes


class LocalRelayProcess(RelayProcess):
    """A RelayProcess (optionally demanding NIP-42 login) whose kills, stops and restarts are tallied."""

    async def start(self) -> None:
        """Start (again) on the same port."""
        restart = self.proc is not None
        await super().start()
        if restart:
            count_fault("relay restarted")

    async def kill(self) -> None:
        """SIGKILL (no goodbye to the clients), reap, hold the port until the next start."""
        if self.running:
            count_fault("relay SIGKILLed")
        await super().kill()

    def stop(self) -> None:
        """SIGSTOP: the relay keeps its sockets open and answers nothing."""
        self.pause()
        count_fault("relay SIGSTOPped")

    def kill_now(self) -> None:
        """SIGKILL without waiting (from inside a websocket send)."""
        super().kill_now()
        count_fault("relay SIGKILLed")


@pytest.fixture
async def relay_procs() -> AsyncIterator[Callable[..., Awaitable[LocalRelayProcess]]]:
    """`await start(auth=False, run=True)`: a LocalRelay process on a port of its own (held closed until it
    runs); every one is killed at the end."""
    made: list[LocalRelayProcess] = []

    async def start(auth: bool = False, run: bool = True) -> LocalRelayProcess:
        proc = LocalRelayProcess(auth)
        made.append(proc)
        if run:
            await proc.start()
        return proc

    yield start
    for proc in made:
        await proc.close()


class HostileProcess:
    """hostile_process.py running as a child; `sent` counts the floods it finished sending."""

    def __init__(self, proc: asyncio.subprocess.Process, url: str) -> None:
        self.proc = proc
        self.url = url

    async def wait_sent(self, timeout: float) -> int:
        """Wait for the next `sent N` line; returns N."""
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        assert line.startswith(b"sent "), line
        return int(line.split()[1])


@pytest.fixture
async def hostile_procs() -> AsyncIterator[Callable[..., Awaitable[HostileProcess]]]:
    """`await start(mode, *args)`: hostile_process.py in a child process; killed at the end."""
    made: list[HostileProcess] = []

    async def start(*args: str) -> HostileProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "hostile_process.py"), *args, stdout=asyncio.subprocess.PIPE
        )
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        assert url.startswith("ws://127.0.0.1:"), url
        made.append(HostileProcess(proc, url))
        return made[-1]

    yield start
    for h in made:
        h.proc.kill()
        await h.proc.wait()


@pytest.fixture(scope="session")
def flood_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100,000 distinct signed notes by FLOOD_AUTHOR (one JSON a line), dated in the last days."""
    path = tmp_path_factory.mktemp("flood") / "flood.jsonl"
    base = int(time.time()) - 2 * FLOOD
    with path.open("w") as out:
        for i in range(FLOOD):
            out.write(sign_event(FLOOD_AUTHOR, 1, f"flood note {i}", [], base + i).to_json() + "\n")
    return path


# ------------------------------------------------------------------ a websocket opener that records and gates


class Recorder:
    """The client's websocket opener (its injectable seam) wrapped: records every frame sent (and, with
    `record_received`, received), holds connection attempts while `gate` is clear, and awaits
    `before_send(url, frame)` before a frame goes out (e.g. to kill the relay in the middle of an AUTH)."""

    def __init__(self, record_received: bool = True) -> None:
        self.sent: list[tuple[str, list[Any]]] = []
        self.received: list[tuple[str, list[Any]]] = []
        self.record_received = record_received
        self.gate = asyncio.Event()
        self.gate.set()
        self.attempts = 0
        self.before_send: Callable[[str, list[Any]], Awaitable[None]] | None = None

    async def connect(self, url: str, **kwargs: Any) -> Any:
        """Open a websocket once the gate is open."""
        self.attempts += 1
        await self.gate.wait()
        ws = await default_connect(url, **kwargs)
        return _RecordingSocket(ws, url, self)

    def reqs(self, url: str | None = None, since: int = 0) -> list[list[Any]]:
        """REQ frames sent (to `url`), from the `since`-th frame sent on."""
        return [f for u, f in self.sent[since:] if f[0] == "REQ" and (url is None or u == url)]


class _RecordingSocket:
    def __init__(self, ws: Any, url: str, recorder: Recorder) -> None:
        self._ws = ws
        self._url = url
        self._recorder = recorder

    async def send(self, text: str) -> None:
        frame = json.loads(text)
        self._recorder.sent.append((self._url, frame))
        if self._recorder.before_send is not None:
            await self._recorder.before_send(self._url, frame)
        await self._ws.send(text)

    def _record(self, message: str | bytes) -> None:
        if self._recorder.record_received and isinstance(message, str):
            try:
                self._recorder.received.append((self._url, json.loads(message)))
            except ValueError:
                pass

    def deliver(self, callback: Callable[[str | bytes, int], None], known: Any = None) -> None:
        def recorded(message: str | bytes, size: int) -> None:
            self._record(message)
            callback(message, size)

        # Recording what arrives: every frame is decoded, copies of known events too.
        self._ws.deliver(recorded, None if self._recorder.record_received else known)

    def __getattr__(self, name: str) -> Any:  # the rest of the connection (pings, pausing, closing) as it is
        return getattr(self._ws, name)

    async def close(self) -> None:
        await self._ws.close()


# ------------------------------------------------------------------ clients


def config_for(
    data_dir: Path, relays: Sequence[RelayConfig | str], network: NetworkConfig = FAST_NETWORK
) -> Config:
    """A config naming these relays, fast timeouts, a cheap key work factor."""
    rcs = tuple(r if isinstance(r, RelayConfig) else RelayConfig(r) for r in relays)
    return Config(relays=rcs, network=network, keys=KeysConfig(log_n=TEST_LOG_N), data_dir=data_dir)


def make_client(
    config: Config, secret: SecretKey, connect: Any = default_connect, *, interactive: bool = False
) -> Client:
    """A (not yet started) client whose key store, in the config's data dir, holds `secret`; `interactive` as
    the TUI makes its own (for a test that hands the client to the app)."""
    assert config.data_dir is not None
    config.data_dir.mkdir(parents=True, exist_ok=True)
    keystore_with(config.data_dir, secret)
    return Client(config, connect=connect, passphrase=fixed(PASSPHRASE), environ={}, interactive=interactive)


async def unsent(client: Client) -> list[OutboxItem]:
    """Outbox entries some relay has still to take."""
    return [item for item in await client.publisher.outbox() if item.pending]


async def sent(sending: Sending) -> tuple[Event, list[RelayResult]]:
    """The event and every relay's answer, once all answered."""
    return sending.event, await sending.results()


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    """Append clients here; each is closed at the end."""
    made: list[Client] = []
    yield made
    for client in made:
        await asyncio.wait_for(client.close(), 15)


async def seed_store(config: Config, secret: SecretKey, events: Sequence[Event]) -> None:
    """Put events in the client's store as an earlier session would have left them."""
    client = make_client(config, secret)
    await client.start(network=False)
    await client.ingest.add_own(events)
    await client.close()


class Notifications:
    """Collects a client's notifications (a front end's view): every FeedNew item and outbox count."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.feed_ids: list[str] = []
        self.unsent: int | None = None
        self._task = asyncio.get_running_loop().create_task(self._pump())

    async def _pump(self) -> None:
        while True:
            event: ClientEvent = await self.client.notifications.get()
            if isinstance(event, FeedNew):
                self.feed_ids.extend(i.event.id for i in event.items)
            elif isinstance(event, OutboxChanged):
                self.unsent = event.unsent

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


# ------------------------------------------------------------------ memory


def rss_kib() -> int:
    """Resident memory of this process."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class PeakSampler:
    """Samples resident memory (and what callers add) every few milliseconds on the event loop."""

    def __init__(self, probes: dict[str, Callable[[], int]] | None = None, every: float = 0.02) -> None:
        self.start_rss = rss_kib()
        self.peak_rss = self.start_rss
        self.probes = probes or {}
        self.peaks = dict.fromkeys(self.probes, 0)
        self._every = every
        self._task = asyncio.get_running_loop().create_task(self._run())

    def sample(self) -> None:
        self.peak_rss = max(self.peak_rss, rss_kib())
        for name, probe in self.probes.items():
            self.peaks[name] = max(self.peaks[name], probe())

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self._every)

    @property
    def growth_mib(self) -> float:
        return (self.peak_rss - self.start_rss) / 1024

    async def stop(self) -> None:
        self.sample()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
