"""One relay: a reconnecting websocket connection with subscriptions, publish receipts and NIP-42 AUTH."""

from __future__ import annotations

import asyncio
import inspect
import re
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from ..config import NetworkConfig
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
    encode_auth,
    encode_close,
    encode_event,
    encode_req,
    event_frame_id,
    load_frame,
    peek_event_ids,
)
from .backoff import Backoff
from .notifications import (
    AuthRequired,
    AuthResult,
    Notice,
    Notification,
    PublishStatus,
    RelayResult,
    RelayState,
    StateChanged,
    SubscriptionClosed,
)
from .stats import RelayStats

ConnectFn = Callable[..., Awaitable[Any]]
"""Opens a websocket: called as `connect(url, open_timeout=, ping_interval=, ping_timeout=, max_size=,
close_timeout=)` and returns a connection with `send(str)`, `close()` and async iteration over messages."""

AuthSigner = Callable[[str, str], "Event | Awaitable[Event | None] | None"]
"""Given (relay URL, challenge), a signed kind 22242 event (NIP-42), or None when no key is available."""

_FAIRNESS_EVERY = 64  # frames handled before yielding to other tasks during a flood
_EVENT_ID = re.compile(r"[0-9a-f]{64}")


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


def default_connect(url: str, **kwargs: Any) -> Awaitable[Any]:
    """Open a websocket with the `websockets` asyncio client."""
    kwargs.setdefault("max_queue", 64)  # fewer pauses of the socket when a relay streams quickly
    return ws_connect(url, **kwargs)


def describe_error(exc: BaseException) -> str:
    """A short, human-readable reason for a failed or lost connection."""
    if isinstance(exc, (InvalidURI, ValueError)):
        return "not a valid websocket URL"
    if isinstance(exc, InvalidStatus):
        return f"the server answered HTTP {exc.response.status_code} instead of a websocket"
    if isinstance(exc, InvalidHandshake):
        return "websocket handshake failed"
    if isinstance(exc, TimeoutError):
        return "connection timed out"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionClosed):
        if exc.sent is not None and exc.sent.code == 1009:
            return "the relay sent a frame larger than the maximum size"
        if exc.rcvd is not None:
            why = f": {exc.rcvd.reason}" if exc.rcvd.reason else ""
            return f"the relay closed the connection (code {exc.rcvd.code}{why})"[:200]
        return "connection lost"
    if isinstance(exc, OSError):
        return (exc.strerror or "network error").lower()
    return f"connection failed ({type(exc).__name__})"


@dataclass
class _Sub:
    filters: tuple[Filter, ...]
    newest: int | None = None
    eose: bool = False
    closed: str | None = None
    auth_retried: bool = False

    def resume_filters(self) -> tuple[Filter, ...]:
        if self.newest is None:
            return self.filters
        out = []
        for f in self.filters:
            since = self.newest if f.since is None else max(f.since, self.newest)
            out.append(f.with_since(since).with_limit(None))
        return tuple(out)


@dataclass
class _Pending:
    event_id: str
    sent_at: float
    future: asyncio.Future[OkMessage] = field(repr=False)


