"""One relay: a reconnecting websocket connection with subscriptions, publish receipts and NIP-42 AUTH.

The jobs are split by module: this one connects, reconnects with backoff, serves a connection (reader and
writer) and keeps the subscriptions; `dispatch` handles incoming frames, `receipts` the OKs publishes wait
for, `auth` NIP-42 logins, `transport` the websocket opener and its errors.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidURI

from ..config import NetworkConfig
from ..protocol.event import Event
from ..protocol.filters import Filter
from ..protocol.messages import encode_close, encode_req
from .auth import Auth, AuthSigner
from .backoff import Backoff
from .dispatch import Dispatch, RelaySink, SubState
from .keepalive import Keepalive
from .notifications import Notification, PublishStatus, RelayResult, RelayState, StateChanged
from .receipts import Receipts
from .stats import RelayStats
from .timeouts import within
from .transport import ConnectFn, default_connect, describe_error, redirected_to

__all__ = ["AuthSigner", "ConnectFn", "Relay", "RelaySink", "default_connect", "describe_error"]

FRAMES_PER_TURN = 256
"""Frames a reader handles before it yields to the other tasks during a flood (also a verify batch at most)."""
_APPLY_TIMEOUT = 5.0  # seconds a lost connection's frames still being checked are waited for


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
        frames_per_turn: int = FRAMES_PER_TURN,
    ) -> None:
        self.url = url
        self._frames_per_turn = max(1, frames_per_turn)
        self.network = network or NetworkConfig()
        self.stats = RelayStats()
        self.state = RelayState.DISCONNECTED
        self.last_reason = ""
        self.next_retry_at: float | None = None
        self._sink = sink
        self._connect = connect
        self._clock = clock
        self._close_timeout = close_timeout
        self._backoff = Backoff(self.network.backoff_initial, self.network.backoff_max, uniform=uniform)
        self._subs: dict[str, SubState] = {}
        self._task: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[str] | None = None
        self._conn_tasks: set[asyncio.Task[Any]] = set()
        self._state_changed = asyncio.Event()
        self._wake = asyncio.Event()
        self._closing = False
        self._receipts = Receipts(url, self._send, clock, self.stats)
        self._auth = Auth(
            url,
            signer=auth_signer,
            allowed=auth_allowed,
            notify=self._notify,
            send_and_wait=self._receipts.send_and_wait,
            spawn=self._spawn,
            timeout=self.network.publish_timeout,
        )
        self._dispatch = Dispatch(self, self._subs, sink, self._receipts, self._auth, self._send, self._spawn)

    @property
    def auth_allowed(self) -> bool:
        """Whether the user allows NIP-42 logins to this relay."""
        return self._auth.allowed

    @auth_allowed.setter
    def auth_allowed(self, allowed: bool) -> None:
        self._auth.allowed = allowed

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
        self._receipts.fail_all("relay closed")
        self._set_state(RelayState.CLOSED, "closed by the user")

    def reconnect_now(self) -> None:
        """Skip the rest of the current backoff wait."""
        self._wake.set()

    @property
    def connected(self) -> bool:
        """True while the websocket is open."""
        return self.state is RelayState.CONNECTED

    @property
    def redirected_to(self) -> str | None:
        """Where the current connection's handshake was redirected to, when it ended at another URL."""
        return self._auth.redirected_to

    def _notify(self, note: Notification) -> None:
        self._sink.relay_notification(self, note)

    def _set_state(self, state: RelayState, reason: str = "", next_retry_at: float | None = None) -> None:
        self.state = state
        if reason:
            self.last_reason = reason
        self.next_retry_at = next_retry_at
        self._state_changed.set()
        self._state_changed = asyncio.Event()
        self._notify(StateChanged(self.url, state, reason, next_retry_at, self._backoff.failures))

    async def _run(self) -> None:
        while not self._closing:
            self._set_state(RelayState.CONNECTING)
            try:
                ws = await asyncio.wait_for(
                    self._connect(
                        self.url,
                        open_timeout=self.network.connect_timeout,
                        ping_interval=None,  # the keepalive is ours: any frame proves the relay is there
                        ping_timeout=None,
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
                await self._close_ws(ws)
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
            await within(self._wake.wait(), delay)
        except TimeoutError:
            pass

    async def _serve(self, ws: Any) -> str:
        self.stats.connects += 1
        outbox: asyncio.Queue[str] = asyncio.Queue()
        self._outbox = outbox
        writer = asyncio.get_running_loop().create_task(self._write(ws, outbox), name=f"writer {self.url}")
        self._auth.connected(redirected_to(self.url, ws))
        dispatch = self._dispatch
        dispatch.connected()
        self._set_state(RelayState.CONNECTED)
        for sub_id, sub in self._subs.items():
            sub.eose = False
            sub.auth_retried = False
            if sub.closed is None:
                self._send(encode_req(sub_id, sub.resume_filters()))
        reason = "the relay closed the connection"
        turn = self._frames_per_turn
        alive = Keepalive(self.network.ping_interval)
        watcher = self._spawn(self._watch(ws, alive))
        try:
            if callable(getattr(ws, "deliver", None)):
                await self._read_pushed(ws, alive)
            else:
                handled = 0
                async for message in ws:
                    alive.seen()
                    dispatch.handle(message)
                    handled += 1
                    if self._full():
                        await self._make_room(alive)
                    elif handled % turn == 0:
                        await asyncio.sleep(0)
        except ConnectionClosed as exc:
            reason = describe_error(exc)
            if exc.sent is not None and exc.sent.code == 1009:
                self.stats.invalid["frame too large"] += 1
        except Exception as exc:  # a broken transport must not end the reconnect loop
            reason = describe_error(exc)
        finally:
            if alive.reason:
                reason = alive.reason
            watcher.cancel()
            self._outbox = None
            self._auth.disconnected()
            tasks = [writer, *self._conn_tasks]
            self._conn_tasks.clear()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._receipts.fail_all("connection lost before the relay answered")
            await self._close_ws(ws)
        # What arrived before the connection was lost is applied before the relay is reported gone.
        await dispatch.disconnected(_APPLY_TIMEOUT)
        return reason

    def _full(self) -> bool:
        """True when the reader must wait before the next frame: too many events being checked on this
        connection, or a subscription's buffer full."""
        return self._dispatch.busy or self._sink.congested()

    async def _make_room(self, alive: Keepalive) -> None:
        """Wait while `_full()`: events being checked are bounded per connection, and a slow reader slows the
        socket (bounded), not memory. No keepalive deadline runs meanwhile."""
        dispatch = self._dispatch
        alive.pause()
        try:
            while self._full():
                if dispatch.busy:
                    await dispatch.wait_room()
                if self._sink.congested():
                    await self._sink.drain()
        finally:
            alive.resume()

    async def _read_pushed(self, ws: Any, alive: Keepalive) -> None:
        """Handle each message as the connection parses it (see `PushConnection`) until it closes; raises the
        `ConnectionClosed` of an unclean close, or what handling a message raised.

        As the iterating reader, it handles no further frame while `_full()`, and lets the other tasks (the
        screen) run after every `frames_per_turn` frames: the socket is paused, and what that read still
        carried waits here (one read at most) until its turn. Copies of events already had are taken as they
        are split off the read, before they are decoded (`Dispatch.known_copy`), held frames or not."""
        dispatch = self._dispatch
        turn = self._frames_per_turn
        loop = asyncio.get_running_loop()
        failure: list[BaseException] = []
        held: deque[tuple[str | bytes, int]] = deque()
        waiting: asyncio.Task[None] | None = None
        count = 0  # frames handled since the loop last ran something else

        def full_after(message: str | bytes, size: int) -> bool:
            alive.seen()
            dispatch.handle(message, size)
            return self._full()

        def fail(exc: BaseException) -> None:  # a bug must end this connection, not the socket's reader
            failure.append(exc)
            held.clear()
            ws.transport.close()

        def new_turn() -> None:
            nonlocal count
            count = 0

        async def later() -> None:
            nonlocal waiting
            try:
                while True:
                    if self._full():
                        await self._make_room(alive)
                    else:
                        await asyncio.sleep(0)
                    for _ in range(min(turn, len(held))):
                        if full_after(*held.popleft()):
                            break
                    if not held and not self._full():
                        break
            except Exception as exc:
                fail(exc)
            finally:
                waiting = None
                ws.resume_reading()

        def on_message(message: str | bytes, size: int) -> None:
            nonlocal waiting, count
            if failure:
                return
            if waiting is not None:
                held.append((message, size))
                return
            if count == 0:
                loop.call_soon(new_turn)
            count += 1
            try:
                full = full_after(message, size)
            except Exception as exc:
                fail(exc)
                return
            if full or count >= turn:
                ws.pause_reading()
                waiting = self._spawn(later())

        def known(data: bytes, start: int, stop: int) -> bool:
            # A copy of an event already had, taken before it is decoded, even while frames are held: holding
            # it would cost more (decoding it) than taking it. Counted towards the turn like any frame.
            nonlocal waiting, count
            if failure:
                return False
            try:
                if not dispatch.known_copy(data, start, stop):
                    return False
            except Exception as exc:
                fail(exc)
                return True
            alive.seen()
            if waiting is None:
                if count == 0:
                    loop.call_soon(new_turn)
                count += 1
                if count >= turn:
                    ws.pause_reading()
                    waiting = self._spawn(later())
            return True

        ws.deliver(on_message, known)
        await ws.wait_closed()
        if failure:
            raise failure[0]
        closed = ws.protocol.close_exc
        if not isinstance(closed, ConnectionClosedOK):
            raise closed

    async def _watch(self, ws: Any, alive: Keepalive) -> None:
        await alive.watch(ws)
        if alive.reason:
            await self._close_ws(ws)  # ends the reader's loop, which reports `alive.reason`

    async def _close_ws(self, ws: Any) -> None:
        try:
            await within(ws.close(), self._close_timeout + 1.0)
        except Exception:  # already gone; nothing more to release
            pass

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

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._conn_tasks.add(task)
        task.add_done_callback(self._conn_tasks.discard)
        return task

    # ------------------------------------------------------------ subscriptions

    def subscribe(self, sub_id: str, filters: tuple[Filter, ...]) -> None:
        """Open (or replace) a subscription; it is re-sent after every reconnect."""
        self._subs[sub_id] = SubState(filters)
        self._send(encode_req(sub_id, filters))

    def unsubscribe(self, sub_id: str) -> None:
        """Close a subscription (sends CLOSE when connected)."""
        sub = self._subs.pop(sub_id, None)
        if sub is not None and sub.closed is None:
            self._send(encode_close(sub_id))

    def eose_received(self, sub_id: str) -> bool:
        """Whether this relay sent EOSE for `sub_id` on the current connection."""
        sub = self._subs.get(sub_id)
        return sub is not None and sub.eose

    def newest_seen(self, sub_id: str) -> int | None:
        """The newest created_at received from this relay for `sub_id` (the next resume point)."""
        sub = self._subs.get(sub_id)
        return None if sub is None else sub.newest

    def note_newest(self, sub_id: str, created_at: int) -> None:
        """An event dated `created_at` arrived from this relay for `sub_id`: it may move the resume point."""
        sub = self._subs.get(sub_id)
        if sub is not None and (sub.newest is None or created_at > sub.newest):
            sub.newest = created_at

    # ------------------------------------------------------------ NIP-42

    def can_auth(self) -> bool:
        """True when the user allows AUTH here, a signer is set, the relay sent a challenge, and the
        connection was not redirected to another URL."""
        return self._auth.can_auth()

    async def authenticate(self) -> bool:
        """Answer the relay's current challenge once per connection; True when the relay accepted."""
        return await self._auth.authenticate_once() is True

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
                await within(self._state_changed.wait(), remaining)
            except TimeoutError:
                return False

    async def publish(self, event: Event, timeout: float | None = None) -> RelayResult:
        """Send the event and wait for the relay's OK: accepted, rejected, timeout or unreachable."""
        net = self.network
        if not await self.wait_connected(net.connect_timeout):
            why = self.last_reason if self.state is not RelayState.CONNECTING else "connection timed out"
            return RelayResult(self.url, PublishStatus.UNREACHABLE, why or "not connected")
        wait = net.publish_timeout if timeout is None else timeout
        return await self._receipts.publish(event, wait, self._auth)
