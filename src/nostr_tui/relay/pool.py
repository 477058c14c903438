"""The relay pool: many relays, one merged stream per subscription, deduplication, publish receipts."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

from ..config import NetworkConfig
from ..protocol.event import Event
from ..protocol.filters import Filter
from .auth import AuthSigner
from .connection import FRAMES_PER_TURN, Relay
from .intake import Intake
from .nip11 import RelayInfo, RelayInfoError, fetch_relay_info
from .notifications import (
    EndOfStored,
    Notification,
    PublishFinished,
    PublishStatus,
    RelayInfoFetched,
    RelayResult,
    RelayState,
    StateChanged,
    SubscriptionClosed,
)
from .order import Ticket
from .seen import SeenIds
from .stats import RelayStats
from .subscription import BUFFER_LIMIT, Subscription
from .transport import ConnectFn, default_connect
from .verify import TOO_FAR_AHEAD, Checked, Verifier, VerifyJob

_DONE_STATES = (RelayState.WAITING, RelayState.FAILED, RelayState.CLOSED)
MAX_FUTURE = 15 * 60
"""Seconds an event's created_at may lie ahead of the clock; later ones are dropped (they would poison
every `since` resume point and sit on top of every feed)."""
DRAIN_TIMEOUT = 5.0
"""Seconds a relay stops reading while a subscription's buffer is full, before it drops and counts."""
BUFFER_FULL = "subscription buffer full (reader too slow)"
__all__ = ["BUFFER_FULL", "DRAIN_TIMEOUT", "MAX_FUTURE", "TOO_FAR_AHEAD", "RelayPool", "RelayStatus"]


@dataclass(frozen=True, slots=True)
class RelayStatus:
    """A snapshot of one relay in the pool."""

    url: str
    state: RelayState
    read: bool
    write: bool
    reason: str
    next_retry_at: float | None
    stats: RelayStats
    info: RelayInfo | None