class Relay:
    """One relay URL: connects, reconnects with backoff, keeps subscriptions open, publishes with receipts.

    Every state change and relay message of note is reported to `sink` as a typed notification.
    `clock` (wall time in seconds) stamps retry times and round trips; `uniform` is the jitter randomness.
    """

    def __init__(
        self,
        url: str,
        sink: RelaySink,
        *,
        network: NetworkConfig | None = None,
        connect: ConnectFn = default_connect,
        clock: Callable[[], float] = time.time,
        uniform: Callable[[float, float], float] | None = None,
        auth_signer: AuthSigner | None = None,
        auth_allowed: bool = False,
        close_timeout: float = 1.0,
    ) -> None:
        self.url = url
        self.network = network or NetworkConfig()
        self.stats = RelayStats()
        self.state = RelayState.DISCONNECTED
        self.last_reason = ""
        self.next_retry_at: float | None = None
        self.auth_allowed = auth_allowed
        self._sink = sink
        self._connect = connect
        self._clock = clock
        self._signer = auth_signer
        self._close_timeout = close_timeout
        self._backoff = Backoff(self.network.backoff_initial, self.network.backoff_max, uniform=uniform)
        self._subs: dict[str, _Sub] = {}
        self._pending: dict[str, _Pending] = {}
        self._task: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[str] | None = None
        self._conn_tasks: set[asyncio.Task[Any]] = set()
        self._state_changed = asyncio.Event()
        self._wake = asyncio.Event()
        self._challenge: str | None = None
        self._auth_task: asyncio.Task[bool | None] | None = None
        self._closing = False

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Begin connecting (needs a running event loop)."""
        if self._task is None and not self._closing:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"relay {self.url}")

    async def close(self) -> None:
        """Close the connection for good and finish every task; pending publishes become unreachable."""
        if self._closing:
            if self._task is not None:
                await asyncio.gather(self._task, return_exceptions=True)
            return
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._fail_pending("relay closed")
        self._set_state(RelayState.CLOSED, "closed by the user")

    def reconnect_now(self) -> None:
        """Skip the rest of the current backoff wait."""
        self._wake.set()

    @property
    def connected(self) -> bool:
        """True while the websocket is open."""
        return self.state is RelayState.CONNECTED

    def eose_received(self, sub_id: str) -> bool:
        """Whether this relay sent EOSE for `sub_id` on the current connection."""
        sub = self._subs.get(sub_id)
        return sub is not None and sub.eose

    def newest_seen(self, sub_id: str) -> int | None:
        """The newest created_at received from this relay for `sub_id` (the next resume point)."""
        sub = self._subs.get(sub_id)
        return None if sub is None else sub.newest

    def _set_state(self, state: RelayState, reason: str = "", next_retry_at: float | None = None) -> None:
        self.state = state
        if reason:
            self.last_reason = reason
        self.next_retry_at = next_retry_at
        self._state_changed.set()
        self._state_changed = asyncio.Event()
        note = StateChanged(self.url, state, reason, next_retry_at, self._backoff.failures)
        self._sink.relay_notification(self, note)

    async def _run(self) -> None:
        while not self._closing:
            self._set_state(RelayState.CONNECTING)
            try:
                ws = await asyncio.wait_for(
                    self._connect(
                        self.url,
                        open_timeout=self.network.connect_timeout,
                        ping_interval=self.network.ping_interval,
                        ping_timeout=self.network.ping_interval,
                        max_size=self.network.max_frame_bytes,
                        close_timeout=self._close_timeout,
                    ),
                    self.network.connect_timeout + 1.0,
                )
            except asyncio.CancelledError:
                raise
            except (InvalidURI, ValueError) as exc:  # a malformed URL: retrying cannot help
                self._set_state(RelayState.FAILED, describe_error(exc))
                return
            except Exception as exc:
                await self._wait_retry(describe_error(exc))
                continue
            if self._closing:  # closed while connecting (Python 3.11's wait_for can lose that cancellation)
                try:
                    await asyncio.wait_for(ws.close(), self._close_timeout + 1.0)
                except Exception:  # already gone; nothing more to release
                    pass
                return
            started = self._clock()
            reason = await self._serve(ws)
            if self._clock() - started >= self.network.healthy_after:
                self._backoff.reset()
            await self._wait_retry(reason)

    async def _wait_retry(self, reason: str) -> None:
        delay = self._backoff.next_delay()
        self._wake.clear()
        self._set_state(RelayState.WAITING, reason, self._clock() + delay)
        try:
            await asyncio.wait_for(self._wake.wait(), delay)
        except TimeoutError:
            pass

    async def _serve(self, ws: Any) -> str:
        self.stats.connects += 1
        outbox: asyncio.Queue[str] = asyncio.Queue()
        self._outbox = outbox
        writer = asyncio.get_running_loop().create_task(self._write(ws, outbox), name=f"writer {self.url}")
        self._set_state(RelayState.CONNECTED)
        for sub_id, sub in self._subs.items():
            sub.eose = False
            sub.auth_retried = False
            if sub.closed is None:
                self._send(encode_req(sub_id, sub.resume_filters()))
        reason = "the relay closed the connection"
        try:
            handled = 0
            async for message in ws:
                self._handle(message)
                handled += 1
                if self._sink.congested():
                    await self._sink.drain()  # a slow reader slows the socket (bounded), not memory
                elif handled % _FAIRNESS_EVERY == 0:
                    await asyncio.sleep(0)
        except ConnectionClosed as exc:
            reason = describe_error(exc)
            if exc.sent is not None and exc.sent.code == 1009:
                self.stats.invalid["frame too large"] += 1
        except Exception as exc:  # a broken transport must not end the reconnect loop
            reason = describe_error(exc)
        finally:
            self._outbox = None
            self._challenge = None
            tasks = [writer, *self._conn_tasks]
            self._conn_tasks.clear()
            self._auth_task = None
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._fail_pending("connection lost before the relay answered")
            try:
                await asyncio.wait_for(ws.close(), self._close_timeout + 1.0)
            except Exception:  # already gone; nothing more to release
                pass
        return reason

    async def _write(self, ws: Any, outbox: asyncio.Queue[str]) -> None:
        try:
            while True:
                await ws.send(await outbox.get())
        except ConnectionClosed:
            return

    def _send(self, text: str) -> bool:
        if self._outbox is None:
            return False
        self._outbox.put_nowait(text)
        return True

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._conn_tasks.add(task)
        task.add_done_callback(self._conn_tasks.discard)

    def _fail_pending(self, reason: str) -> None:
        pending, self._pending = self._pending, {}
        for p in pending.values():
            if not p.future.done():
                p.future.set_exception(ConnectionError(reason))

    # ------------------------------------------------------------ subscriptions

    def subscribe(self, sub_id: str, filters: tuple[Filter, ...]) -> None:
        """Open (or replace) a subscription; it is re-sent after every reconnect."""
        self._subs[sub_id] = _Sub(filters)
        self._send(encode_req(sub_id, filters))

    def unsubscribe(self, sub_id: str) -> None:
        """Close a subscription (sends CLOSE when connected)."""
        sub = self._subs.pop(sub_id, None)
        if sub is not None and sub.closed is None:
            self._send(encode_close(sub_id))

    # ------------------------------------------------------------ incoming frames

    def _handle(self, message: str | bytes) -> None:
        stats = self.stats
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
                    event = self._sink.seen_event(self, peek[0], peek[1])
                    if event is not None:
                        if sub.newest is None or event.created_at > sub.newest:
                            sub.newest = event.created_at
                        return
        try:
            frame = load_frame(message)
            if frame[0] == "EVENT":
                sub_id, event_id = event_frame_id(frame)
                sub = self._subs.get(sub_id)
                if sub is None or sub.closed is not None:
                    stats.invalid["event for a subscription not open"] += 1
                    return
                event = self._sink.event_frame(self, sub_id, event_id, frame[2])
                if event is not None and (sub.newest is None or event.created_at > sub.newest):
                    sub.newest = event.created_at
                return
            msg = decode_frame(frame)
        except MessageError as exc:
            stats.invalid[exc.reason] += 1
            return
        if isinstance(msg, OkMessage):
            self._on_ok(msg)
        elif isinstance(msg, EoseMessage):
            sub = self._subs.get(msg.sub_id)
            if sub is None:
                stats.invalid["EOSE for a subscription not open"] += 1
            elif sub.eose:
                stats.invalid["repeated EOSE"] += 1
            else:
                sub.eose = True
                self._sink.eose(self, msg.sub_id)
        elif isinstance(msg, ClosedMessage):
            self._on_closed(msg)
        elif isinstance(msg, NoticeMessage):
            stats.notices += 1
            self._sink.relay_notification(self, Notice(self.url, msg.message[:1000]))
        elif isinstance(msg, AuthMessage):
            self._challenge = msg.challenge
        elif isinstance(msg, CountMessage):
            stats.invalid["COUNT for a query not sent"] += 1

    def _on_ok(self, msg: OkMessage) -> None:
        pending = self._pending.get(msg.event_id)
        if pending is None:
            if len(self._pending) != 1 or _EVENT_ID.fullmatch(msg.event_id):
                # An OK naming an event never sent here is never taken as the answer for another one:
                # a false "accepted" would take a note out of the outbox that no relay holds.
                self.stats.invalid["OK for an event not sent"] += 1
                return
            # Some relays answer with an empty or garbled id; with one event in flight it can only be that one.
            pending = next(iter(self._pending.values()))
            self.stats.invalid["OK with a wrong event id"] += 1
        del self._pending[pending.event_id]
        self.stats.last_ok_rtt = max(0.0, self._clock() - pending.sent_at)
        if not pending.future.done():
            pending.future.set_result(msg)

    def _on_closed(self, msg: ClosedMessage) -> None:
        sub = self._subs.get(msg.sub_id)
        if sub is None or sub.closed is not None:
            self.stats.invalid["CLOSED for a subscription not open"] += 1
            return
        if msg.prefix == "auth-required":
            if self.can_auth() and not sub.auth_retried:
                sub.auth_retried = True
                self._spawn(self._auth_then_resubscribe(msg.sub_id, msg.message))
                return
            self._sink.relay_notification(self, AuthRequired(self.url, _login_reason(msg.message)))
        self._close_sub(msg.sub_id, msg.message)

    def _close_sub(self, sub_id: str, reason: str) -> None:
        sub = self._subs.get(sub_id)
        if sub is None:
            return
        sub.closed = reason
        self._sink.relay_notification(self, SubscriptionClosed(self.url, sub_id, reason[:1000]))

    # ------------------------------------------------------------ NIP-42

    def can_auth(self) -> bool:
        """True when the user allows AUTH here, a signer is set and the relay sent a challenge."""
        return self.auth_allowed and self._signer is not None and self._challenge is not None

    async def _auth_then_resubscribe(self, sub_id: str, reason: str) -> None:
        outcome = await self._authenticate()
        if outcome:
            sub = self._subs.get(sub_id)
            if sub is not None:
                self._send(encode_req(sub_id, sub.resume_filters()))
        elif outcome is False:  # refused; without an answer the REQ goes out again on the next connection
            self._close_sub(sub_id, reason)

    async def authenticate(self) -> bool:
        """Answer the relay's current challenge once per connection; True when the relay accepted."""
        return await self._authenticate() is True

    async def _authenticate(self) -> bool | None:
        """True: accepted; False: refused or impossible; None: no answer (timeout or connection lost)."""
        task = self._auth_task
        if task is None:
            task = self._auth_task = asyncio.get_running_loop().create_task(self._do_auth())
            self._conn_tasks.add(task)
        await asyncio.wait({task})  # raises only when the caller itself is cancelled
        if task.cancelled():  # the connection closed under it
            return None
        if task.exception() is not None:
            return False
        return task.result()

    async def _do_auth(self) -> bool | None:
        challenge = self._challenge
        if self._signer is None or challenge is None:
            return False
        try:
            signed = self._signer(self.url, challenge)
            event = await signed if inspect.isawaitable(signed) else signed
        except Exception:  # a signer failure is reported, never fatal
            self._sink.relay_notification(self, AuthResult(self.url, False, "could not sign the login event"))
            return False
        if event is None:
            self._sink.relay_notification(self, AuthRequired(self.url, "relay requires login (no key to sign in)"))
            return False
        try:
            ok = await self._send_and_wait(event.id, encode_auth(event), self.network.publish_timeout)
        except (TimeoutError, ConnectionError):
            self._sink.relay_notification(self, AuthResult(self.url, False, "no answer to AUTH"))
            return None
        self._sink.relay_notification(self, AuthResult(self.url, ok.accepted, ok.message[:1000]))
        return ok.accepted

    # ------------------------------------------------------------ publishing

    async def wait_connected(self, timeout: float) -> bool:
        """Wait until connected; False at once when a connection attempt failed, or after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.state is RelayState.CONNECTED:
                return True
            if self.state in (RelayState.WAITING, RelayState.FAILED, RelayState.CLOSED):
                return False
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._state_changed.wait(), remaining)
            except TimeoutError:
                return False

    async def _send_and_wait(self, event_id: str, text: str, timeout: float) -> OkMessage:
        in_flight = self._pending.get(event_id)
        if in_flight is not None:  # the same event published twice at once: share the answer
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

    async def publish(self, event: Event, timeout: float | None = None) -> RelayResult:
        """Send the event and wait for the relay's OK: accepted, rejected, timeout or unreachable."""
        net = self.network
        if not await self.wait_connected(net.connect_timeout):
            why = self.last_reason if self.state is not RelayState.CONNECTING else "connection timed out"
            return RelayResult(self.url, PublishStatus.UNREACHABLE, why or "not connected")
        wait = net.publish_timeout if timeout is None else timeout
        text = encode_event(event)
        try:
            ok = await self._send_and_wait(event.id, text, wait)
            if not ok.accepted and ok.prefix == "auth-required":
                if not self.can_auth():
                    self._sink.relay_notification(self, AuthRequired(self.url, _login_reason(ok.message)))
                    return RelayResult(self.url, PublishStatus.REJECTED, _login_reason(ok.message))
                outcome = await self._authenticate()
                if outcome is None:  # not a refusal: the outbox sends it again on the next connection
                    return RelayResult(self.url, PublishStatus.UNREACHABLE, "no answer to the login (AUTH)")
                if not outcome:
                    return RelayResult(self.url, PublishStatus.REJECTED, _login_reason(ok.message))
                ok = await self._send_and_wait(event.id, text, wait)
        except TimeoutError:
            return RelayResult(self.url, PublishStatus.TIMEOUT, f"no answer within {wait:g} s")
        except ConnectionError as exc:
            return RelayResult(self.url, PublishStatus.UNREACHABLE, str(exc))
        if ok.accepted or ok.prefix == "duplicate":
            return RelayResult(self.url, PublishStatus.ACCEPTED, ok.message[:1000])
        return RelayResult(self.url, PublishStatus.REJECTED, ok.message[:1000])


async def _wait_ok(future: asyncio.Future[OkMessage], timeout: float) -> OkMessage:
    """The OK answer, without cancelling the future (another caller may share it)."""
    done, _ = await asyncio.wait({future}, timeout=timeout)
    if not done:
        raise TimeoutError
    return future.result()


def _login_reason(message: str) -> str:
    detail = message.partition(":")[2].strip()
    return f"relay requires login: {detail}"[:1000] if detail else "relay requires login"
