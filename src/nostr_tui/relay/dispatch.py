"""Frames one relay sends: counted, EVENTs handed to the pool by their peeked ids, the rest acted on.

EVENT frames go to the sink (the pool) with the subscription and event ids read from the raw text, before
any JSON decoding; what the pool cannot settle at once comes back as a `Ticket` in the connection's
`FrameOrder`, and its check joins the connection's batch for the verifier. EOSE and CLOSED take effect
in order, after the EVENTs that preceded them; OK, NOTICE and AUTH at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from ..protocol.filters import Filter
from ..protocol.messages import (
    AuthMessage,
    ClosedMessage,
    CountMessage,
    EoseMessage,
    MessageError,
    NoticeMessage,
    OkMessage,
    decode_frame,
    encode_req,
    event_frame_id,
    load_frame,
    peek_event_ids,
)
from .auth import Auth
from .notifications import Notice, Notification, SubscriptionClosed
from .order import FrameOrder, Ticket
from .receipts import CHALLENGE_WAIT, Receipts
from .verify import Batcher, VerifyJob

if TYPE_CHECKING:
    from .connection import Relay

NOT_OPEN = "event for a subscription not open"
MAX_WAITING = 4096
"""Frames of one connection waiting for an earlier frame's check at most; its reader pauses beyond that."""


class RelaySink(Protocol):
    """What a Relay reports to (the pool)."""

    def event_frame(self, relay: Relay, sub_id: str, event_id: str, raw: str | dict[str, Any]) -> Ticket | None:
        """An EVENT frame for `sub_id` whose id reads `event_id`: None when settled at once (a duplicate, or
        dropped), else the ticket that settles once the event was checked (its `job` is the check to run)."""

    def known_copy(self, relay: Relay, sub_id: str, event_id: str, data: bytes, start: int, stop: int) -> bool:
        """An EVENT frame not yet decoded, `data[start:stop]`: True, once taken, when it is a copy that
        `event_frame` would settle at once (of an event delivered to `sub_id`, or of a frame being checked).
        False for anything else (the frame is then decoded and goes to `event_frame`)."""

    def verify(self, jobs: list[VerifyJob]) -> asyncio.Future[Any]:
        """Check a batch of frames off the event loop; each job's `done` gets its outcome."""

    def eose(self, relay: Relay, sub_id: str) -> None:
        """The relay sent EOSE for `sub_id` (after every event before it was applied)."""

    def relay_notification(self, relay: Relay, note: Notification) -> None:
        """A state change, NOTICE, CLOSED or AUTH outcome of this relay."""

    def congested(self) -> bool:
        """True when a reader is behind: the relay should `await drain()` before the next frame."""

    async def drain(self) -> None:
        """Wait (bounded) until readers have room again."""


@dataclass
class SubState:
    """One subscription as this relay sees it: its filters, resume point, EOSE and CLOSED."""

    filters: tuple[Filter, ...]
    newest: int | None = None
    eose: bool = False
    closed: str | None = None
    auth_retried: bool = False

    def resume_filters(self) -> tuple[Filter, ...]:
        """The filters to send again after a reconnect: `since` the newest event seen, no limit."""
        if self.newest is None:
            return self.filters
        out = []
        for f in self.filters:
            since = self.newest if f.since is None else max(f.since, self.newest)
            out.append(f.with_since(since).with_limit(None))
        return tuple(out)


