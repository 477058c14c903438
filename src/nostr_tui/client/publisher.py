"""Publishing: every event the user makes is signed, put in the outbox before any relay sees it, then
delivered; each relay's answer is recorded and streamed to whoever sent it as it arrives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..protocol.event import Event
from ..relay.notifications import PublishStatus, RelayResult
from ..relay.pool import RelayPool
from ..store.aio import Store
from ..store.state import Delivery, OutboxEntry, StateStore
from .errors import ClientError, translated
from .events import Notifications, OutboxChanged, PublishProgress
from .ingest import Ingest
from .relays import Relays
from .session import Session
from .signer import EventTemplate


@dataclass(frozen=True, slots=True)
class Hold:
    """Not now: `drop` takes the relay out of the event's deliveries; otherwise it stays pending for a retry."""

    reason: str
    drop: bool


BeforeDelivery = Callable[[Event, str], Awaitable["Event | Hold"]]
"""Called before an outbox event is sent to a relay: the event to send there, or a Hold."""


class Sending:
    """An event on its way: signed and in the outbox; iterate for each relay's answer as it comes."""

    def __init__(self, event: Event, targets: Sequence[str]) -> None:
        self.event = event
        self.targets = tuple(targets)
        self._queue: asyncio.Queue[RelayResult | None] = asyncio.Queue()
        self._results: list[RelayResult] = []
        self._done = asyncio.Event()

    def _put(self, result: RelayResult) -> None:
        self._results.append(result)
        self._queue.put_nowait(result)

    def _finish(self) -> None:
        self._done.set()
        self._queue.put_nowait(None)

    def __aiter__(self) -> AsyncIterator[RelayResult]:
        return self._each()

    async def _each(self) -> AsyncIterator[RelayResult]:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            yield item

    async def results(self) -> list[RelayResult]:
        """Every relay's answer, once all have answered, timed out or were found unreachable."""
        await self._done.wait()
        return list(self._results)

    @property
    def accepted(self) -> bool:
        """True once at least one relay accepted it."""
        return any(r.status is PublishStatus.ACCEPTED for r in self._results)


@dataclass(frozen=True, slots=True)
class DeliveryState:
    """Where an outbox event stands with one relay: "pending", "accepted" or "rejected" (with its reason)."""

    relay: str
    state: str
    message: str = ""
    attempts: int = 0
    last_try: float | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """An event not yet accepted everywhere it should go, with each relay's state."""

    event: Event
    added_at: float
    deliveries: tuple[DeliveryState, ...]

    @property
    def unsent(self) -> bool:
        """True when no relay has accepted it yet."""
        return not any(d.state == Delivery.ACCEPTED.value for d in self.deliveries)

    @property
    def pending(self) -> int:
        """Relays still to take it."""
        return sum(1 for d in self.deliveries if d.state == Delivery.PENDING.value)


def _item(entry: OutboxEntry) -> OutboxItem:
    return OutboxItem(entry.event, entry.added_at, tuple(
        DeliveryState(d.relay, d.state.value, d.message, d.attempts, d.last_try) for d in entry.deliveries))


