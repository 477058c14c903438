"""Delivering what the user publishes: every event is in the outbox first, each relay's answer recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..protocol.event import Event
from ..relay.notifications import PublishStatus, RelayResult
from ..store.state import Delivery, OutboxEntry
from .events import OutboxChanged, PublishProgress

if TYPE_CHECKING:
    from ..relay.pool import RelayPool
    from ..store.aio import Store
    from .events import EventQueue


class OutboxMixin:
    """Part of NostrClient: delivery of outbox events, retries when relays return, the unsent count."""

    db: Store
    pool: RelayPool
    events: EventQueue
    _closing: bool

    async def unsent(self) -> list[OutboxEntry]:
        """Outbox entries that some relay has still to take (rejections are final, not unsent)."""
        entries = await self.db.state(lambda s: s.outbox_entries())
        return [e for e in entries if any(d.state is Delivery.PENDING for d in e.deliveries)]

    async def _report_outbox(self) -> None:
        self.events.put(OutboxChanged(len(await self.unsent())))

    async def retry_outbox(self, url: str) -> None:
        """Send every event still pending for this relay (called when it connects)."""
        pending = await self.db.state(lambda s: s.outbox_pending(url))
        for event in pending:
            if self.pool.relay(url) is None or self._closing:
                return
            await self.deliver(event, [url])

    async def deliver(self, event: Event, relays: Sequence[str]) -> list[RelayResult]:
        """Publish an event already in the outbox; record and announce each relay's answer."""
        results: list[RelayResult] = []
        remaining = len(relays)

        async def one(url: str) -> None:
            nonlocal remaining
            await self.db.state(lambda s: s.outbox_attempt(event.id, url))
            result = (await self.pool.publish(event, [url]))[0]
            accepted = result.status is PublishStatus.ACCEPTED
            if accepted or result.status is PublishStatus.REJECTED:
                await self.db.state(lambda s: s.outbox_result(event.id, url, accepted, result.message))
            remaining -= 1
            results.append(result)
            self.events.put(PublishProgress(event.id, result, remaining))

        await asyncio.gather(*(one(u) for u in relays))
        await self._report_outbox()
        return results
