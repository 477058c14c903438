"""NIP-42: a LocalRelay that demands login, with and without the user's permission to answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from nostr_tui.protocol.event import Event, sign_event
from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay import AuthRequired, AuthResult, PublishStatus

from .conftest import note

StartRelay = Callable[..., Awaitable[str]]


def signer_for(secret: SecretKey, calls: list[tuple[str, str]]) -> Callable[[str, str], Event]:
    def sign(url: str, challenge: str) -> Event:
        calls.append((url, challenge))
        return sign_event(secret, 22242, "", [["relay", url], ["challenge", challenge]])

    return sign


async def test_allowed_relay_gets_a_signed_login_then_one_retry(
    local_relay: StartRelay, make_pool: Callable[..., Any], secret: SecretKey
) -> None:
    url = await local_relay(auth=True)
    calls: list[tuple[str, str]] = []
    pool, notes = make_pool(auth_signer=signer_for(secret, calls), auth_allowed=lambda u: u == url)
    pool.add_relay(url)
    event = note(secret, "members only")
    result = (await pool.publish(event))[0]
    assert result.status is PublishStatus.ACCEPTED, result
    sub = pool.subscribe(Filter.make(authors=[secret.public_key]), close_on_eose=True)
    got = [item async for item in sub]
    assert [r.event for r in got] == [event]
    assert len(calls) == 1 and calls[0][0] == url  # one login per connection serves both
    assert AuthResult(url, True, "") in notes.pending()


async def test_async_signer_is_awaited(
    local_relay: StartRelay, make_pool: Callable[..., Any], secret: SecretKey
) -> None:
    url = await local_relay(auth=True)

    async def sign(relay_url: str, challenge: str) -> Event:
        await asyncio.sleep(0)
        return sign_event(secret, 22242, "", [["relay", relay_url], ["challenge", challenge]])

    pool, _ = make_pool(auth_signer=sign, auth_allowed=lambda u: True)
    pool.add_relay(url)
    assert (await pool.publish(note(secret, "x")))[0].status is PublishStatus.ACCEPTED


async def test_relay_not_allowed_reports_login_required(
    local_relay: StartRelay, make_pool: Callable[..., Any], secret: SecretKey
) -> None:
    url = await local_relay(auth=True)
    calls: list[tuple[str, str]] = []
    pool, notes = make_pool(auth_signer=signer_for(secret, calls), auth_allowed=lambda u: False)
    pool.add_relay(url)
    result = (await pool.publish(note(secret, "x")))[0]
    assert result.status is PublishStatus.REJECTED
    assert result.message.startswith("relay requires login")
    sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
    assert [item async for item in sub] == []
    assert sub.unreachable == [url]
    assert calls == []  # never signed anything for a relay the user did not allow
    required = [n for n in notes.pending() if isinstance(n, AuthRequired)]
    assert len(required) == 2 and all(n.reason.startswith("relay requires login") for n in required)


async def test_signer_without_key_is_reported(
    local_relay: StartRelay, make_pool: Callable[..., Any], secret: SecretKey
) -> None:
    url = await local_relay(auth=True)
    pool, notes = make_pool(auth_signer=lambda u, c: None, auth_allowed=lambda u: True)
    pool.add_relay(url)
    result = (await pool.publish(note(secret, "x")))[0]
    assert result.status is PublishStatus.REJECTED
    assert any(isinstance(n, AuthRequired) and "no key" in n.reason for n in notes.pending())


async def test_login_refused_by_the_relay(
    local_relay: StartRelay, make_pool: Callable[..., Any], secret: SecretKey
) -> None:
    url = await local_relay(auth=True)

    def wrong_challenge(relay_url: str, challenge: str) -> Event:
        return sign_event(secret, 22242, "", [["relay", relay_url], ["challenge", "not-it"]])

    pool, notes = make_pool(auth_signer=wrong_challenge, auth_allowed=lambda u: True)
    pool.add_relay(url)
    result = (await pool.publish(note(secret, "x")))[0]
    assert result.status is PublishStatus.REJECTED
    failed = [n for n in notes.pending() if isinstance(n, AuthResult)]
    assert len(failed) == 1 and not failed[0].accepted and failed[0].message
