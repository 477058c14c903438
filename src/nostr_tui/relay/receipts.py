"""Publish receipts of one relay: the OK each sent EVENT (or AUTH) waits for, with a timeout."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..protocol.event import Event
from ..protocol.messages import OkMessage, encode_event
from .notifications import PublishStatus, RelayResult
from .stats import RelayStats

if TYPE_CHECKING:
    from .auth import Auth

_EVENT_ID = re.compile(r"[0-9a-f]{64}")


@dataclass
class _Pending:
    event_id: str
    sent_at: float
    future: asyncio.Future[OkMessage] = field(repr=False)


class Receipts:
    """Events sent on the current connection that wait for their OK, by id.

    `send(text)` queues a frame on the connection (False when not connected); `clock` is wall time,
    used for the round-trip time kept in `stats.last_ok_rtt`.
    """

    def __init__(self, url: str, send: Callable[[str], bool], clock: Callable[[], float], stats: RelayStats) -> None:
        self.url = url
        self._send = send
        self._clock = clock
        self._stats = stats
        self._pending: dict[str, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    async def send_and_wait(self, event_id: str, text: str, timeout: float) -> OkMessage:
        """Send a frame carrying event `event_id` and wait for its OK.

        Raises TimeoutError after `timeout` seconds, ConnectionError when not connected or when the
        connection is lost first. The same event sent twice at once shares one answer.
        """
        in_flight = self._pending.get(event_id)
        if in_flight is not None:
            return await _wait_ok(in_flight.future, timeout)
        future: asyncio.Future[OkMessage] = asyncio.get_running_loop().create_future()
        self._pending[event_id] = _Pending(event_id, self._clock(), future)
        if not self._send(text):
            self._pending.pop(event_id, None)
            raise ConnectionError("not connected")
        try:
            return await _wait_ok(future, timeout)
        finally:
            entry = self._pending.get(event_id)
            if entry is not None and entry.future is future:
                del self._pending[event_id]

    def on_ok(self, msg: OkMessage) -> None:
        """An OK arrived: it answers the event it names (or, with a garbled id, the only one in flight)."""
        pending = self._pending.get(msg.event_id)
        if pending is None:
            if len(self._pending) != 1 or _EVENT_ID.fullmatch(msg.event_id):
                # An OK naming an event never sent here is never taken as the answer for another one:
                # a false "accepted" would take a note out of the outbox that no relay holds.
                self._stats.invalid["OK for an event not sent"] += 1
                return
            # Some relays answer with an empty or garbled id; with one event in flight it can only be that one.
            pending = next(iter(self._pending.values()))
            self._stats.invalid["OK with a wrong event id"] += 1
        del self._pending[pending.event_id]
        self._stats.last_ok_rtt = max(0.0, self._clock() - pending.sent_at)
        if not pending.future.done():
            pending.future.set_result(msg)

    def fail_all(self, reason: str) -> None:
        """Every event still waiting gets ConnectionError(reason) (the connection is gone)."""
        pending, self._pending = self._pending, {}
        for p in pending.values():
            if not p.future.done():
                p.future.set_exception(ConnectionError(reason))

    async def publish(self, event: Event, wait: float, auth: Auth) -> RelayResult:
        """Send the event on the open connection and wait (at most `wait` seconds) for the relay's OK.

        An "auth-required" refusal is answered with one NIP-42 login when `auth` may, then the event is
        sent once more.
        """
        text = encode_event(event)
        try:
            ok = await self.send_and_wait(event.id, text, wait)
            if not ok.accepted and ok.prefix == "auth-required":
                if not await auth.wait_challenge(min(wait, CHALLENGE_WAIT)):
                    return RelayResult(self.url, PublishStatus.REJECTED, auth.refuse(ok.message))
                outcome = await auth.authenticate_once()
                if outcome is None:  # not a refusal: the outbox sends it again on the next connection
                    return RelayResult(self.url, PublishStatus.UNREACHABLE, "no answer to the login (AUTH)")
                if not outcome:
                    return RelayResult(self.url, PublishStatus.REJECTED, auth.login_reason(ok.message))
                ok = await self.send_and_wait(event.id, text, wait)
        except TimeoutError:
            return RelayResult(self.url, PublishStatus.TIMEOUT, f"no answer within {wait:g} s")
        except ConnectionError as exc:
            return RelayResult(self.url, PublishStatus.UNREACHABLE, str(exc))
        if ok.accepted or ok.prefix == "duplicate":
            return RelayResult(self.url, PublishStatus.ACCEPTED, ok.message[:1000])
        return RelayResult(self.url, PublishStatus.REJECTED, ok.message[:1000])


CHALLENGE_WAIT = 2.0
"""Seconds an "auth-required" answer waits for the relay's AUTH challenge when it came first."""


async def _wait_ok(future: asyncio.Future[OkMessage], timeout: float) -> OkMessage:
    """The OK answer, without cancelling the future (another caller may share it)."""
    done, _ = await asyncio.wait({future}, timeout=timeout)
    if not done:
        raise TimeoutError
    return future.result()