class RelayPool:
    """Relays by URL, with read/write flags; subscriptions and publishes across them.

    Seams: `connect` opens websockets, `clock` is wall time, `uniform` is the backoff jitter,
    `auth_signer(url, challenge)` signs NIP-42 logins for relays where `auth_allowed(url)` is true.
    `on_notification` receives every Notification; `on_seen(event_id, url)` is called when an event
    already delivered turns up on another relay. Use `async with` or `await close()`.
    A subscription buffers at most `buffer_limit` events for its reader; while one is full its relays
    stop reading for up to `drain_timeout` seconds, then drop and count what does not fit. Events dated
    more than `max_future` seconds after `clock()` are dropped and counted.
    New events are read on the loop and their signatures verified off it: by `verify_executor` when given
    (left running), else by a verifier process of the pool's own (started with the first subscription,
    stopped by `close()`).
    During a flood each relay's reader handles `frames_per_turn` frames before it lets other tasks run:
    fewer keep a screen on the same loop answering keys quickly, more read faster.
    """

    def __init__(
        self,
        *,
        network: NetworkConfig | None = None,
        connect: ConnectFn = default_connect,
        clock: Callable[[], float] = time.time,
        uniform: Callable[[float, float], float] | None = None,
        auth_signer: AuthSigner | None = None,
        auth_allowed: Callable[[str], bool] = lambda url: False,
        on_notification: Callable[[Notification], None] | None = None,
        on_seen: Callable[[str, str], None] | None = None,
        seen_capacity: int = 20_000,
        fetch_info: bool = False,
        http_client: Callable[[], httpx.AsyncClient] | None = None,
        buffer_limit: int = BUFFER_LIMIT,
        drain_timeout: float = DRAIN_TIMEOUT,
        max_future: float = MAX_FUTURE,
        verify_executor: Executor | None = None,
        frames_per_turn: int = FRAMES_PER_TURN,
    ) -> None:
        self.network = network or NetworkConfig()
        self._connect = connect
        self._clock = clock
        self._uniform = uniform
        self._signer = auth_signer
        self._auth_allowed = auth_allowed
        self._notify = on_notification
        self._on_seen = on_seen
        self._seen = SeenIds(seen_capacity)
        self._fetch_info = fetch_info
        self._http_client = http_client
        self._relays: dict[str, Relay] = {}
        self._flags: dict[str, tuple[bool, bool]] = {}
        self._info: dict[str, RelayInfo] = {}
        self._subs: dict[str, Subscription] = {}
        self._deadlines: dict[str, float] = {}  # subscription -> when its EOSE timeout ends (pool clock)
        self._up_for: dict[str, set[str]] = {}  # one-shot subscription -> relays connected while it is open
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self.buffer_limit = buffer_limit
        self.drain_timeout = drain_timeout
        self.max_future = max_future
        self._congested: dict[str, Subscription] = {}
        self._verify_executor = verify_executor
        self._frames_per_turn = frames_per_turn
        self._verifier: Verifier | None = None
        self._intake = Intake(
            self._subs, self._seen, verify=self.verify, deliver=self._deliver, press=self._press, on_seen=on_seen
        )

    async def __aenter__(self) -> RelayPool:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # ------------------------------------------------------------ relays

    def add_relay(self, url: str, *, read: bool = True, write: bool = True, info: bool = True) -> None:
        """Add a relay and start connecting; open subscriptions follow it when it is a read relay.

        Its NIP-11 document is fetched when the pool fetches them and `info` is true (a relay added for one
        question has no use for it)."""
        if self._closed:
            raise RuntimeError("the relay pool is closed")
        if url in self._relays:
            self.set_flags(url, read=read, write=write)
            return
        relay = Relay(
            url,
            self,
            network=self.network,
            connect=self._connect,
            clock=self._clock,
            uniform=self._uniform,
            auth_signer=self._signer,
            auth_allowed=self._auth_allowed(url),
            frames_per_turn=self._frames_per_turn,
        )
        self._relays[url] = relay
        self._flags[url] = (read, write)
        if read:
            for sub in self._subs.values():
                if sub.relays is None:
                    self._open_on(sub, relay)
        relay.start()
        if self._fetch_info and info:
            self._spawn(self._fetch_and_report(url))

    async def remove_relay(self, url: str) -> None:
        """Close a relay and forget it; subscriptions stop waiting for its EOSE."""
        relay = self._relays.pop(url, None)
        self._flags.pop(url, None)
        if relay is not None:
            await relay.close()
        for sub in list(self._subs.values()):
            self._relay_finished(sub, url, "unreachable")

    def set_flags(self, url: str, *, read: bool, write: bool) -> None:
        """Change whether a relay is read from and/or written to."""
        relay = self._relays.get(url)
        if relay is None:
            raise KeyError(url)
        was_read, _ = self._flags[url]
        self._flags[url] = (read, write)
        if read and not was_read:
            for sub in self._subs.values():
                if sub.relays is None:
                    self._open_on(sub, relay)
        elif was_read and not read:
            for sub in list(self._subs.values()):
                if sub.relays is None:
                    relay.unsubscribe(sub.id)
                    self._relay_finished(sub, url, "unreachable")

    def relay(self, url: str) -> Relay | None:
        """The Relay object for a URL, if in the pool."""
        return self._relays.get(url)

    @property
    def urls(self) -> list[str]:
        """Every relay URL in the pool."""
        return list(self._relays)

    def read_urls(self) -> list[str]:
        """URLs of relays read from."""
        return [u for u, (r, _) in self._flags.items() if r]

    def write_urls(self) -> list[str]:
        """URLs of relays published to."""
        return [u for u, (_, w) in self._flags.items() if w]

    def status(self) -> list[RelayStatus]:
        """A snapshot of every relay: state, flags, counters, NIP-11 info when fetched."""
        out = []
        for url, relay in self._relays.items():
            read, write = self._flags[url]
            out.append(
                RelayStatus(
                    url, relay.state, read, write, relay.last_reason, relay.next_retry_at,
                    relay.stats.snapshot(), self._info.get(url),
                )
            )
        return out

    async def fetch_info(self, url: str) -> RelayInfo:
        """Fetch a relay's NIP-11 document (kept for `status()`). Raises RelayInfoError."""
        client = self._http_client() if self._http_client is not None else None
        try:
            info = await fetch_relay_info(url, timeout=self.network.nip11_timeout, client=client)
        finally:
            if client is not None:
                await client.aclose()
        self._info[url] = info
        return info

    async def _fetch_and_report(self, url: str) -> None:
        try:
            info = await self.fetch_info(url)
        except RelayInfoError as exc:
            self._emit(RelayInfoFetched(url, None, str(exc)))
        else:
            self._emit(RelayInfoFetched(url, info))

    # ------------------------------------------------------------ subscriptions

    def subscribe(
        self,
        filters: Filter | Sequence[Filter],
        *,
        relays: Iterable[str] | None = None,
        close_on_eose: bool = False,
        eose_timeout: float | None = None,
    ) -> Subscription:
        """Open one logical subscription on the read relays (or the given ones, which must be in the pool).

        Each matching event is delivered once, with the relay it came from first. `wait_eose()` returns
        when every relay sent EOSE, was unreachable, or `eose_timeout` (default from the config) passed.
        """
        if self._closed:
            raise RuntimeError("the relay pool is closed")
        flist = (filters,) if isinstance(filters, Filter) else tuple(filters)
        if not flist:
            raise ValueError("a subscription needs at least one filter")
        chosen = None if relays is None else tuple(relays)
        sub = Subscription(
            f"nt{next(self._ids)}", flist, chosen, close_on_eose, self._close_subscription, self.buffer_limit,
            on_eose=self._emit_eose,
        )
        self._subs[sub.id] = sub
        targets = self.read_urls() if chosen is None else [u for u in chosen if u in self._relays]
        wait = self.network.eose_timeout if eose_timeout is None else eose_timeout
        self._deadlines[sub.id] = self._clock() + wait
        for url in targets:
            self._open_on(sub, self._relays[url])
        if chosen is not None:
            for url in chosen:
                if url not in self._relays:
                    sub.unreachable.append(url)
        sub.start_eose_timer(wait)
        self._get_verifier().start()  # its process starts while the relays are asked
        return sub

    def _open_on(self, sub: Subscription, relay: Relay) -> None:
        relay.subscribe(sub.id, sub.filters)
        if relay.state in (RelayState.FAILED, RelayState.CLOSED):
            sub.unreachable.append(relay.url)
        elif relay.state is RelayState.WAITING and not sub.close_on_eose:
            sub.unreachable.append(relay.url)  # a live feed goes on; the relay joins it when it is back
        else:
            if relay.state is RelayState.WAITING:  # a one-shot question is asked now: skip the rest of the wait
                relay.reconnect_now()
            elif relay.state is RelayState.CONNECTED and sub.close_on_eose:
                self._up_for.setdefault(sub.id, set()).add(relay.url)
            sub.expect(relay.url)

    def _still_coming(self, sub: Subscription, note: StateChanged) -> bool:
        """A one-shot subscription keeps waiting for a relay that was up for it and dropped (a restart, an
        oversized frame) when the relay reconnects within the subscription's time."""
        if not sub.close_on_eose or note.state is not RelayState.WAITING or note.next_retry_at is None:
            return False
        if note.url not in self._up_for.get(sub.id, ()):
            return False  # it never answered this subscription: it was tried once, now it counts as unreachable
        return note.next_retry_at < self._deadlines.get(sub.id, 0.0)

    def _close_subscription(self, sub: Subscription) -> None:
        self._subs.pop(sub.id, None)
        self._deadlines.pop(sub.id, None)
        self._up_for.pop(sub.id, None)
        self._congested.pop(sub.id, None)
        for relay in self._relays.values():
            relay.unsubscribe(sub.id)

    def _relay_finished(self, sub: Subscription, url: str, how: str) -> None:
        sub.relay_done(url, how)

    def _emit_eose(self, sub: Subscription) -> None:
        self._emit(EndOfStored(sub.id, tuple(sub.eose_relays), tuple(sub.timed_out), tuple(sub.unreachable)))

    def seen_on(self, event_id: str) -> tuple[str, ...]:
        """Relays an event was received from, while the pool still remembers it."""
        entry = self._seen.get(event_id)
        return () if entry is None else tuple(entry.relays)

    # ------------------------------------------------------------ publishing

    async def publish(
        self, event: Event, relays: Iterable[str] | None = None, *, timeout: float | None = None
    ) -> tuple[RelayResult, ...]:
        """Send a signed event to the write relays (or the given ones); one result per relay.

        A relay not yet connected is waited for up to the connect timeout; one that cannot be reached
        reports UNREACHABLE, one that does not answer in `timeout` (default from the config) TIMEOUT.
        """
        targets = self.write_urls() if relays is None else list(dict.fromkeys(relays))

        async def one(url: str) -> RelayResult:
            relay = self._relays.get(url)
            if relay is None:
                return RelayResult(url, PublishStatus.UNREACHABLE, "relay is not in the pool")
            return await relay.publish(event, timeout)

        results = tuple(await asyncio.gather(*(one(u) for u in targets)))
        self._emit(PublishFinished(event.id, results))
        return results

    # ------------------------------------------------------------ shutdown

    async def close(self) -> None:
        """Close every relay and subscription and finish every task. Safe to call twice."""
        self._closed = True
        for sub in list(self._subs.values()):
            sub.end()
        self._subs.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(r.close() for r in self._relays.values()), return_exceptions=True)
        if self._verifier is not None:
            await self._verifier.close()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _emit(self, note: Notification) -> None:
        if self._notify is not None:
            self._notify(note)

    # ------------------------------------------------------------ RelaySink: called by Relay

    def event_frame(self, relay: Relay, sub_id: str, event_id: str, raw: str | dict[str, Any]) -> Ticket | None:
        """Deduplicate by id first; only a frame of an id not seen before is decoded and checked (off the
        loop). None when settled at once, else the ticket that settles once checked."""
        return self._intake.frame(relay, sub_id, event_id, raw)

    def known_copy(self, relay: Relay, sub_id: str, event_id: str, data: bytes, start: int, stop: int) -> bool:
        """True (and taken) for a copy of an event delivered or being checked; its frame is not decoded."""
        return self._intake.known_copy(relay, sub_id, event_id, data, start, stop)

    def verify(self, jobs: list[VerifyJob]) -> asyncio.Future[list[Checked]]:
        """Check a batch of EVENT frames on the pool's verifier; each job's `done` gets its outcome."""
        verifier = self._get_verifier()
        verifier.max_future = self.max_future
        return verifier.run(jobs)

    def _get_verifier(self) -> Verifier:
        verifier = self._verifier
        if verifier is None:
            verifier = self._verifier = Verifier(self._verify_executor, clock=self._clock, max_future=self.max_future)
            if self._closed:  # a batch gathered before the pool closed: no process is started for it
                verifier.stop()
        return verifier

    def _deliver(self, sub: Subscription, event: Event, relay: Relay) -> bool:
        if not sub.push(event, relay.url):
            relay.stats.invalid[BUFFER_FULL] += 1
            return False
        self._press(sub)
        return True

    def _press(self, sub: Subscription) -> None:
        if sub.needs_room:
            self._congested[sub.id] = sub

    def congested(self) -> bool:
        """True while a subscription's buffer is full and its reader has not yet been waited for."""
        return bool(self._congested)

    async def drain(self) -> None:
        """Wait (at most `drain_timeout` in all) until full subscriptions have room again; a relay
        calls this between frames, so a slow reader slows the socket instead of growing memory."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.drain_timeout
        for sub in list(self._congested.values()):  # every relay feeding a full one waits for it
            await sub.wait_room(max(0.0, deadline - loop.time()))
            self._congested.pop(sub.id, None)

    def eose(self, relay: Relay, sub_id: str) -> None:
        """A relay finished sending stored events for a subscription."""
        sub = self._subs.get(sub_id)
        if sub is not None:
            self._relay_finished(sub, relay.url, "eose")

    def relay_notification(self, relay: Relay, note: Notification) -> None:
        """Forward a relay's notification; a relay that dropped stops holding up EOSE signals."""
        if isinstance(note, StateChanged) and note.state is RelayState.CONNECTED:
            for sub in self._subs.values():
                if sub.close_on_eose:
                    self._up_for.setdefault(sub.id, set()).add(relay.url)
        if isinstance(note, StateChanged) and note.state in _DONE_STATES:
            for sub in list(self._subs.values()):
                if not self._still_coming(sub, note):
                    self._relay_finished(sub, relay.url, "unreachable")
        elif isinstance(note, SubscriptionClosed):
            closed = self._subs.get(note.sub_id)
            if closed is not None:
                self._relay_finished(closed, relay.url, "unreachable")
        self._emit(note)
