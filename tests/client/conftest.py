"""Shared parts of the client tests: real LocalRelays on 127.0.0.1, a real store and key store in tmp_path."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.support.keys import PASSPHRASE, TEST_LOG_N, keystore_with
from tests.support.network import FAST_NETWORK
from tests.support.relays import LocalRelays as Relays
from tests.support.relays import query_relay
from tests.support.waiting import eventually, wait_for_event

from nostr_tui.client import Client, ListUpdate, OutboxItem, RelayResult, Sending
from nostr_tui.client.profiles import Nip05Checker
from nostr_tui.config import Config, KeysConfig, RelayConfig
from nostr_tui.keystore.passphrase import fixed
from nostr_tui.protocol.event import Event
from nostr_tui.protocol.keys import SecretKey

nostr_sdk = pytest.importorskip("nostr_sdk")

__all__ = [  # the shared helpers the client tests import from here
    "FAST_NETWORK", "PASSPHRASE", "Relays", "eventually", "keystore_with", "query_relay", "wait_for_event",
]


@pytest.fixture
async def relays() -> AsyncIterator[Relays]:
    """LocalRelays for this test."""
    r = Relays()
    try:
        yield r
    finally:
        await r.stop_all()


def make_config(tmp_path: Path, read: Sequence[str], write: Sequence[str] | None = None) -> Config:
    """A config naming these relays (read and write unless `write` says otherwise), fast timeouts."""
    write_set = set(read if write is None else write)
    urls = list(dict.fromkeys([*read, *write_set]))
    return Config(
        relays=tuple(RelayConfig(u, read=u in read, write=u in write_set) for u in urls),
        network=FAST_NETWORK,
        keys=KeysConfig(log_n=TEST_LOG_N),
        data_dir=tmp_path,
    )


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


async def done(sending: Sending | ListUpdate) -> tuple[Event, list[RelayResult]]:
    """The event and every relay's answer, once all answered."""
    if isinstance(sending, ListUpdate):
        assert sending.sending is not None, sending.message
        sending = sending.sending
    return sending.event, await sending.results()


async def unsent(client: Client) -> list[OutboxItem]:
    """Outbox entries some relay has still to take (rejections are final, not unsent)."""
    return [item for item in await client.publisher.outbox() if item.pending]


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
