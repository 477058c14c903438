"""The verifier process's main loop (run by verify_process.py, never imported by the client).

It reads requests from stdin, each a 4-byte little-endian length and that many bytes of 128-byte signature
checks (x-only public key, signed hash, signature), and answers each on stdout, in order, with a 4-byte length
and one byte per check (1 valid, 0 not). It ends when stdin closes: when its parent closes it or dies.
It is started as a file, so that only `nostr_tui.protocol.keys` is imported (not the relay package).
"""

from __future__ import annotations

import sys
from typing import BinaryIO


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer every request read from `requests` on `answers` until `requests` ends."""
    from nostr_tui.protocol.keys import verify_many

    while True:
        head = requests.read(4)
        if len(head) < 4:
            return
        size = int.from_bytes(head, "little")
        blob = requests.read(size)
        if len(blob) < size:
            return
        answer = verify_many(blob)
        answers.write(len(answer).to_bytes(4, "little") + answer)
        answers.flush()


if __name__ == "__main__":
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except (BrokenPipeError, KeyboardInterrupt):  # the parent went away
        pass
