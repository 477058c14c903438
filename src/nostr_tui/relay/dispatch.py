"""Frames one relay sends: counted, EVENTs handed to the pool (duplicates by their peeked ids), the rest acted on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..protocol.event import Event
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
from .receipts import Receipts

if TYPE_CHECKING:
    from .connection import Relay

NOT_OPEN = "event for a subscription not open"


class RelaySink(Protocol):
    """What a Relay reports to (the pool)."""

    def event_frame(self, relay: Relay, sub_id: str, event_id: str, raw: dict[str, Any]) -> Event | None:
        """An EVENT frame for `sub_id`; returns the event when it is valid (new or a duplicate)."""

    def seen_event(self, relay: Relay, sub_id: str, event_id: str) -> Event | None:
        """The event when `event_id` was already delivered to `sub_id` (a duplicate, now recorded), else None."""

    def eose(self, relay: Relay, sub_id: str) -> None:
        """The relay sent EOSE for `sub_id`."""

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
        self._subs = subs
        self._sink = sink
        self._receipts = receipts
        self._auth = auth
        self._send = send
        self._spawn = spawn

    # ------------------------------------------------------------ incoming frames

    def handle(self, message: str | bytes) -> None:
        """One frame from the relay."""
        stats = self._relay.stats
        stats.frames += 1
        if isinstance(message, bytes):
            stats.bytes_received += len(message)
            stats.invalid["binary frame"] += 1
            return
        stats.bytes_received += len(message) if message.isascii() else len(message.encode())
        if message.startswith('["EVENT"'):
            # Fast path: a frame whose id this subscription already has is dropped before any parsing.
            peek = peek_event_ids(message)
            if peek is not None:
                sub = self._subs.get(peek[0])
                if sub is not None and sub.closed is None:
                    event = self._sink.seen_event(self._relay, peek[0], peek[1])
                    if event is not None:
                        _note_newest(sub, event)
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

    def _event(self, sub_id: str, event_id: str, raw: dict[str, Any]) -> None:
        sub = self._subs.get(sub_id)
        if sub is None or sub.closed is not None:
            self._relay.stats.invalid[NOT_OPEN] += 1
            return
        event = self._sink.event_frame(self._relay, sub_id, event_id, raw)
        if event is not None:
            _note_newest(sub, event)

    def _on_eose(self, sub_id: str) -> None:
        sub = self._subs.get(sub_id)
        if sub is None:
            self._relay.stats.invalid["EOSE for a subscription not open"] += 1
        elif sub.eose:
            self._relay.stats.invalid["repeated EOSE"] += 1
        else:
            sub.eose = True
            self._sink.eose(self._relay, sub_id)

    def _on_closed(self, msg: ClosedMessage) -> None:
        sub = self._subs.get(msg.sub_id)
        if sub is None or sub.closed is not None:
            self._relay.stats.invalid["CLOSED for a subscription not open"] += 1
            return
        if msg.prefix == "auth-required":
            if self._auth.can_auth() and not sub.auth_retried:
                sub.auth_retried = True
                self._spawn(self._auth_then_resubscribe(msg.sub_id, msg.message))
                return
            self._auth.refuse(msg.message)
        self.close_sub(msg.sub_id, msg.message)

    def close_sub(self, sub_id: str, reason: str) -> None:
        """The relay ended `sub_id`: refuse its later events and report it."""
        sub = self._subs.get(sub_id)
        if sub is None:
            return
        sub.closed = reason
        self._sink.relay_notification(self._relay, SubscriptionClosed(self._relay.url, sub_id, reason[:1000]))

    async def _auth_then_resubscribe(self, sub_id: str, reason: str) -> None:
        outcome = await self._auth.authenticate_once()
        if outcome:
            sub = self._subs.get(sub_id)
            if sub is not None:
                self._send(encode_req(sub_id, sub.resume_filters()))
        elif outcome is False:  # refused; without an answer the REQ goes out again on the next connection
            self.close_sub(sub_id, reason)


def _note_newest(sub: SubState, event: Event) -> None:
    if sub.newest is None or event.created_at > sub.newest:
        sub.newest = event.created_at
