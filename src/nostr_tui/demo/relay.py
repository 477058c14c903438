"""The demo relay: nostr-sdk's LocalRelay on 127.0.0.1, in memory, seeded with the demo events."""

from __future__ import annotations

import asyncio
import errno
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from websockets.exceptions import WebSocketException

from ..protocol.event import Event
from . import DemoDataError, load_seed_events

__all__ = [
    "DemoRelay",
    "DemoRelayError",
    "load_seed_events",
    "publish_events",
    "run_local_relay",
    "start_demo_relay",
    "stop_local_relay",
]

NEED_NOSTR_SDK = "the demo needs nostr-sdk: pip install 'nostr-tui[demo]'"
# Generous limits so a demo feed can ask for everything at once, and so seeding is not rate limited.
FILTER_LIMIT = 5000
NOTES_PER_MINUTE = 100_000
# LocalRelay picks a free port by binding it, closing it, and binding it again: another process may take it
# in between. Those attempts are retried on another port.
BIND_ATTEMPTS = 20
STOP_TIMEOUT = 5.0


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
    def port(self) -> int:
        """The port on 127.0.0.1 the relay listens on (until stopped)."""
        return _port_of(self.url)

    @property
    def running(self) -> bool:
        """False once stop() was called."""
        return not self._stopped

    async def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Shut the relay down and return once its port refuses connections (it is free to bind again).

        Raises DemoRelayError if the port is still open after `timeout` seconds. A second call does nothing.
        """
        if not self._stopped:
            self._stopped = True
            await stop_local_relay(self._relay, self.port, timeout=timeout)

    async def __aenter__(self) -> DemoRelay:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"DemoRelay({self.url!r}, {self.published} events, {state})"


def _port_of(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def _address_in_use(exc: BaseException) -> bool:
    return os.strerror(errno.EADDRINUSE) in str(exc)


async def run_local_relay(make: Callable[[int | None], Any], port: int | None = None) -> tuple[Any, str]:
    """Build (`make(port)` returns a configured nostr-sdk LocalRelay) and run a relay; returns it and its URL.

    With `port` None the relay picks a free port; when another process takes that port before the relay binds
    it, another one is tried (up to BIND_ATTEMPTS). Raises what nostr-sdk raised when the relay cannot start.
    """
    for attempt in range(1, BIND_ATTEMPTS + 1):
        relay = make(port)
        try:
            await relay.run()
            return relay, str(await relay.url())
        except Exception as exc:  # nostr_sdk raises its own error types (e.g. address in use)
            if port is not None or attempt == BIND_ATTEMPTS or not _address_in_use(exc):
                raise
    raise AssertionError("unreachable")


async def _listening(port: int) -> bool:
    """True while something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1.0)
    except ConnectionRefusedError:
        return False
    except (OSError, TimeoutError):  # a full backlog or no local port left: not known to be closed
        return True
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:  # reset by the relay that is going away
        pass
    return True


async def stop_local_relay(relay: Any, port: int, *, timeout: float = STOP_TIMEOUT) -> None:
    """Shut a running LocalRelay down and wait (at most `timeout` seconds) until its port refuses connections.

    nostr-sdk's shutdown() wakes only the tasks waiting for it at that moment; one called while the relay's
    listener is busy (or not yet waiting, right after run()) is lost. So it is asked again until the port closes.
    Raises DemoRelayError when the port is still open after `timeout`.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        relay.shutdown()
        if not await _listening(port):
            return
        if loop.time() >= deadline:
            raise DemoRelayError(
                f"the relay on 127.0.0.1:{port} still accepts connections {timeout:g} s after its shutdown"
            )
        await asyncio.sleep(0.01)


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
    is taken, the demo data is damaged or seeding fails; in that case the relay is shut down again and its
    port released before the error is raised.
    """
    try:
        import nostr_sdk
    except ImportError:
        raise DemoRelayError(NEED_NOSTR_SDK) from None
    try:
        seed = list(events) if events is not None else load_seed_events()
    except DemoDataError as exc:
        raise DemoRelayError(str(exc)) from None
    def make(on: int | None) -> Any:
        builder = (
            nostr_sdk.LocalRelayBuilder()
            .addr("127.0.0.1")
            .default_filter_limit(FILTER_LIMIT)
            .max_filter_limit(FILTER_LIMIT)
            .rate_limit(nostr_sdk.RateLimit(max_reqs=1000, notes_per_minute=NOTES_PER_MINUTE))
        )
        return builder.build() if on is None else builder.port(on).build()

    try:
        relay, url = await run_local_relay(make, port)
    except Exception as exc:  # nostr_sdk raises its own error types (e.g. address in use)
        where = f"127.0.0.1:{port}" if port is not None else "127.0.0.1"
        raise DemoRelayError(f"could not start the demo relay on {where}: {exc}") from None
    running = DemoRelay(relay, url, 0)
    try:
        running.published = await publish_events(url, seed, timeout=timeout, connect=connect)
    except BaseException:
        await asyncio.shield(running.stop())  # the port is free again when the error is raised
        raise
    return running
