"""A flooding relay for the TUI benchmark: `python -m benchmarks.flood_relay EVENTS.jsonl RATE` prints its URL.

To each REQ it answers EOSE at once, then offers the file's events as live EVENT frames at RATE per second
(in slices every 10 ms, pre-encoded websocket frames written straight to the socket), for as long as the
client reads them: when the socket's send buffer holds more than a second's worth, it waits. After the last
event it starts again from the first (by then long forgotten by the client's memory of recent ids; the store
counts them as duplicates). A REQ for older notes (with `until`) gets EOSE only.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from .req_relay import _ws_frame

SLICE = 0.01


async def main(path: Path, rate: int) -> None:
    events = [line.encode() for line in path.read_text(encoding="utf-8").splitlines()]
    per_slice = max(1, int(rate * SLICE))
    sent = 0

    async def flood(ws: ServerConnection, sub_id: str) -> None:
        nonlocal sent
        head = ('["EVENT",' + json.dumps(sub_id) + ",").encode()
        transport: Any = ws.transport
        at = 0
        start = time.monotonic()
        while True:
            due = int((time.monotonic() - start) * rate)  # what the rate allows by now
            count = min(per_slice * 4, due - sent) if due > sent else 0
            if count and transport.get_write_buffer_size() < rate * 800:
                chunk = []
                for _ in range(count):
                    chunk.append(_ws_frame(head + events[at] + b"]"))
                    at = (at + 1) % len(events)
                transport.write(b"".join(chunk))
                sent += count
            elif transport.get_write_buffer_size() >= rate * 800:
                start += SLICE  # the client is behind: what it does not take is not owed later
            if transport.is_closing():
                return
            await asyncio.sleep(SLICE)

    async def handler(ws: ServerConnection) -> None:
        tasks = []
        try:
            await serve_one(ws, tasks)
        except ConnectionClosed:
            pass  # the app quit
        finally:
            for t in tasks:
                t.cancel()

    async def serve_one(ws: ServerConnection, tasks: list[asyncio.Future[None]]) -> None:
        async for message in ws:
            frame = json.loads(message)
            if isinstance(frame, list) and len(frame) >= 2 and frame[0] == "REQ":
                await ws.send(json.dumps(["EOSE", frame[1]]))
                filters = [f for f in frame[2:] if isinstance(f, dict)]
                if any(1 in (f.get("kinds") or []) and "until" not in f
                       and not any(k == "authors" or k[:1] == "#" for k in f) for f in filters):
                    tasks.append(asyncio.ensure_future(flood(ws, str(frame[1]))))  # a live global feed

    async with serve(handler, "127.0.0.1", 0, ping_interval=None, max_size=None, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"ws://127.0.0.1:{port}", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
