"""Child: the real TUI (headless) whose key unlocking crashes deep inside decryption, where the passphrase and
the encrypted key are local variables; Textual prints its crash report on stderr.

`python _crash_child.py CONFIG`
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.keys import PASSPHRASE

import nostr_tui.protocol.nip49 as nip49
import nostr_tui.tui.app
from nostr_tui.config import load_config
from nostr_tui.keystore.passphrase import fixed
from nostr_tui.tui.app import NostrApp


def out_of_memory(password: str, salt: bytes, log_n: int) -> bytes:
    raise MemoryError("scrypt could not get its memory")


class Crashing(NostrApp):
    CSS_PATH = str(Path(nostr_tui.tui.app.__file__).parent / str(NostrApp.CSS_PATH))

    async def on_mount(self) -> None:
        await super().on_mount()
        nip49.symmetric_key = out_of_memory  # type: ignore[assignment]
        self.call_later(self.unlock)

    async def unlock(self) -> None:
        await self.client.session.unlock()  # not in a worker: an error here ends the app with a crash report


if __name__ == "__main__":
    app = Crashing(load_config(Path(sys.argv[1])), prompt=fixed(PASSPHRASE))
    app.run(headless=True, size=(100, 30))
    sys.exit(app.return_code or 0)
