"""Child: the headless client posting a note to a relay that does not answer, from a saved draft.

`python _publish_child.py CONFIG DRAFT_KEY TEXT`; prints READY just before publishing, then waits to be killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.support.keys import PASSPHRASE

from nostr_tui.client import Client
from nostr_tui.config import load_config
from nostr_tui.keystore.passphrase import fixed


async def main(config: Path, key: str, text: str) -> None:
    client = Client(load_config(config), passphrase=fixed(PASSPHRASE))
    await client.start()
    await client.lists.wait_synced()
    await client.drafts.save(key, text)  # what the compose pane holds when the person presses send
    print("READY", flush=True)
    await (await client.notes.post(text, draft_key=key)).results()
    print("RETURNED", flush=True)
    await asyncio.sleep(120)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
