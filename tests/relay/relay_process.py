"""Run nostr-sdk's LocalRelay as its own process: `python relay_process.py PORT [auth]`; prints its URL."""

from __future__ import annotations

import asyncio
import sys

import nostr_sdk


async def main(port: int) -> None:
    relay = nostr_sdk.LocalRelayBuilder().addr("127.0.0.1").port(port).build()
    await relay.run()
    print(str(await relay.url()), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
