"""Opening websockets: the injectable connect function, failures in words, and where a handshake ended up."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.uri import WebSocketURI, parse_uri

ConnectFn = Callable[..., Awaitable[Any]]
"""Opens a websocket: called as `connect(url, open_timeout=, ping_interval=, ping_timeout=, max_size=,
close_timeout=)` and returns a connection with `send(str)`, `close()` and async iteration over messages.
A connection of the `websockets` library also tells where its handshake ended (after HTTP redirects);
NIP-42 logins are answered only on a connection that ended at the relay's own URL."""


def default_connect(url: str, **kwargs: Any) -> Awaitable[Any]:
    """Open a websocket with the `websockets` asyncio client."""
    kwargs.setdefault("max_queue", 64)  # fewer pauses of the socket when a relay streams quickly
    return ws_connect(url, **kwargs)


def describe_error(exc: BaseException) -> str:
    """A short, human-readable reason for a failed or lost connection."""
    if isinstance(exc, (InvalidURI, ValueError)):
        return "not a valid websocket URL"
    if isinstance(exc, InvalidStatus):
        return f"the server answered HTTP {exc.response.status_code} instead of a websocket"
    if isinstance(exc, InvalidHandshake):
        return "websocket handshake failed"
    if isinstance(exc, TimeoutError):
        return "connection timed out"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionClosed):
        if exc.sent is not None and exc.sent.code == 1009:
            return "the relay sent a frame larger than the maximum size"
        if exc.rcvd is not None:
            why = f": {exc.rcvd.reason}" if exc.rcvd.reason else ""
            return f"the relay closed the connection (code {exc.rcvd.code}{why})"[:200]
        return "connection lost"
    if isinstance(exc, OSError):
        return (exc.strerror or "network error").lower()
    return f"connection failed ({type(exc).__name__})"


def redirected_to(url: str, ws: Any) -> str | None:
    """Where the handshake for `url` ended when that is somewhere else (an HTTP redirect was followed).

    None when it ended at `url` itself, or when the connection does not say (a connect function that is
    not the `websockets` library's). The answer names scheme, host, port and path, never user info.
    """
    landed = getattr(getattr(ws, "protocol", None), "uri", None)
    if not isinstance(landed, WebSocketURI):
        return None
    try:
        asked = parse_uri(url)
    except InvalidURI:
        return None
    if _place(asked) == _place(landed):
        return None
    host = f"[{landed.host}]" if ":" in landed.host else landed.host
    return f"{'wss' if landed.secure else 'ws'}://{host}:{landed.port}{landed.resource_name}"


def _place(uri: WebSocketURI) -> tuple[bool, str, int, str]:
    return uri.secure, uri.host, uri.port, uri.resource_name
