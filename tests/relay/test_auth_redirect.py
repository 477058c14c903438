"""NIP-42 logins never reach a server the user did not allow, even when the relay's URL redirects there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection

from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay import AuthRequired, PublishStatus

from .conftest import note
from .hostile import Hostile, send_json


class LoginCollector:
    """A relay that demands NIP-42 login for everything and counts the signed logins (kind 22242) it gets."""

    def __init__(self) -> None:
        self.logins: list[dict[str, Any]] = []
        self.hostile = Hostile(self.script)

    async def script(self, h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "AUTH" and isinstance(frame[1], dict):
            if frame[1].get("kind") == 22242:
                self.logins.append(frame[1])
            await send_json(ws, ["OK", frame[1].get("id", ""), True, ""])
        elif frame[0] == "REQ":
            await send_json(ws, ["AUTH", "challenge-from-the-collector"])
            if self.logins:
                await send_json(ws, ["EOSE", frame[1]])
            else:
                await send_json(ws, ["CLOSED", frame[1], "auth-required: log in first"])
        elif frame[0] == "EVENT":
            await send_json(ws, ["AUTH", "challenge-from-the-collector"])
            accepted = bool(self.logins)
            await send_json(ws, ["OK", frame[1]["id"], accepted, "" if accepted else "auth-required: log in first"])

    def frames(self, kind: str) -> int:
        return sum(1 for f in self.hostile.received if f[0] == kind)


async def redirector(target: str) -> tuple[asyncio.Server, str]:
    """An HTTP server on a free port of 127.0.0.1 that answers every request with 302 to `target`."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"


@pytest.fixture
async def collector() -> AsyncIterator[LoginCollector]:
    c = LoginCollector()
    async with c.hostile:
        yield c


def signer(secret: SecretKey, calls: list[str]) -> Callable[[str, str], Event]:
    def sign(url: str, challenge: str) -> Event:
        calls.append(url)
        return sign_event(secret, 22242, "", [["relay", url], ["challenge", challenge]])

    return sign


async def test_a_redirected_relay_gets_no_login(
    collector: LoginCollector, make_pool: Callable[..., Any], secret: SecretKey
) -> None:
    server, url = await redirector(collector.hostile.url + "/")
    try:
        calls: list[str] = []
        pool, notes = make_pool(auth_signer=signer(secret, calls), auth_allowed=lambda u: u == url)
        pool.add_relay(url)
        sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
        assert [item async for item in sub] == []
        assert sub.unreachable == [url]
        result = (await pool.publish(note(secret, "for the allowed relay only")))[0]
        assert result.status is PublishStatus.REJECTED
        assert "redirected to " + collector.hostile.url in result.message
        assert collector.frames("REQ") == 1 and collector.frames("EVENT") == 1  # the redirect was followed
        assert collector.logins == [] and calls == []  # ... and nothing was signed for where it led
        required = [n for n in notes.pending() if isinstance(n, AuthRequired)]
        assert len(required) == 2 and all("redirected" in n.reason for n in required)
        relay = pool.relay(url)
        assert relay is not None and relay.redirected_to == collector.hostile.url + "/"
    finally:
        server.close()
        await server.wait_closed()


async def test_the_same_relay_reached_directly_gets_one_login(
    collector: LoginCollector, make_pool: Callable[..., Any], secret: SecretKey
) -> None:
    url = collector.hostile.url
    calls: list[str] = []
    pool, _ = make_pool(auth_signer=signer(secret, calls), auth_allowed=lambda u: u == url)
    pool.add_relay(url)
    sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
    assert [item async for item in sub] == []
    assert sub.eose_relays == [url]  # logged in, asked again, answered
    assert (await pool.publish(note(secret, "logged in")))[0].status is PublishStatus.ACCEPTED
    assert len(collector.logins) == 1 and calls == [url]
    relay = pool.relay(url)
    assert relay is not None and relay.redirected_to is None
