"""`--demo`: a seeded local relay, a temporary profile, and a demo account that can reply."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING

from ..client import Client
from ..config import Config, KeysConfig, NetworkConfig, RelayConfig
from ..protocol.filters import Filter

if TYPE_CHECKING:
    from .app import NostrApp

DEMO_LOG_N = 10  # a throwaway key in a throwaway profile


async def setup_demo(app: NostrApp) -> Client:
    """Start the demo relay, make the demo account (following every demo author), return the client."""
    from ..demo import DEMO_PORT, demo_follows
    from ..demo.relay import DemoRelayError, start_demo_relay
    from .run import temp_profile

    profile = temp_profile()
    app.data_dir = profile
    try:  # on the port the seed events' relay hints name, when it is free
        relay = await start_demo_relay(DEMO_PORT)
    except DemoRelayError:
        relay = await start_demo_relay()
    app.demo_relay = relay
    app.config = Config(
        relays=(RelayConfig(relay.url),),
        network=NetworkConfig(eose_timeout=3.0, publish_timeout=5.0),
        keys=KeysConfig(log_n=DEMO_LOG_N),
        keymap=app.config.keymap,
        ui=app.config.ui,
        data_dir=profile,
    )
    passphrase = secrets.token_urlsafe(24)  # only this process knows it; the profile is deleted on exit

    def ask(prompt: str, confirm: bool) -> str:
        return passphrase

    client = Client(app.config, data_dir=profile, passphrase=ask, clock=app.clock, interactive=True)
    await client.start()
    await client.session.generate("demo")
    profile_json = json.dumps({"name": "you (demo)", "about": "A throwaway demo account of nostr-tui."})
    sent = [await client.notes.publish(0, profile_json),
            await client.notes.publish(3, "", [["p", pk] for pk in demo_follows()])]
    for sending in sent:
        await sending.results()
    await client.lists.load()
    # Everything the demo relay holds lands in the store, so the feed opens full.
    await client.ingest.fetch([Filter.make(limit=5000)])
    return client