class Dispatch:
    """Handles the frames of `relay`'s current connection.

    `subs` is the relay's table of subscriptions (shared with it), `send(text)` queues a frame on the
    connection, `spawn(coro)` runs a task that ends with the connection.
    """

    def __init__(
        self,
        relay: Relay,
        subs: dict[str, SubState],
        sink: RelaySink,
        receipts: Receipts,
        auth: Auth,
        send: Callable[[str], bool],
        spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]],
    ) -> None:
        self._relay = relay
        self._stats = relay.stats
        self._subs = subs
        self._sink = sink
        self._receipts = receipts
        self._auth = auth
        self._send = send
        self._spawn = spawn
        self._order = FrameOrder()
        self._batcher: Batcher | None = None

    def connected(self) -> None:
        """A new connection: frames of the old one still being checked are applied, but no EOSE or CLOSED."""
        self._order.closed = True
        self._order = FrameOrder()
        self._batcher = Batcher(self._sink.verify)

    async def disconnected(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until every frame received on the closed connection was applied."""
        done = await self._order.wait_empty(timeout)
        self._order.closed = True
        return done

    @property
    def busy(self) -> bool:
        """True when the reader should wait (`wait_room`) before the next frame: too many being checked."""
        batcher = self._batcher
        return len(self._order) >= MAX_WAITING or (batcher is not None and batcher.busy)

    async def wait_room(self) -> None:
        """Wait until the connection's frames being checked are within bounds again."""
        if self._batcher is not None:
            await self._batcher.wait_room()
        await self._order.wait_shorter(MAX_WAITING)

    def then(self, action: Callable[[], None]) -> None:
        """Run `action` once every frame received so far on this connection was applied (not after it closed)."""
        order = self._order
        order.then(lambda: None if order.closed else action())

    # ------------------------------------------------------------ incoming frames

    def known_copy(self, data: bytes, start: int, stop: int) -> bool:
        """A text frame not yet decoded (`data[start:stop]`): True, counted as `handle` counts it, when it is
        an EVENT of an open subscription that the sink takes as a copy of what it has (from this relay, of what
        another sent). False for anything else, which is then decoded and given to `handle`."""
        peek = peek_event_ids(data, start, stop)
        if peek is None:
            return False
        sub_id, event_id = peek
        sub = self._subs.get(sub_id)
        if sub is None or sub.closed is not None:
            return False
        if not self._sink.known_copy(self._relay, sub_id, event_id, data, start, stop):
            return False
        stats = self._stats
        stats.frames += 1
        stats.bytes_received += stop - start
        return True

    def handle(self, message: str | bytes, size: int = -1) -> None:
        """One frame from the relay (`size`: its length in bytes, when the connection knows it)."""
        stats = self._stats
        stats.frames += 1
        if isinstance(message, bytes):
            stats.bytes_received += len(message)
            stats.invalid["binary frame"] += 1
            return
        if size < 0:
            size = len(message) if message.isascii() else len(message.encode())
        stats.bytes_received += size
        if message.startswith('["EVENT"'):
            peek = peek_event_ids(message)
            if peek is not None:
                self._event(peek[0], peek[1], message)
                return
        try:
            frame = load_frame(message)
            if frame[0] == "EVENT":
                sub_id, event_id = event_frame_id(frame)
                self._event(sub_id, event_id, frame[2])
                return
            msg = decode_frame(frame)
        except MessageError as exc:
            stats.invalid[exc.reason] += 1
            return
        if isinstance(msg, OkMessage):
            self._receipts.on_ok(msg)
        elif isinstance(msg, EoseMessage):
            self._on_eose(msg.sub_id)
        elif isinstance(msg, ClosedMessage):
            self._on_closed(msg)
        elif isinstance(msg, NoticeMessage):
            stats.notices += 1
            self._sink.relay_notification(self._relay, Notice(self._relay.url, msg.message[:1000]))
        elif isinstance(msg, AuthMessage):
            self._auth.challenge(msg.challenge)
        elif isinstance(msg, CountMessage):
            stats.invalid["COUNT for a query not sent"] += 1

    def _event(self, sub_id: str, event_id: str, raw: str | dict[str, Any]) -> None:
        sub = self._subs.get(sub_id)
        if sub is None or sub.closed is not None:
            self._relay.stats.invalid[NOT_OPEN] += 1
            return
        ticket = self._sink.event_frame(self._relay, sub_id, event_id, raw)
        if ticket is not None:
            self._order.add(ticket)
            job = ticket.job
            if job is not None:
                # Taken off the ticket: the job's callback holds what holds the ticket, and such a cycle per
                # event is left to the garbage collector, whose full passes then pause the screen.
                ticket.job = None
                if self._batcher is not None:
                    self._batcher.add(job)

    def _on_eose(self, sub_id: str) -> None:
        sub = self._subs.get(sub_id)
        if sub is None:
            self._relay.stats.invalid["EOSE for a subscription not open"] += 1
        elif sub.eose:
            self._relay.stats.invalid["repeated EOSE"] += 1
        else:
            sub.eose = True
            self.then(partial(self._sink.eose, self._relay, sub_id))

    def _on_closed(self, msg: ClosedMessage) -> None:
        sub = self._subs.get(msg.sub_id)
        if sub is None or sub.closed is not None:
            self._relay.stats.invalid["CLOSED for a subscription not open"] += 1
            return
        if msg.prefix == "auth-required":
            if self._auth.may_log_in() and not sub.auth_retried:
                sub.auth_retried = True
                self._spawn(self._auth_then_resubscribe(msg.sub_id, msg.message))
                return
            sub.closed = msg.message
            self.then(partial(self._refused, msg.sub_id, msg.message))
            return
        self.close_sub(msg.sub_id, msg.message)

    def close_sub(self, sub_id: str, reason: str) -> None:
        """The relay ended `sub_id`: refuse its later events; report it after the events that came first."""
        sub = self._subs.get(sub_id)
        if sub is None:
            return
        sub.closed = reason
        self.then(partial(self._report_closed, sub_id, reason))

    def _refused(self, sub_id: str, reason: str) -> None:
        self._auth.refuse(reason)
        self._report_closed(sub_id, reason)

    def _report_closed(self, sub_id: str, reason: str) -> None:
        if sub_id in self._subs:
            note = SubscriptionClosed(self._relay.url, sub_id, reason[:1000])
            self._sink.relay_notification(self._relay, note)

    async def _auth_then_resubscribe(self, sub_id: str, reason: str) -> None:
        if not await self._auth.wait_challenge(CHALLENGE_WAIT):  # it may arrive just after the CLOSED
            sub = self._subs.get(sub_id)
            if sub is not None:
                sub.closed = reason
                self._refused(sub_id, reason)
            return
        outcome = await self._auth.authenticate_once()
        if outcome:
            sub = self._subs.get(sub_id)
            if sub is not None:
                self._send(encode_req(sub_id, sub.resume_filters()))
        elif outcome is False:  # refused; without an answer the REQ goes out again on the next connection
            self.close_sub(sub_id, reason)