class Publisher:
    """The outbox and delivery. Nothing is sent before it is in the state file."""

    def __init__(self, session: Session, pool: RelayPool, store: Store, relays: Relays, ingest: Ingest,
                 notifications: Notifications, spawn: Callable[[Awaitable[Any]], asyncio.Task[Any]]) -> None:
        self._session = session
        self._pool = pool
        self._store = store
        self._relays = relays
        self._ingest = ingest
        self._notes = notifications
        self._spawn = spawn
        self._before: BeforeDelivery | None = None
        self._delivering: dict[tuple[str, str], asyncio.Future[RelayResult]] = {}
        self._running: set[asyncio.Task[Any]] = set()

    def before_delivery(self, hook: BeforeDelivery) -> None:
        """Let `hook` check (and maybe rebuild or drop) each outbox event before it goes to a relay."""
        self._before = hook

    async def publish(self, template: EventTemplate, targets: Sequence[str], *,
                      draft_key: str | None = None) -> Sending:
        """Sign `template`, put it in the outbox for `targets` and the store, then deliver in the background.

        Returns as soon as the event is safe in the outbox (the draft `draft_key` is deleted with it)."""
        chosen = list(dict.fromkeys(targets))
        if not chosen:
            raise ClientError("no relay to publish to: add one to the config or your relay list")
        event = await self._session.sign(template)
        return await self.enqueue(event, chosen, draft_key=draft_key)

    async def enqueue(self, event: Event, targets: Sequence[str], *, draft_key: str | None = None) -> Sending:
        """Put an already signed event in the outbox and the store, then deliver it in the background."""
        chosen = list(dict.fromkeys(targets))
        if not chosen:
            raise ClientError("no relay to publish to: add one to the config or your relay list")
        for url in chosen:
            self._relays.keep(url)  # the outbox retries there when it reconnects
        with translated():
            await self._store.state(lambda s: s.outbox_add(event, chosen, draft_key=draft_key))
            await self._ingest.add_own([event])
        sending = Sending(event, chosen)
        self._track(self._spawn(self._deliver(event, chosen, sending)))
        await self.report()
        return sending

    async def broadcast(self, event: Event, relays: Sequence[str]) -> list[RelayResult]:
        """Send a signed event to these relays once, without the outbox (for `nostr-tui publish`)."""
        async with self._relays.borrowed(relays) as chosen:
            return list(await self._pool.publish(event, chosen))

    async def _deliver(self, event: Event, relays: Sequence[str], sending: Sending | None = None) -> None:
        remaining = len(relays)

        async def one(url: str) -> None:
            nonlocal remaining
            key = (event.id, url)
            try:
                result = await self._shared(key, event, url)
            finally:
                remaining -= 1
            if sending is not None:
                sending._put(result)
            self._notes.put(PublishProgress(event.id, result, remaining))

        try:
            await asyncio.gather(*(one(u) for u in relays))
        finally:
            if sending is not None:
                sending._finish()
            await self.report()

    async def _shared(self, key: tuple[str, str], event: Event, url: str) -> RelayResult:
        """Deliver to one relay; when a retry already sends it there, its answer is this one's too."""
        under_way = self._delivering.get(key)
        if under_way is not None:
            try:
                return await asyncio.shield(under_way)
            except asyncio.CancelledError:
                if not under_way.cancelled():
                    raise  # this one was stopped
            except Exception:  # that attempt failed: this one tries for itself
                pass
        mine: asyncio.Future[RelayResult] = asyncio.get_running_loop().create_future()
        self._delivering[key] = mine
        try:
            result = await self._deliver_one(event, url)
        except BaseException:
            mine.cancel()
            raise
        finally:
            if self._delivering.get(key) is mine:
                del self._delivering[key]
        mine.set_result(result)
        return result

    async def _deliver_one(self, event: Event, url: str) -> RelayResult:
        to_send: Event | Hold = event
        if self._before is not None:
            to_send = await self._before(event, url)
        if isinstance(to_send, Hold):
            if to_send.drop:
                await self._store.state(lambda s: s.outbox_give_up(event.id, url))
                return RelayResult(url, PublishStatus.REJECTED, to_send.reason)
            return RelayResult(url, PublishStatus.UNREACHABLE, to_send.reason)
        await self._store.state(lambda s: s.outbox_attempt(event.id, url))
        result = (await self._pool.publish(to_send, [url]))[0]
        accepted = result.status is PublishStatus.ACCEPTED
        if accepted or result.status is PublishStatus.REJECTED:
            await self._store.state(lambda s: s.outbox_result(event.id, url, accepted, result.message))
        return result

    def _track(self, task: asyncio.Task[Any]) -> None:
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def idle(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) until no delivery or outbox retry is under way."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._running and loop.time() < deadline:
            await asyncio.wait(set(self._running), timeout=max(0.0, deadline - loop.time()))

    async def retry(self, url: str) -> None:
        """Send every event still pending for this relay (called when it connects)."""
        task = asyncio.current_task()
        if task is not None:
            self._track(task)
        pending = await self._store.state(lambda s: s.outbox_pending(url))
        for event in pending:
            if not self._relays.known(url):
                return
            await self._deliver(event, [url])

    async def retry_now(self, event_id: str) -> None:
        """Try every relay still pending (or that rejected it) for one outbox event again, now."""
        entry = await self._store.state(lambda s: s.outbox_get(event_id))
        if entry is None:
            return
        urls = [d.relay for d in entry.deliveries if d.state is not Delivery.ACCEPTED]

        def again(state: StateStore) -> None:
            for url in urls:
                state.outbox_retry(event_id, url)

        await self._store.state(again)
        for url in urls:
            self._relays.keep(url)
        await self._deliver(entry.event, urls)

    async def discard(self, event_id: str) -> None:
        """Take an event out of the outbox (it is not sent anywhere else)."""
        with translated():
            await self._store.state(lambda s: s.outbox_give_up(event_id))
        await self.report()

    async def outbox(self) -> list[OutboxItem]:
        """Every event not yet accepted by all its relays, oldest first, with per-relay states."""
        with translated():
            entries = await self._store.state(lambda s: s.outbox_entries())
        return [_item(e) for e in entries]

    async def report(self) -> None:
        """Announce how many events wait in the outbox."""
        items = await self.outbox()
        waiting = [i for i in items if i.pending]
        unsent = sum(1 for i in waiting if i.unsent)
        self._notes.put(OutboxChanged(unsent, len(waiting) - unsent, sum(i.pending for i in waiting)))
