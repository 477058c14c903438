"""Keepalive for one connection: any frame from the relay is proof of life.

A ping goes out only after a quiet `interval`, and the connection is given up only when nothing at all (no
frame, no pong) came back within `interval` after it. While the client itself has stopped reading (a reader
behind, frames waiting to be checked), silence is not the relay's fault and no deadline runs: a pong that waits
behind megabytes of unread events must not end a healthy connection.
"""

from __future__ import annotations

import asyncio
from typing import Any


class Keepalive:
    """Watches one websocket; `dead` is set (with `reason`) when the relay stopped answering."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.reason = ""
        self._last = 0.0
        self._paused = 0
        self._loop = asyncio.get_running_loop()
        self._last = self._loop.time()

    def seen(self) -> None:
        """A frame arrived."""
        self._last = self._loop.time()

    def pause(self) -> None:
        """The client stops reading for a while: no deadline runs until `resume()`."""
        self._paused += 1

    def resume(self) -> None:
        """Reading again; the quiet time counts from now."""
        self._paused = max(0, self._paused - 1)
        self._last = self._loop.time()

    async def watch(self, ws: Any) -> None:
        """Ping after quiet intervals; return once the relay failed to answer one (the caller closes)."""
        loop = self._loop
        while True:
            wait = self._last + self.interval - loop.time()
            if wait > 0 or self._paused:
                await asyncio.sleep(max(wait, 0.05 * self.interval))
                continue
            sent_at = loop.time()
            try:
                pong = await ws.ping()
            except Exception:  # the connection is already closing; the reader reports why
                return
            deadline = sent_at + self.interval
            while loop.time() < deadline and self._last < sent_at and not pong.done():
                await asyncio.wait({pong}, timeout=min(deadline - loop.time(), 0.05 * self.interval))
                if self._paused:  # we stopped reading: the pong may be behind unread frames
                    deadline = loop.time() + self.interval
            if pong.done() or self._last >= sent_at:
                self._last = max(self._last, sent_at)
                continue
            self.reason = f"the relay did not answer a keepalive ping within {self.interval:g} s"
            return
