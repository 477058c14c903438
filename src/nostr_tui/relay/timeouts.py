"""Waiting with a deadline without losing a cancellation.

On Python 3.11, `asyncio.wait_for` returns the result when the awaited thing finishes in the same moment
as the waiting task is cancelled, and the cancellation is gone. A relay being closed while its reader
waits for a subscription that is ending (both happen when the app quits) then kept reading. `within`
awaits in the task itself under `asyncio.timeout`, so a cancellation always reaches the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(awaitable: Awaitable[T], timeout: float | None) -> T:
    """Await `awaitable` for at most `timeout` seconds (None: no limit); TimeoutError past it."""
    async with asyncio.timeout(timeout):
        return await awaitable
