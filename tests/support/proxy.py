"""A TCP proxy on 127.0.0.1 in front of a relay, whose behaviour the test sets: up (forwarding), refusing
(every connection reset at once), or silent (connections accepted, nothing ever answered)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Literal

Mode = Literal["up", "refusing", "silent"]


class Proxy:
    """Listens on a port of its own for its whole life (so the URL stays the same); `mode` decides what a
    connection gets. Changing the mode cuts the connections open at that moment."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.mode: Mode = "up"
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        """The websocket URL that goes through the proxy."""
        return f"ws://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Proxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        self._cut()
        await asyncio.gather(*self._open, return_exceptions=True)
        await self._server.wait_closed()

    async def set(self, mode: Mode) -> None:
        """Behave as `mode` from now on; connections open now are cut."""
        self.mode = mode
        self._cut()
        await asyncio.gather(*self._open, return_exceptions=True)

    def _cut(self) -> None:
        for writer in list(self._writers):
            _reset(writer)
        for task in list(self._open):
            task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.mode == "refusing":
            _reset(writer)
            return
        task = asyncio.current_task()
        assert task is not None
        self._open.add(task)
        self._writers.add(writer)
        try:
            if self.mode == "silent":
                while await reader.read(65536):  # swallow everything, answer nothing
                    pass
                return
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
            self._writers.add(up_writer)
            try:
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            finally:
                self._writers.discard(up_writer)
                up_writer.close()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            self._open.discard(task)
            self._writers.discard(writer)
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        writer.write_eof()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (the other side sees the connection refused or reset, not a clean end)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()
