"""Run nostr-sdk's LocalRelay as its own process: `python relay_process.py PORT [auth]`; prints its URL.

With `auth` the relay demands NIP-42 login for reading and writing.
"""

from __future__ import annotations

import asyncio
import sys

import nostr_sdk


async def main(port: int, auth: bool) -> None:
    builder = nostr_sdk.LocalRelayBuilder().addr("127.0.0.1").port(port)
    if auth:
        builder = builder.nip42(nostr_sdk.LocalRelayBuilderNip42(mode=nostr_sdk.LocalRelayBuilderNip42Mode.BOTH))
    relay = builder.build()
    await relay.run()
    print(str(await relay.url()), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2:3] == ["auth"]))
