"""NIP-42 for one relay: the challenge of the current connection, whether to answer it, one login per connection.

A login is a kind 22242 event signed by the user; it is only ever sent where the user allowed it. A
connection whose websocket handshake was redirected to another URL never answers a challenge: the server
it ended at is not the relay the user trusted, and the signed event names the relay's URL, so that server
could replay it there to log in as the user.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from ..protocol.event import Event
from ..protocol.messages import OkMessage, encode_auth
from .notifications import AuthRequired, AuthResult, Notification
from .timeouts import within

AuthSigner = Callable[[str, str], "Event | Awaitable[Event | None] | None"]
"""Given (relay URL, challenge), a signed kind 22242 event (NIP-42), or None when no key is available."""

SendAndWait = Callable[[str, str, float], Awaitable[OkMessage]]


class Auth:
    """NIP-42 state of one relay URL.

    `allowed` is the user's permission to log in there; `signer` makes the login event; `notify` reports
    outcomes; `send_and_wait(event_id, text, timeout)` sends the AUTH frame and waits for its OK;
    `spawn(coro)` runs the login as a task of the current connection (cancelled when it closes).
    """

    def __init__(
        self,
        url: str,
        *,
        signer: AuthSigner | None,
        allowed: bool,
        notify: Callable[[Notification], None],
        send_and_wait: SendAndWait,
        spawn: Callable[[Coroutine[Any, Any, bool | None]], asyncio.Task[bool | None]],
        timeout: float,
    ) -> None:
        self.url = url
        self.allowed = allowed
        self.redirected_to: str | None = None
        self._signer = signer
        self._notify = notify
        self._send_and_wait = send_and_wait
        self._spawn = spawn
        self._timeout = timeout
        self._challenge: str | None = None
        self._challenged = asyncio.Event()
        self._task: asyncio.Task[bool | None] | None = None

    def connected(self, redirected_to: str | None) -> None:
        """A new connection opened (its handshake ended at `redirected_to` when that is another URL)."""
        self._challenge = None
        self._challenged = asyncio.Event()
        self._task = None
        self.redirected_to = redirected_to

    def disconnected(self) -> None:
        """The connection closed: its challenge and login are gone (the login task is cancelled with it)."""
        self._challenge = None
        self._task = None

    def challenge(self, challenge: str) -> None:
        """The relay sent an AUTH challenge."""
        self._challenge = challenge
        self._challenged.set()

    def may_log_in(self) -> bool:
        """True when a login is allowed and possible here once the relay sends its challenge."""
        return self.allowed and self._signer is not None and self.redirected_to is None

    async def wait_challenge(self, timeout: float) -> bool:
        """True once a login can be answered: at once when the challenge is here, else when it arrives within
        `timeout` (a relay may say "auth-required" before its AUTH frame reaches us)."""
        if self.can_auth():
            return True
        if not self.may_log_in():
            return False
        try:
            await within(self._challenged.wait(), timeout)
        except TimeoutError:
            return False
        return self.can_auth()

    def can_auth(self) -> bool:
        """True when the user allows AUTH here, a signer is set, the relay sent a challenge, and the
        connection was not redirected elsewhere."""
        return (
            self.allowed and self._signer is not None and self._challenge is not None and self.redirected_to is None
        )

    def login_reason(self, message: str) -> str:
        """The reason to show for a relay's "auth-required" message that will not be answered."""
        if self.allowed and self.redirected_to is not None:
            where = self.redirected_to
            return f"relay requires login, but the connection was redirected to {where}: not logging in there"[:1000]
        detail = message.partition(":")[2].strip()
        return f"relay requires login: {detail}"[:1000] if detail else "relay requires login"

    def refuse(self, message: str) -> str:
        """Report that a login the relay asked for is not possible here; returns the reason."""
        reason = self.login_reason(message)
        self._notify(AuthRequired(self.url, reason))
        return reason

    async def authenticate_once(self) -> bool | None:
        """Answer the current challenge (once per connection, shared by all callers).

        True: accepted; False: refused or impossible; None: no answer (timeout or connection lost).
        """
        task = self._task
        if task is None:
            task = self._task = self._spawn(self._login())
        await asyncio.wait({task})  # raises only when the caller itself is cancelled
        if task.cancelled():  # the connection closed under it
            return None
        if task.exception() is not None:
            return False
        return task.result()

    async def _login(self) -> bool | None:
        challenge = self._challenge
        if self._signer is None or challenge is None or self.redirected_to is not None:
            return False
        try:
            signed = self._signer(self.url, challenge)
            event = await signed if inspect.isawaitable(signed) else signed
        except Exception:  # a signer failure is reported, never fatal
            self._notify(AuthResult(self.url, False, "could not sign the login event"))
            return False
        if event is None:
            self._notify(AuthRequired(self.url, "relay requires login (no key to sign in)"))
            return False
        try:
            ok = await self._send_and_wait(event.id, encode_auth(event), self._timeout)
        except (TimeoutError, ConnectionError):
            self._notify(AuthResult(self.url, False, "no answer to AUTH"))
            return None
        self._notify(AuthResult(self.url, ok.accepted, ok.message[:1000]))
        return ok.accepted
