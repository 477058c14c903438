"""Ports on 127.0.0.1 held by a test, so that no other test or process can be given them meanwhile.

A port found free and bound later is a race on a shared machine: in between, another process may bind it,
or the kernel may hand it out as the source port of an outgoing connection. So servers bind port 0 themselves
and report what they got, and a port that must refuse connections (a relay that is down) is held by a socket
that is bound but does not listen: connecting to it is refused, and nobody else is given it.
"""

from __future__ import annotations

import socket
from types import TracebackType


class PortHold:
    """A bound, non-listening socket on 127.0.0.1: connections to `port` are refused while it is held.

    Without `port` the kernel picks a free one and the hold is exclusive. With `port` (taking back a port a
    killed relay listened on) it sets SO_REUSEADDR, since that relay's last connections may linger in TIME_WAIT;
    it then still keeps the port from being used as a source port or picked by a bind to port 0, but another
    SO_REUSEADDR socket binding this very port number could share it.
    """

    def __init__(self, port: int = 0) -> None:
        self._sock: socket.socket | None = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if port:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._sock.bind(("127.0.0.1", port))
        except OSError:
            self._sock.close()
            raise
        self.port: int = self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        """The websocket URL of the held port (it refuses connections)."""
        return f"ws://127.0.0.1:{self.port}"

    @property
    def held(self) -> bool:
        """False once released."""
        return self._sock is not None

    def fileno(self) -> int:
        """The held socket's file descriptor (to pass the hold on to a child process)."""
        assert self._sock is not None, "released"
        return self._sock.fileno()

    def release(self) -> None:
        """Let the port go (right before a server binds it). Idempotent."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> PortHold:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def port_of(url: str) -> int:
    """The port number of a ws://host:port URL."""
    return int(url.rstrip("/").rsplit(":", 1)[1])
