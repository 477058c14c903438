"""A misbehaving relay written for the tests: a websockets server whose replies are a script."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve

Script = Callable[["Hostile", ServerConnection, list[Any]], Awaitable[None]]


class Hostile:
    """Calls `script(self, ws, frame)` for every JSON frame a client sends; counts connections.

    Like a websockets server it pings its clients every `ping_interval` seconds (None: never) and drops one
    whose pong does not come within as long.
    """

    def __init__(self, script: Script, ping_interval: float | None = 20.0) -> None:
        self.script = script
        self.ping_interval = ping_interval
        self.connections = 0
        self.received: list[list[Any]] = []
        self._server: Server | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self.url = ""

    async def __aenter__(self) -> Hostile:
        self._server = await serve(
            self._handler, "127.0.0.1", 0, max_size=None, compression=None, close_timeout=0.5,
            ping_interval=self.ping_interval, ping_timeout=self.ping_interval,
        )
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._handlers:  # scripts that stall on purpose
            task.cancel()
        await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            async for message in ws:
                frame = json.loads(message)
                self.received.append(frame)
                await self.script(self, ws, frame)
        except Exception:  # the client went away mid-script: fine for a hostile relay
            pass


def send_json(ws: ServerConnection, obj: Any) -> Awaitable[None]:
    """Send one JSON frame."""
    return ws.send(json.dumps(obj))


def answers_with(events: list[Any], *, eose: bool = True) -> Script:
    """A script answering every REQ with `events` (Event objects), then EOSE (or, with `eose=False`, silence)."""

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            for e in events:
                await send_json(ws, ["EVENT", frame[1], e.to_dict()])
            if eose:
                await send_json(ws, ["EOSE", frame[1]])

    return script
