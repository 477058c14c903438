"""Opening websockets: the injectable connect function, failures in words, and where a handshake ended up."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State
from websockets.streams import StreamReader
from websockets.uri import WebSocketURI, parse_uri

ConnectFn = Callable[..., Awaitable[Any]]
"""Opens a websocket: called as `connect(url, open_timeout=, ping_interval=, ping_timeout=, max_size=,
close_timeout=)` and returns a connection with `send(str)`, `close()`, `ping()`, and either
`deliver(callback, known)` (a `PushConnection`) or async iteration over messages. A connection of the
`websockets` library also tells where its handshake ended (after HTTP redirects); NIP-42 logins are answered
only on a connection that ended at the relay's own URL."""

Message = str | bytes

MAX_EARLY = 64
"""Messages a `PushConnection` keeps before `deliver` is called; reading pauses beyond that."""
MAX_FRAGMENTS = 4096
"""Frames one message may come in (as the `websockets` reader allows); more fails the connection."""


class PushConnection(ClientConnection):
    """A `websockets` client connection that hands each message to a callback as soon as it is parsed.

    The library's own reader queues every frame for `recv()`, and the reading task then wakes once per
    message to take it: for a relay that streams thousands of small EVENT frames, that queue and the task's
    turns cost about 2 us a message on top of the 6 us of reading it. Here `deliver(callback)` is called once,
    and every message (text as `str`, binary as `bytes`, a fragmented one whole) goes to the callback with its
    size in bytes, in order, from the socket's own read. Messages that came before `deliver` (an AUTH
    challenge right after the handshake) are handed over first. The callback pauses the socket with
    `pause_reading()` when it cannot keep up.

    Once the handshake is done and the library's parser waits between frames with nothing buffered, the
    socket's reads are split into frames here: a whole unfragmented text or binary frame without extension
    bits is delivered at once (0.8 us a frame before UTF-8 decoding, against 2.7 us in the library's parser,
    a chain of Python generators). Every other frame (ping, pong, close, fragments, a compressed message) is
    handed whole to the library, which then waits between frames again; a masked frame, or one over the
    size limit, goes to the library with all after it, and the library fails the connection. Everything
    else (handshake, ping and pong, close, the size limit) is the library's. Text that is not UTF-8 fails
    the connection with close code 1007, as the library's reader does; then nothing more is delivered.
    Async iteration is not available on such a connection.

    `deliver`'s `known(data, start, stop)` is first shown each whole text frame split off here as the
    undecoded bytes `data[start:stop]`, and returns True when it has dealt with the frame (a copy of an event
    already verified, identified by the ids at its start): such a frame is neither decoded nor delivered.
    Decoding 730 bytes with some non-ASCII text costs about 1 us, and five relays sending the same events make
    four copies of each; the text of a copy is never read, so it is not checked to be UTF-8 either.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deliver: Callable[[Message, int], None] | None = None
        self._known: Callable[[bytes, int, int], bool] | None = None
        self._early: list[tuple[Message, int]] = []
        self._parts: list[bytes] = []
        self._text = False
        self._failed = False
        self._split = False  # the library's parser is between frames: whole frames are split off here
        self._rest = b""  # the start of a frame not read whole yet (while splitting)

    def deliver(
        self, callback: Callable[[Message, int], None], known: Callable[[bytes, int, int], bool] | None = None
    ) -> None:
        """Send every message to `callback(message, size in bytes)` from now on, those that already came first;
        text frames that `known` deals with excepted (see the class docstring)."""
        early, self._early = self._early, []
        self._deliver = callback
        self._known = known
        for message, size in early:
            callback(message, size)
        if len(early) >= MAX_EARLY:
            self.resume_reading()

    def pause_reading(self) -> None:
        """Stop reading the socket (what was read is still delivered) until `resume_reading()`."""
        if not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        """Read the socket again."""
        if not self.transport.is_closing():
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        if not self._split:
            super().data_received(data)
            self._split = self._between_frames()
            return
        buf = self._rest + data if self._rest else data
        pos, whole = self._split_frames(buf)
        if whole:
            self._rest = buf[pos:]
            return
        self._rest = b""
        self._split = False
        if pos < len(buf) and not self._failed:
            super().data_received(buf[pos:])
            self._split = self._between_frames()

    def _split_frames(self, buf: bytes) -> tuple[int, bool]:
        """Handle the whole frames at the start of `buf`: (where the rest starts, True when it is the start
        of a frame still to come whole, False when the rest is the library's to read)."""
        protocol = self.protocol
        limit = protocol.max_message_size
        known = self._known
        end = len(buf)
        pos = 0
        while pos < end:
            if end - pos < 2:
                return pos, True
            first = buf[pos]
            size = buf[pos + 1]
            if size & 0x80:  # a masked frame from a server: the library fails the connection
                return pos, False
            head = 2 if size < 126 else 4 if size == 126 else 10
            if end - pos < head:  # the extended length has not come yet
                return pos, True
            if head > 2:
                size = int.from_bytes(buf[pos + 2 : pos + head])
            if limit is not None and size > limit:
                return pos, False
            stop = pos + head + size
            if stop > end:
                return pos, True
            if (first == 0x81 or first == 0x82) and not protocol.expect_continuation_frame:
                if first != 0x81 or known is None or not known(buf, pos + head, stop):
                    self._message(memoryview(buf)[pos + head : stop], first == 0x81)
            else:  # control frames, fragments, extensions: the library's
                super().data_received(buf[pos:stop])
                if not self._between_frames():
                    return stop, False
            pos = stop
            if self._failed:
                return pos, False
        return pos, True

    def _between_frames(self) -> bool:
        """True when the library's frame parser waits for the start of a frame with nothing buffered."""
        protocol = self.protocol
        if protocol.state is not State.OPEN or protocol.reader.buffer or self._failed:
            return False
        gen: Any = protocol.parser
        while getattr(gen, "gi_yieldfrom", None) is not None:
            gen = gen.gi_yieldfrom
        return getattr(gen, "gi_code", None) is StreamReader.at_eof.__code__

    def process_event(self, event: Any) -> None:
        if type(event) is not Frame or self._failed:
            super().process_event(event)  # the handshake's response; anything after a failure
            return
        opcode = event.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if not event.fin:
                self._text = opcode is Opcode.TEXT
                self._parts = [bytes(event.data)]
                return
            self._message(event.data, opcode is Opcode.TEXT)
        elif opcode is Opcode.CONT:
            self._parts.append(bytes(event.data))
            if len(self._parts) > MAX_FRAGMENTS:
                self._fail(CloseCode.MESSAGE_TOO_BIG, f"more than {MAX_FRAGMENTS} fragments")
            elif event.fin:
                data, self._parts = b"".join(self._parts), []
                self._message(data, self._text)
        else:
            super().process_event(event)  # ping, pong, close

    def _message(self, data: bytes | bytearray | memoryview, text: bool) -> None:
        message: Message
        if text:
            try:
                message = str(data, "utf-8")
            except UnicodeDecodeError as exc:
                self._fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
                return
        else:
            message = bytes(data)
        deliver = self._deliver
        if deliver is not None:
            deliver(message, len(data))
            return
        self._early.append((message, len(data)))
        if len(self._early) == MAX_EARLY:
            self.pause_reading()

    def _fail(self, code: CloseCode, reason: str) -> None:
        self._failed = True
        self._parts = []
        self.protocol.fail(code, reason)
        self.send_data()
        self.transport.close()  # the close frame goes out first; the peer's answer is not waited for


def default_connect(url: str, **kwargs: Any) -> Awaitable[Any]:
    """Open a websocket with the `websockets` asyncio client (a `PushConnection`)."""
    kwargs.setdefault("max_queue", 64)  # fewer pauses of the socket when a relay streams quickly
    kwargs.setdefault("create_connection", PushConnection)
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
