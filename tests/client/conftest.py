"""Shared parts of the client tests: real LocalRelays on 127.0.0.1, a real store and key store in tmp_path."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

from nostr_tui.client import Client, ClientEvent, OutboxItem, RelayResult, Sending
from nostr_tui.client.profiles import Nip05Checker
from nostr_tui.config import Config, KeysConfig, NetworkConfig, RelayConfig
from nostr_tui.demo.relay import publish_events
from nostr_tui.keystore.passphrase import fixed
from nostr_tui.keystore.store import KeyStore
from nostr_tui.protocol.event import Event
from nostr_tui.protocol.keys import SecretKey

nostr_sdk = pytest.importorskip("nostr_sdk")

PASSPHRASE = "correct horse battery staple"
E = TypeVar("E")

FAST_NETWORK = NetworkConfig(
    connect_timeout=2.0,
    eose_timeout=3.0,
    publish_timeout=3.0,
    backoff_initial=0.05,
    backoff_max=0.3,
    healthy_after=30.0,
    nip11_timeout=1.0,
)


def free_port() -> int:
    """A port nothing listens on (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Relays:
    """Starts LocalRelays for one test and shuts every one down at the end."""

    def __init__(self) -> None:
        self._running: dict[str, Any] = {}

    async def start(self, events: Sequence[Event] = (), port: int | None = None) -> str:
        """A fresh in-memory relay (on `port` when given) holding `events`; returns its URL."""
        builder = (
            nostr_sdk.LocalRelayBuilder()
            .addr("127.0.0.1")
            .rate_limit(nostr_sdk.RateLimit(max_reqs=1000, notes_per_minute=100_000))
        )
        if port is not None:
            builder = builder.port(port)
        relay = builder.build()
        await relay.run()
        url = str(await relay.url())
        self._running[url] = relay
        if events:
            await publish_events(url, list(events), timeout=10)
        return url

    async def add(self, url: str, events: Sequence[Event]) -> None:
        """Publish more events to a running relay."""
        await publish_events(url, list(events), timeout=10)

    def stop(self, url: str) -> None:
        """Shut one relay down (its port is released)."""
        self._running.pop(url).shutdown()

    def stop_all(self) -> None:
        """Shut every relay down."""
        for relay in self._running.values():
            relay.shutdown()
        self._running.clear()


@pytest.fixture
async def relays() -> AsyncIterator[Relays]:
    """LocalRelays for this test."""
    r = Relays()
    try:
        yield r
    finally:
        r.stop_all()
        await asyncio.sleep(0.05)


@pytest.fixture
def down_url() -> str:
    """A relay URL on a closed port."""
    return f"ws://127.0.0.1:{free_port()}"


def make_config(tmp_path: Path, read: Sequence[str], write: Sequence[str] | None = None) -> Config:
    """A config naming these relays (read and write unless `write` says otherwise), fast timeouts."""
    write_set = set(read if write is None else write)
    urls = list(dict.fromkeys([*read, *write_set]))
    return Config(
        relays=tuple(RelayConfig(u, read=u in read, write=u in write_set) for u in urls),
        network=FAST_NETWORK,
        keys=KeysConfig(log_n=4),
        data_dir=tmp_path,
    )


def keystore_with(tmp_path: Path, secret: SecretKey | None = None, *, read_only: bool = False) -> KeyStore:
    """A key store in tmp_path (cheap NIP-49 work factor) whose active account has `secret`."""
    from nostr_tui.protocol import nip19

    ks = KeyStore(tmp_path / "keys", log_n=4)
    if ks.active() is not None:
        return ks
    key = secret or SecretKey.generate()
    text = nip19.npub_encode(key.public_key) if read_only else key.hex()
    ks.import_key(text, "me", fixed(PASSPHRASE))
    ks.use("me")
    return ks


@pytest.fixture
async def client_factory(tmp_path: Path) -> AsyncIterator[Any]:
    """`await make(read, write=None, secret=None, read_only=False)`: a started Client; closed afterwards."""
    made: list[Client] = []

    async def make(
        read: Sequence[str], write: Sequence[str] | None = None, secret: SecretKey | None = None,
        read_only: bool = False, data_dir: Path | None = None, nip05: Nip05Checker | None = None,
    ) -> Client:
        base = data_dir or tmp_path / f"client{len(made)}"
        base.mkdir(parents=True, exist_ok=True)
        keystore_with(base, secret, read_only=read_only)
        client = Client(make_config(base, read, write), passphrase=fixed(PASSPHRASE), nip05=nip05, environ={})
        await client.start()
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            await client.close()


async def wait_for_event(
    client: Client, kind: type[E], pred: Callable[[E], bool] = lambda e: True, timeout: float = 8.0
) -> E:
    """The next client notification of this type passing `pred` (others are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            item: ClientEvent = await client.notifications.get()
            if isinstance(item, kind) and pred(item):
                return item


async def done(sending: Sending) -> tuple[Event, list[RelayResult]]:
    """The event and every relay's answer, once all answered."""
    return sending.event, await sending.results()


async def unsent(client: Client) -> list[OutboxItem]:
    """Outbox entries some relay has still to take (rejections are final, not unsent)."""
    return [item for item in await client.publisher.outbox() if item.pending]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 8.0, step: float = 0.05) -> None:
    """Poll `check` until it is true (bounded)."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(step)


async def query_relay(url: str, flt: dict[str, Any], timeout: float = 5.0) -> list[dict[str, Any]]:
    """What a relay holds for one filter, as raw event objects, asked over a websocket of our own."""
    import json

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


@contextmanager
def serve_nostr_json(names: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """A NIP-05 server on 127.0.0.1 listing `names` (name -> pubkey): yields its host:port and the paths asked."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = json.dumps({"names": names}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
