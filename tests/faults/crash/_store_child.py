"""Child: a Client saving batches of relay events (and outbox entries) as fast as it can, until killed.

`python _store_child.py DATA_DIR FIRST_BATCH`; prints each batch number once its write has resolved.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from nostr_tui.client import Client
from nostr_tui.config import Config, KeysConfig
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay.subscription import Received

BATCH = 40
WRITERS = 3
RELAY = "ws://127.0.0.1:9"


async def main(data_dir: Path, first: int) -> None:
    client = Client(Config(relays=(), keys=KeysConfig(log_n=4), data_dir=data_dir))
    await client.start()
    key = SecretKey.from_hex("44" * 32)
    counter = iter(range(first, first + 1_000_000))

    async def writer() -> None:
        for b in counter:
            events = [sign_event(key, 1, f"batch {b} note {i} " + "x" * 400, [["t", f"b{b}"]],
                                 1_700_000_000 + b * 100 + i) for i in range(BATCH)]
            await client.ingest.store([Received(e, RELAY) for e in events])
            await client._store.outbox_add(events[0], [RELAY])  # the user's state file is written too
            print(b, flush=True)

    await asyncio.gather(*(writer() for _ in range(WRITERS)))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
