"""The other clients of the req benchmark, each run as its own process: `python -m benchmarks.req_clients MODE URL N`.

Every mode sends one REQ for kind 1 with limit N, reads until EOSE and prints how many events it accepted:
- `sdk`: nostr-sdk's Python Client (rust-nostr) `fetch_events`, which verifies every event;
- `aionostr`: aionostr's Relay, each event checked with its `verify()` (id and signature);
- `bare`: a single-core loop over websockets: json.loads, the canonical json.dumps, sha256, libsecp256k1 verify;
- `count`: a websockets client that only counts the frames (the floor of reading them).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from datetime import timedelta


async def _sdk(url: str, n: int) -> int:
    import nostr_sdk as ns

    client = ns.Client()
    await client.add_relay(ns.RelayUrl.parse(url))
    await client.connect()
    flt = ns.Filter().kind(ns.Kind(1)).limit(n)
    events = await client.fetch_events(ns.ReqTarget.auto([flt]), timedelta(seconds=120), max_events=n)
    count = len(events)
    await client.shutdown()
    return count


async def _aionostr(url: str, n: int) -> int:
    from aionostr.relay import Relay

    count = 0
    async with Relay(url, connect_timeout=10.0) as relay:
        queue = await relay.subscribe("aionostr", {"kinds": [1], "limit": n})
        while (event := await queue.get()) is not None:
            if event.verify():
                count += 1
    return count


async def _bare(url: str, n: int) -> int:
    from secp256k1 import PublicKey
    from websockets.asyncio.client import connect

    count = 0
    async with connect(url, max_size=None, compression=None) as ws:
        await ws.send(json.dumps(["REQ", "bare", {"kinds": [1], "limit": n}]))
        async for message in ws:
            frame = json.loads(message)
            if frame[0] == "EOSE":
                break
            e = frame[2]
            ser = json.dumps([0, e["pubkey"], e["created_at"], e["kind"], e["tags"], e["content"]],
                             separators=(",", ":"), ensure_ascii=False).encode()
            h = hashlib.sha256(ser).digest()
            if h.hex() == e["id"] and PublicKey(b"\x02" + bytes.fromhex(e["pubkey"]), raw=True).schnorr_verify(
                h, bytes.fromhex(e["sig"]), None, raw=True
            ):
                count += 1
    return count


async def _count(url: str, n: int) -> int:
    from websockets.asyncio.client import connect

    count = 0
    async with connect(url, max_size=None, compression=None) as ws:
        await ws.send(json.dumps(["REQ", "count", {"kinds": [1], "limit": n}]))
        async for message in ws:
            if isinstance(message, str) and message.startswith('["EOSE"'):
                break
            count += 1
    return count


MODES = {"sdk": _sdk, "aionostr": _aionostr, "bare": _bare, "count": _count}

if __name__ == "__main__":
    mode, url, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(asyncio.run(MODES[mode](url, limit)))
