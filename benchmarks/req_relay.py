"""The benchmark relay: a websockets server on 127.0.0.1 (port 0) answering every REQ with pre-serialized events.

`python -m benchmarks.req_relay EVENTS.jsonl` prints its URL, then serves until killed. For each REQ it sends the
first `limit` events of the file (all of them without a limit) as EVENT frames for that subscription, then EOSE.
The frames of a REQ are encoded once, as one buffer of whole websocket frames written to the socket at once, so
the relay costs next to nothing per event and the clients measured against it compete only with each other's
own work. It ignores CLOSE and everything else, and sends no pings.
"""

from __future__ import annotations

import asyncio
import json
import struct
import sys
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, serve


def _ws_frame(payload: bytes) -> bytes:
    """One unmasked websocket text frame (what a server sends)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 1 << 16:
        return b"\x81\x7e" + struct.pack("!H", n) + payload
    return b"\x81\x7f" + struct.pack("!Q", n) + payload


def frames_for(sub_id: str, events: list[str], limit: int | None) -> bytes:
    """The EVENT frames of `events` (JSON objects as text) for `sub_id`, at most `limit`, as websocket frames."""
    head = ('["EVENT",' + json.dumps(sub_id) + ",").encode()
    chosen = events if limit is None else events[:limit]
    return b"".join(_ws_frame(head + e.encode() + b"]") for e in chosen)


def _limit(filters: list[Any]) -> int | None:
    limits = [f["limit"] for f in filters if isinstance(f, dict) and isinstance(f.get("limit"), int)]
    return max(limits) if limits else None


async def main(path: Path) -> None:
    events = path.read_text(encoding="utf-8").splitlines()

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            try:
                frame = json.loads(message)
            except ValueError:
                continue
            if not isinstance(frame, list) or len(frame) < 2 or frame[0] != "REQ":
                continue
            sub_id = str(frame[1])
            ws.transport.write(frames_for(sub_id, events, _limit(frame[2:])))
            await ws.send(json.dumps(["EOSE", sub_id]))

    async with serve(handler, "127.0.0.1", 0, ping_interval=None, max_size=None, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"ws://127.0.0.1:{port}", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
