"""A hostile relay as its own process (so the client's memory is measured alone); prints its URL.

`python hostile_process.py flood EVENTS.jsonl [--live]`: for every REQ asking for kind 1 from anyone,
every event of the file (one JSON object a line) as fast as the socket takes them, then EOSE (with `--live` EOSE first,
so the flood arrives as live events); prints `sent N` after each flood.
`python hostile_process.py huge MIB EVENTS.jsonl`: on the first connection, an EVENT frame of MIB MiB
before the file's events; on later connections only the file's events. Both answer EVENT with OK true.
Built on the scripted relay of tests/relay/hostile.py; it sends no keepalive pings.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from websockets.asyncio.server import ServerConnection  # noqa: I001

from tests.relay.hostile import Hostile, send_json


def wants_notes(frame: list[Any]) -> bool:
    """True when a REQ has a filter asking for kind 1 from anyone (a global feed)."""
    return any(1 in (f.get("kinds") or []) and "authors" not in f for f in frame[2:] if isinstance(f, dict))


async def main(mode: str, args: list[str]) -> None:
    huge_mib = int(args.pop(0)) if mode == "huge" else 0
    lines = Path(args[0]).read_text().splitlines()
    live = "--live" in args

    async def script(h: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "EVENT":
            await send_json(ws, ["OK", frame[1]["id"], True, ""])
            return
        if frame[0] != "REQ":
            return
        sub = frame[1]
        if not wants_notes(frame):
            await send_json(ws, ["EOSE", sub])
            return
        if live:
            await send_json(ws, ["EOSE", sub])
        head = '["EVENT",' + json.dumps(sub) + ","
        if huge_mib and h.connections == 1:
            await ws.send(head + json.dumps({"content": "x" * (huge_mib << 20)}) + "]")
        for line in lines:
            await ws.send(head + line + "]")
        if not live:
            await send_json(ws, ["EOSE", sub])
        print(f"sent {len(lines)}", flush=True)

    # No keepalive pings from this relay: a ping it sends waits behind the flood it has already written until
    # the client has read all of that, so a machine slow enough would see the relay drop a client that reads
    # as fast as it can. A relay dropping slow readers is not what the flood tests measure.
    async with Hostile(script, ping_interval=None) as relay:
        print(relay.url, flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
