"""Checking new events: batches of raw EVENT frames, their signatures verified off the event loop.

A batch is first read on the loop: each frame's JSON decoded (orjson), the event's fields checked and its id
compared with the sha256 of its canonical form, an event dated too far ahead dropped, the subscription's
filters matched. That is a few microseconds of Python per event. What is left, the BIP-340 signatures
(about three quarters of the work), goes as one buffer to a `SignatureChecker`: the pool's own verifier
process (verify_process.py), or an executor given to it. Only the outcome (`Checked`) of each frame comes back,
in order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, NamedTuple

from ..protocol.event import Event, EventError, parse_event_hashed, signature_input
from ..protocol.filters import Filter, matches_any
from ..protocol.messages import MessageError, event_frame_id, load_frame
from .verify_process import ExecutorChecker, ProcessChecker, SignatureChecker

BATCH_SIZE = 256
"""Frames in one batch at most; a batch is also sent as soon as the reader yields."""
BATCHES_IN_FLIGHT = 4
"""Batches one connection may have being checked; its reader waits for room beyond that."""
TOO_FAR_AHEAD = "created_at too far in the future"
BAD_SIGNATURE = "bad signature"
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


def read_frame(raw: str | dict[str, Any], sub_id: str, latest: float) -> Checked | tuple[Event, bytes]:
    """Everything but the signature for one EVENT frame for `sub_id`: the event with its 32-byte id, or the
    outcome when it is already refused (malformed, an id that does not match, dated after `latest`)."""
    try:
        if isinstance(raw, str):
            frame = load_frame(raw)
            if not (len(frame) >= 3 and frame[0] == "EVENT" and frame[1] == sub_id):  # the usual shape: on
                frame_sub, _ = event_frame_id(frame)  # the reasons for any other
                if frame_sub != sub_id:
                    raise MessageError("malformed message")
            raw = frame[2]  # parsing it refuses what event_frame_id would, with the same reasons
        event, digest = parse_event_hashed(raw)
    except (MessageError, EventError) as exc:
        return Checked(None, exc.reason, False)
    if event.created_at > latest:
        return Checked(None, TOO_FAR_AHEAD, False)
    return event, digest


class Verifier:
    """Checks batches of `VerifyJob`s: the frames are read on the loop, the signatures by a checker.

    The checker is the pool's own verifier process (started on first use, stopped by `close()`), or, when
    `executor` is given, `keys.verify_many` run on that executor (left running; its owner shuts it down).
    `clock` is wall time; an event dated more than `max_future` seconds after it is dropped.
    """

    def __init__(
        self,
        executor: Executor | None = None,
        *,
        clock: Callable[[], float] = time.time,
        max_future: float = 15 * 60,
        checker: SignatureChecker | None = None,
    ) -> None:
        self._checker: SignatureChecker = checker or (
            ProcessChecker() if executor is None else ExecutorChecker(executor, owned=False)
        )
        self._clock = clock
        self.max_future = max_future
        self._in_flight: set[asyncio.Future[Any]] = set()
        self._closed = False

    def run(self, jobs: list[VerifyJob]) -> asyncio.Future[list[Checked]]:
        """Check `jobs`; each job's `done` is called (on the loop, in order) with its outcome."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Checked]] = loop.create_future()
        future.add_done_callback(lambda f: self._finished(f, jobs))
        if self._closed:
            future.cancel()
            return future
        latest = self._clock() + self.max_future
        outcomes: list[Checked] = []
        owed: list[tuple[int, Event]] = []  # events whose signature is still to be checked
        inputs: list[bytes] = []
        for job in jobs:
            read = read_frame(job.raw, job.sub_id, latest)
            if isinstance(read, Checked):
                outcomes.append(read)
                continue
            event, digest = read
            owed.append((len(outcomes), event))
            inputs.append(signature_input(event, digest))
            outcomes.append(Checked(event, "", matches_any(job.filters, event)))
        if not inputs:
            future.set_result(outcomes)
            return future
        signatures = self._checker.check(b"".join(inputs))
        self._in_flight.add(signatures)

        def settle(answer: asyncio.Future[bytes]) -> None:
            self._in_flight.discard(answer)
            if future.done():
                return
            if answer.cancelled() or answer.exception() is not None:
                future.cancel()
                return
            valid = answer.result()
            for (at, _), ok in zip(owed, valid, strict=True):
                if not ok:
                    outcomes[at] = Checked(None, BAD_SIGNATURE, False)
            future.set_result(outcomes)

        signatures.add_done_callback(settle)
        return future

    def _finished(self, future: asyncio.Future[list[Checked]], jobs: list[VerifyJob]) -> None:
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

    def start(self) -> None:
        """Get the checker ready (start the verifier process) before the first batch."""
        start = getattr(self._checker, "start", None)
        if start is not None and not self._closed:
            start()

    def stop(self) -> None:
        """Stop taking batches; those not answered are dropped and no job's `done` is called any more."""
        self._closed = True
        self._checker.stop()

    async def close(self) -> None:
        """`stop()`, then wait until the checker has ended (its process exited)."""
        self.stop()
        await self._checker.close()


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
