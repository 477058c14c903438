"""Checking new events off the event loop: batches of raw EVENT frames verified on worker threads.

A worker decodes the frame's JSON, parses the event (id and signature: libsecp256k1's calls release the
GIL, so two workers use two cores), drops one dated too far ahead and matches it against the filters of the
subscription it came for. Only the outcome (`Checked`) goes back to the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, NamedTuple

from ..protocol.event import Event, EventError, parse_event
from ..protocol.filters import Filter, matches_any
from ..protocol.messages import MessageError, event_frame_id, load_frame

WORKERS = 1
"""Worker threads of the verifier the pool makes for itself. One: the checks hold the GIL for their Python part,
and a second thread costs more CPU in switching than it gains (measured: 113-121 vs 148-160 us per event)."""
BATCH_SIZE = 256
"""Frames in one batch at most; a batch is also sent as soon as the reader yields."""
BATCHES_IN_FLIGHT = 4
"""Batches one connection may have being checked; its reader waits for room beyond that."""
TOO_FAR_AHEAD = "created_at too far in the future"
NOT_CHECKED = "not checked (the verifier stopped)"


class Checked(NamedTuple):
    """The outcome of checking one frame: the valid event and whether it matched, or why it was dropped."""

    event: Event | None
    reason: str  # "" when the event is valid
    matched: bool  # the event passes one of the subscription's filters


class VerifyJob:
    """One frame to check: its raw text (or its already decoded event object), the subscription it came for
    (id and filters), and `done`, called on the event loop with the outcome."""

    __slots__ = ("done", "filters", "raw", "sub_id")

    def __init__(
        self,
        raw: str | dict[str, Any],
        sub_id: str,
        filters: tuple[Filter, ...],
        done: Callable[[Checked], None],
    ) -> None:
        self.raw = raw
        self.sub_id = sub_id
        self.filters = filters
        self.done = done


def check_frame(raw: str | dict[str, Any], sub_id: str, filters: tuple[Filter, ...], latest: float) -> Checked:
    """Decode and fully check one EVENT frame for `sub_id`; events dated after `latest` are dropped."""
    try:
        if isinstance(raw, str):
            frame = load_frame(raw)
            frame_sub, _ = event_frame_id(frame)
            if frame_sub != sub_id:
                raise MessageError("malformed message")
            raw = frame[2]
        event = parse_event(raw, verify_sig=True)
    except (MessageError, EventError) as exc:
        return Checked(None, exc.reason, False)
    if event.created_at > latest:
        return Checked(None, TOO_FAR_AHEAD, False)
    return Checked(event, "", matches_any(filters, event))


def check_batch(jobs: Sequence[VerifyJob], latest: float) -> list[Checked]:
    """`check_frame` for each job, in order (what a worker thread runs)."""
    return [check_frame(job.raw, job.sub_id, job.filters, latest) for job in jobs]


class Verifier:
    """Runs batches of `VerifyJob`s on an executor: its own `workers` threads (made on first use and shut
    down by `close()`), or `executor` when given (left running; its owner shuts it down).

    `clock` is wall time; an event dated more than `max_future` seconds after it is dropped.
    """

    def __init__(
        self,
        executor: Executor | None = None,
        *,
        workers: int = WORKERS,
        clock: Callable[[], float] = time.time,
        max_future: float = 15 * 60,
    ) -> None:
        self._executor = executor
        self._owned = executor is None
        self._workers = max(1, workers)
        self._clock = clock
        self.max_future = max_future
        self._in_flight: set[asyncio.Future[list[Checked]]] = set()
        self._closed = False

    def run(self, jobs: list[VerifyJob]) -> asyncio.Future[list[Checked]]:
        """Check `jobs` on a worker; each job's `done` is called (on the loop, in order) with its outcome."""
        loop = asyncio.get_running_loop()
        latest = self._clock() + self.max_future
        future: asyncio.Future[list[Checked]]
        try:
            if self._closed:
                raise RuntimeError("the verifier is closed")
            future = loop.run_in_executor(self._pool(), check_batch, jobs, latest)
        except RuntimeError:  # closed, or an injected executor that was shut down
            future = loop.create_future()
            future.cancel()
        else:
            self._in_flight.add(future)
        future.add_done_callback(lambda f: self._finished(f, jobs))
        return future

    def _pool(self) -> Executor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="nostr-verify")
        return self._executor

    def _finished(self, future: asyncio.Future[list[Checked]], jobs: list[VerifyJob]) -> None:
        self._in_flight.discard(future)
        if self._closed:  # the pool is shutting down: nobody waits for these any more
            return
        if future.cancelled() or future.exception() is not None:
            outcomes = [Checked(None, NOT_CHECKED, False)] * len(jobs)
        else:
            outcomes = future.result()
        for job, outcome in zip(jobs, outcomes, strict=True):
            try:
                job.done(outcome)
            except Exception as exc:  # one bad callback must not lose the other outcomes
                context = {"message": "error handling a checked event", "exception": exc}
                future.get_loop().call_exception_handler(context)

    def stop(self) -> None:
        """Stop taking batches; those not started are dropped and no job's `done` is called any more."""
        self._closed = True
        executor, self._executor = self._executor, None
        if executor is not None and self._owned:
            executor.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        """`stop()`, then wait for the batches still running."""
        self.stop()
        if self._in_flight:
            await asyncio.wait(set(self._in_flight))


class Batcher:
    """One connection's frames for the verifier, gathered into batches of at most `size`.

    A batch goes to `run` when full or as soon as the reader yields to the event loop, so latency stays low
    when frames trickle in. `busy` is true while `max_in_flight` batches are being checked.
    """

    def __init__(
        self,
        run: Callable[[list[VerifyJob]], asyncio.Future[Any]],
        *,
        size: int = BATCH_SIZE,
        max_in_flight: int = BATCHES_IN_FLIGHT,
    ) -> None:
        self._run = run
        self._size = max(1, size)
        self._max = max(1, max_in_flight)
        self._jobs: list[VerifyJob] = []
        self._loop = asyncio.get_running_loop()
        self.in_flight = 0
        self._room: asyncio.Event | None = None

    @property
    def busy(self) -> bool:
        """True while as many batches as allowed are being checked."""
        return self.in_flight >= self._max

    def add(self, job: VerifyJob) -> None:
        """Add a frame to the batch being gathered."""
        jobs = self._jobs
        jobs.append(job)
        if len(jobs) == 1:
            self._loop.call_soon(self.flush)
        elif len(jobs) >= self._size:
            self.flush()

    def flush(self) -> None:
        """Send the batch being gathered (if any) to be checked."""
        if not self._jobs:
            return
        jobs, self._jobs = self._jobs, []
        self.in_flight += 1
        self._run(jobs).add_done_callback(self._done)

    def _done(self, _: asyncio.Future[Any]) -> None:
        self.in_flight -= 1
        room, self._room = self._room, None
        if room is not None:
            room.set()

    async def wait_room(self) -> None:
        """Wait until fewer than the allowed number of batches are being checked."""
        while self.busy:
            if self._room is None:
                self._room = asyncio.Event()
            await self._room.wait()
