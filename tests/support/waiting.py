"""Bounded waits on what can be observed: a condition, a client notification, the screen of a Pilot test.

Each fails after its timeout; none sleeps to prove that something did not happen (wait for what happens
instead, then check that the other thing did not).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E")


async def eventually(check: Callable[[], Any], timeout: float = 10.0, step: float = 0.02) -> None:
    """Poll `check` (sync, or returning an awaitable) until it is true; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            value = check()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return
            await asyncio.sleep(step)


async def wait_for_event(
    client: Any, kind: type[E], pred: Callable[[E], bool] = lambda e: True, timeout: float = 8.0
) -> E:
    """The next notification of `client.notifications` of this type passing `pred` (others are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            item = await client.notifications.get()
            if isinstance(item, kind) and pred(item):
                return item


async def wait_for(pilot: Any, condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Let a Pilot-driven app run until `condition()` holds (fails after `timeout` seconds)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "timed out waiting for the screen"
        await pilot.pause(0.05)
