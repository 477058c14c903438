"""Where BIP-340 signatures are verified: a process of the pool's own, or an executor's threads.

Why a process: a thread verifying for the event loop does not run beside it on two cores. Each libsecp256k1
call releases the GIL, but the thread needs the GIL back after every signature (about 50 us of C), and the
loop holds it for its Python (a websocket read and the frames it carried: milliseconds) until it blocks or
the 5 ms switch interval forces it to let go. So the checks run one at a time between the loop's stretches,
and in practice the two take turns. A process has a GIL of its own: it loops over the signatures of a batch
in C-bound Python while the loop goes on, and the two meet twice per batch (one write, one read of a pipe).

`ProcessChecker` starts the child (verify_child.py) on first use with the interpreter running the client,
writes each batch to its stdin and reads the answers in order. When the child dies, what it had not answered
is sent again to a new one; when it cannot be started (or keeps dying), the checks run on a thread instead.
`ExecutorChecker` runs `keys.verify_many` on an executor (a test's, or that fallback thread).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import deque
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Protocol

from ..protocol.keys import verify_many

MAX_RESTARTS = 3
"""Times a verifier process that died is replaced before the checks move to a thread for good."""
CLOSE_TIMEOUT = 5.0

_BOOT = "import runpy, sys; sys.path.insert(0, sys.argv[1]); runpy.run_path(sys.argv[2], run_name='__main__')"


def child_command() -> list[str]:
    """How to start the verifier process: this interpreter, isolated, running verify_child.py from this copy of
    nostr_tui (so the child checks with the same code as its parent)."""
    here = Path(__file__).resolve()
    return [sys.executable, "-I", "-c", _BOOT, str(here.parents[2]), str(here.with_name("verify_child.py"))]


class SignatureChecker(Protocol):
    """Verifies buffers of 128-byte signature checks (see `keys.verify_many`) off the event loop."""

    def check(self, blob: bytes) -> asyncio.Future[bytes]:
        """One byte per check, 1 when valid; a cancelled future when the checker was stopped."""

    def stop(self) -> None:
        """Take no more checks; unanswered ones are cancelled."""

    async def close(self) -> None:
        """`stop()`, then wait until every thread or process of the checker's own has ended."""


def _cancelled() -> asyncio.Future[bytes]:
    future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    future.cancel()
    return future


class ExecutorChecker:
    """`keys.verify_many` on `executor`, or on a thread of its own when none is given (made on first use).

    An executor given is left running unless `owned`.
    """

    def __init__(self, executor: Executor | None = None, *, owned: bool = True) -> None:
        self._executor = executor
        self._owned = owned or executor is None
        self._in_flight: set[asyncio.Future[bytes]] = set()
        self._stopped = False

    def check(self, blob: bytes) -> asyncio.Future[bytes]:
        """Verify `blob` on the executor."""
        if self._stopped:
            return _cancelled()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="nostr-verify")
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, verify_many, blob)
        except RuntimeError:  # an injected executor that was shut down
            return _cancelled()
        self._in_flight.add(future)
        future.add_done_callback(self._in_flight.discard)
        return future

    def stop(self) -> None:
        """Take no more checks; an executor of its own is shut down (what it had not started is dropped)."""
        self._stopped = True
        if self._executor is not None and self._owned:
            self._executor.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        """`stop()`, then wait for the checks still running."""
        self.stop()
        if self._in_flight:
            await asyncio.wait(set(self._in_flight))


class ProcessChecker:
    """Signatures verified by a child process (see the module docstring); `command` starts it."""

    def __init__(self, command: list[str] | None = None) -> None:
        self._command = command or child_command()
        self._proc: asyncio.subprocess.Process | None = None
        self._starting: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiting: deque[tuple[asyncio.Future[bytes], bytes]] = deque()  # answers owed, in order
        self._restarts = 0
        self._fallback: ExecutorChecker | None = None
        self._stopped = False

    @property
    def pid(self) -> int | None:
        """The process id of the running child, if one runs."""
        return None if self._proc is None else self._proc.pid

    def start(self) -> None:
        """Start the child now (it takes tens of milliseconds), before the first batch needs it."""
        if self._proc is None and self._starting is None and self._fallback is None and not self._stopped:
            self._starting = asyncio.get_running_loop().create_task(self._start(), name="nostr-verify start")

    def check(self, blob: bytes) -> asyncio.Future[bytes]:
        """Send `blob` to the child; the future gets its answer."""
        if self._fallback is not None:
            return self._fallback.check(blob)
        if self._stopped:
            return _cancelled()
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        request = len(blob).to_bytes(4, "little") + blob
        self._waiting.append((future, request))
        if self._proc is not None and self._proc.stdin is not None:
            self._proc.stdin.write(request)
        else:
            self.start()
        return future

    async def _start(self) -> None:
        try:
            proc = await asyncio.create_subprocess_exec(
                *self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                start_new_session=True,  # no SIGINT from the terminal: it ends when its stdin closes
            )
        except (OSError, ValueError, RuntimeError, NotImplementedError):
            self._starting = None
            self._use_thread()
            return
        self._starting = None
        assert proc.stdin is not None
        if self._stopped:
            proc.stdin.close()
            await proc.wait()
            return
        self._proc = proc
        for _, request in self._waiting:
            proc.stdin.write(request)
        self._reader = asyncio.get_running_loop().create_task(self._read(proc), name="nostr-verify answers")

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        try:
            while True:
                head = await proc.stdout.readexactly(4)
                answer = await proc.stdout.readexactly(int.from_bytes(head, "little"))
                future, _ = self._waiting.popleft()
                if not future.done():
                    future.set_result(answer)
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass  # the child is gone (or answered what it was not asked)
        finally:
            self._proc = None
            if proc.returncode is None and proc.stdin is not None:
                proc.stdin.close()
            if not self._stopped:  # not ours to end: kill what answers wrongly, then replace it
                try:
                    proc.kill()
                except ProcessLookupError:
                    pass
            await proc.wait()
        if self._stopped:
            return
        self._restarts += 1
        if self._restarts > MAX_RESTARTS:
            self._use_thread()
        elif self._waiting:
            self.start()

    def _use_thread(self) -> None:
        """Check on a thread from here on, starting with what the child did not answer."""
        self._fallback = ExecutorChecker()
        waiting, self._waiting = self._waiting, deque()
        for future, request in waiting:
            if not future.done():
                answer = self._fallback.check(request[4:])
                answer.add_done_callback(partial(_relay, target=future))

    def stop(self) -> None:
        """Take no more checks; close the child's stdin (it exits) and cancel what it had not answered."""
        self._stopped = True
        proc = self._proc
        if proc is not None and proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        waiting, self._waiting = self._waiting, deque()
        for future, _ in waiting:
            future.cancel()
        if self._fallback is not None:
            self._fallback.stop()

    async def close(self) -> None:
        """`stop()`, then wait (bounded) for the child to exit, killing it if it does not."""
        self.stop()
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)
        reader, proc = self._reader, self._proc
        if reader is not None:
            try:
                await asyncio.wait_for(asyncio.shield(reader), CLOSE_TIMEOUT)
            except TimeoutError:
                if proc is not None:
                    proc.kill()
                await asyncio.gather(reader, return_exceptions=True)
        if self._fallback is not None:
            await self._fallback.close()


def _relay(source: asyncio.Future[bytes], *, target: asyncio.Future[bytes]) -> None:
    if target.done():
        return
    if source.cancelled() or source.exception() is not None:
        target.cancel()
    else:
        target.set_result(source.result())
