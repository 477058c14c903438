"""The demo relay: nostr-sdk's LocalRelay on 127.0.0.1, in memory, seeded with the demo events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

from websockets.exceptions import WebSocketException

from ..protocol.event import Event
from . import DemoDataError, load_seed_events

__all__ = ["DemoRelay", "DemoRelayError", "load_seed_events", "publish_events", "start_demo_relay"]

NEED_NOSTR_SDK = "the demo needs nostr-sdk: pip install 'nostr-tui[demo]'"
# Generous limits so a demo feed can ask for everything at once, and so seeding is not rate limited.
FILTER_LIMIT = 5000
NOTES_PER_MINUTE = 100_000


class DemoRelayError(RuntimeError):
    """The demo relay could not start or could not be seeded. The message says what to do."""


class DemoRelay:
    """A running demo relay. `url` is its websocket address; `stop()` shuts it down (idempotent)."""

    def __init__(self, relay: Any, url: str, published: int) -> None:
        self._relay = relay
        self.url = url
        self.published = published
        self._stopped = False

    @property
    def running(self) -> bool:
        """False once stop() was called."""
        return not self._stopped

    async def stop(self) -> None:
        """Shut the relay down; its connections close and its port is released."""
        if not self._stopped:
            self._stopped = True
            self._relay.shutdown()
            await asyncio.sleep(0)

    async def __aenter__(self) -> DemoRelay:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"DemoRelay({self.url!r}, {self.published} events, {state})"


def _default_connect(url: str) -> Any:
    from websockets.asyncio.client import connect

    return connect(url, open_timeout=5, close_timeout=1, max_size=2**20)


async def publish_events(
    url: str,
    events: Sequence[Event],
    *,
    timeout: float = 20.0,
    connect: Callable[[str], Any] = _default_connect,
) -> int:
    """Send every event to the relay at `url` over one websocket and wait for all OKs.

    Returns how many were accepted. Raises DemoRelayError on a refusal, a dropped connection or a timeout.
    """
    pending = {ev.id for ev in events}
    try:
        async with asyncio.timeout(timeout):
            async with connect(url) as ws:
                for ev in events:
                    await ws.send(json.dumps(["EVENT", ev.to_dict()], ensure_ascii=False))
                while pending:
                    msg = json.loads(await ws.recv())
                    if not (isinstance(msg, list) and len(msg) >= 3 and msg[0] == "OK"):
                        continue
                    if isinstance(msg[1], str) and msg[1] in pending:
                        if msg[2] is not True:
                            reason = msg[3] if len(msg) > 3 else ""
                            raise DemoRelayError(f"the demo relay refused event {msg[1][:12]}: {reason}")
                        pending.discard(msg[1])
    except TimeoutError:
        raise DemoRelayError(
            f"the demo relay at {url} did not confirm {len(pending)} of {len(events)} events "
            f"within {timeout:g} s"
        ) from None
    except (OSError, WebSocketException, ValueError) as exc:  # connection failures, closes, bad JSON
        raise DemoRelayError(f"could not seed the demo relay at {url}: {exc}") from None
    return len(events)


async def start_demo_relay(
    port: int | None = None,
    *,
    events: Sequence[Event] | None = None,
    timeout: float = 20.0,
    connect: Callable[[str], Any] = _default_connect,
) -> DemoRelay:
    """Start an in-memory relay on 127.0.0.1 (`port`, or a free one) holding the demo events.

    `events` defaults to the shipped seed events. Raises DemoRelayError when nostr-sdk is missing, the port
    is taken, the demo data is damaged or seeding fails; the relay is shut down again in that case.
    """
    try:
        import nostr_sdk
    except ImportError:
        raise DemoRelayError(NEED_NOSTR_SDK) from None
    try:
        seed = list(events) if events is not None else load_seed_events()
    except DemoDataError as exc:
        raise DemoRelayError(str(exc)) from None
    builder = (
        nostr_sdk.LocalRelayBuilder()
        .addr("127.0.0.1")
        .default_filter_limit(FILTER_LIMIT)
        .max_filter_limit(FILTER_LIMIT)
        .rate_limit(nostr_sdk.RateLimit(max_reqs=1000, notes_per_minute=NOTES_PER_MINUTE))
    )
    if port is not None:
        builder = builder.port(port)
    relay = builder.build()
    try:
        await relay.run()
        url = str(await relay.url())
    except Exception as exc:  # nostr_sdk raises its own error types (e.g. address in use)
        relay.shutdown()
        where = f"127.0.0.1:{port}" if port is not None else "127.0.0.1"
        raise DemoRelayError(f"could not start the demo relay on {where}: {exc}") from None
    try:
        published = await publish_events(url, seed, timeout=timeout, connect=connect)
    except BaseException:
        relay.shutdown()
        raise
    return DemoRelay(relay, url, published)
