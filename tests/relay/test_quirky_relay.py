"""PyPI nostr-relay, a real but quirky relay: empty ids in OK, OK false for duplicates, NIP-11."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nostr_tui.protocol.event import Event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay import PublishStatus, RelayInfoError, RelayInfoFetched, fetch_relay_info, http_url

from .conftest import note


async def test_publish_read_back_and_duplicates(
    quirky_relay: str, make_pool: Callable[..., Any], secret: SecretKey
) -> None:
    pool, _ = make_pool()
    pool.add_relay(quirky_relay)
    event = note(secret, "hello quirky", int(time.time()))
    first = (await pool.publish(event))[0]
    assert first.status is PublishStatus.ACCEPTED, first
    again = (await pool.publish(event))[0]  # answered with OK false "duplicate: ..."
    assert again.status is PublishStatus.ACCEPTED, again
    sub = pool.subscribe(Filter.make(authors=[secret.public_key]), close_on_eose=True)
    got = [item async for item in sub]
    assert [r.event for r in got] == [event]


async def test_rejection_with_an_empty_id_is_attributed(
    quirky_relay: str, make_pool: Callable[..., Any], secret: SecretKey
) -> None:
    pool, _ = make_pool()
    pool.add_relay(quirky_relay)
    good = note(secret, "signed", int(time.time()))
    flipped = ("0" if good.sig[0] != "0" else "1") + good.sig[1:]
    forged = Event(good.id, good.pubkey, good.created_at, good.kind, good.tags, good.content, flipped)
    # It answers `["OK", "", false, "invalid: Bad signature"]`, after a throttling pause of 2 s.
    result = (await pool.publish(forged, timeout=5))[0]
    assert result.status is PublishStatus.REJECTED, result
    assert result.message == "invalid: Bad signature"
    assert pool.status()[0].stats.invalid["OK with a wrong event id"] == 1


async def test_nip11_document_is_read(quirky_relay: str, make_pool: Callable[..., Any]) -> None:
    info = await fetch_relay_info(quirky_relay, timeout=2)
    assert info.name == "quirky test relay"
    assert info.supports(11) and info.software
    pool, notes = make_pool(fetch_info=True)
    pool.add_relay(quirky_relay)
    fetched = None
    async for n in notes:
        if isinstance(n, RelayInfoFetched):
            fetched = n
            break
    assert fetched is not None and fetched.info == info and fetched.error == ""
    assert pool.status()[0].info == info


async def test_nip11_failures_are_reported_not_raised(
    local_relay: Any, make_pool: Callable[..., Any], down_url: str
) -> None:
    no_nip11 = await local_relay()
    with pytest.raises(RelayInfoError):
        await fetch_relay_info(no_nip11, timeout=1)
    closed_port = down_url
    with pytest.raises(RelayInfoError, match="cannot fetch"):
        await fetch_relay_info(closed_port, timeout=1)
    pool, notes = make_pool(fetch_info=True)
    pool.add_relay(closed_port)
    async for n in notes:
        if isinstance(n, RelayInfoFetched):
            assert n.info is None and "cannot fetch" in n.error
            break


async def test_nip11_sends_the_accept_header_and_parses_loosely() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"name": "r", "supported_nips": [1, "x", 42], "limitation": {"auth_required": True, "max_limit": 9}}
        return httpx.Response(200, json=body)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    info = await fetch_relay_info("wss://relay.example/path", client=client)
    await client.aclose()
    assert seen[0].url == "https://relay.example/path"
    assert seen[0].headers["accept"] == "application/nostr+json"
    assert info.supported_nips == (1, 42) and info.limitation.auth_required and info.limitation.max_limit == 9
    assert http_url("ws://a:1") == "http://a:1"
