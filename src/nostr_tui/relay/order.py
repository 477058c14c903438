"""The order of one connection's frames: an event whose check is still running holds back what came after it.

Each EVENT frame that cannot be settled at once gets a `Ticket` in its connection's `FrameOrder`; once its
outcome is known the ticket is settled with the action that applies it (deliver, count as duplicate, drop).
Actions run strictly in arrival order, so an EOSE or CLOSED queued with `then()` takes effect only after
every EVENT that preceded it on the connection was delivered or dropped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

Action = Callable[[], None]


class Ticket:
    """One frame's place in its connection's order. `job`, when set, is the check the relay must start."""

    __slots__ = ("_action", "_order", "job")

    def __init__(self, job: Any = None) -> None:
        self.job = job
        self._action: Action | None = None
        self._order: FrameOrder | None = None

    @property
    def settled(self) -> bool:
        """True once the outcome (the action to apply) is known."""
        return self._action is not None

    def settle(self, action: Action) -> None:
        """Set the action that applies this frame's outcome; it runs when every earlier frame's has. Once only."""
        if self._action is not None:
            return
        self._action = action
        if self._order is not None:
            self._order.advance()


def _nothing() -> None:
    return None


class FrameOrder:
    """The tickets of one connection, applied first in, first out."""

    def __init__(self) -> None:
        self._queue: deque[Ticket] = deque()
        self._running = False
        self._changed: asyncio.Event | None = None  # made when someone waits
        self.closed = False  # set when the connection is gone: control actions queued after this are dropped

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, ticket: Ticket) -> None:
        """Queue a frame's ticket; applied at once when settled and nothing is ahead of it."""
        ticket._order = self
        self._queue.append(ticket)
        if ticket._action is not None and len(self._queue) == 1:
            self.advance()

    def then(self, action: Action) -> None:
        """Run `action` after every frame queued so far was applied (at once when none is waiting)."""
        if not self._queue and not self._running:
            action()
            return
        ticket = Ticket()
        ticket._action = action
        self.add(ticket)

    def advance(self) -> None:
        """Apply the settled tickets at the head of the queue."""
        queue = self._queue
        if self._running or not queue or queue[0]._action is None:
            return
        self._running = True
        try:
            while queue and queue[0]._action is not None:
                action = queue.popleft()._action or _nothing
                try:
                    action()
                except Exception as exc:  # one bad callback must not stall the connection's order
                    asyncio.get_running_loop().call_exception_handler(
                        {"message": "error applying a relay frame", "exception": exc}
                    )
        finally:
            self._running = False
            changed, self._changed = self._changed, None
            if changed is not None:
                changed.set()

    async def wait_shorter(self, limit: int) -> None:
        """Wait until fewer than `limit` frames wait in the queue."""
        while len(self._queue) >= limit:
            if self._changed is None:
                self._changed = asyncio.Event()
            await self._changed.wait()

    async def wait_empty(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until every queued frame was applied; False on the timeout."""
        try:
            async with asyncio.timeout(timeout):
                await self.wait_shorter(1)
        except TimeoutError:
            return False
        return True
