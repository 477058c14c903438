"""nostr-sdk's LocalRelay as its own process: `python relay_process.py FD [auth]`; prints its URL.

FD is a socket the parent bound on 127.0.0.1 (without listening) and passed down: it holds the relay's port
until the relay binds it, so no other process can take the port in between. With `auth` the relay demands
NIP-42 login for reading and writing. If the relay cannot start, one line `error: ...` is printed instead.
"""

from __future__ import annotations

import asyncio
import socket
import sys

import nostr_sdk


async def main(fd: int, auth: bool) -> int:
    hold = socket.socket(fileno=fd)
    port = hold.getsockname()[1]
    builder = nostr_sdk.LocalRelayBuilder().addr("127.0.0.1").port(port)
    if auth:
        builder = builder.nip42(nostr_sdk.LocalRelayBuilderNip42(mode=nostr_sdk.LocalRelayBuilderNip42Mode.BOTH))
    relay = builder.build()
    hold.close()  # the last moment: the relay binds the port now
    try:
        await relay.run()
    except Exception as exc:  # nostr_sdk's own error types
        print(f"error: {exc}", flush=True)
        return 1
    print(str(await relay.url()), flush=True)
    await asyncio.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]), sys.argv[2:3] == ["auth"])))
