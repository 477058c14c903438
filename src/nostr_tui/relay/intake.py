"""The pool's path for EVENT frames: deduplicated by id before any parsing, new ids checked off the loop.

An id already verified is settled at once (a duplicate costs a dictionary lookup). The first frame of a
new id is checked on the verifier; the id is then pending, and further frames of it wait for that check:
- a frame byte-identical to one being checked shares its outcome; one for the same subscription (another
  relay of the same query, the common case with many relays) takes no place in its connection's order and
  is applied as soon as that outcome is known: it can only count as a duplicate or deliver the same event;
- a differing frame from a relay that already sent one is checked too (a relay's own frames all count);
- a differing frame from another relay is kept (at most `MAX_ALTERNATES` of them) and checked only if every
  frame checked so far was invalid, so a forged copy racing a genuine one cannot poison the id;
- anything else is recorded against the id: a duplicate once it is proved, dropped if it never is.
When no frame proves the id, it stops being pending, so a later copy is checked afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ..protocol.event import Event
from ..protocol.filters import matches_any
from .order import Action, Ticket
from .seen import SeenEntry, SeenIds
from .subscription import Subscription
from .verify import Checked, VerifyJob

if TYPE_CHECKING:
    from .connection import Relay

NOT_OPEN = "event for a subscription not open"
NO_MATCH = "event does not match the filter"
UNCHECKED = "not checked: the copies of this id that were checked were invalid"
MAX_ALTERNATES = 2
"""Differing frames of a pending id from other relays kept, to check if the first ones prove invalid."""

_HELD, _CHECKING, _DONE = "held", "checking", "done"
_Copy = tuple["Relay", Subscription, Ticket]


class _Variant:
    """One distinct frame of a pending id (from `relay` for `sub`), and the frames identical to it."""

    __slots__ = ("copies", "data", "held", "raw", "relay", "result", "same", "state", "sub", "text", "ticket")

    def __init__(self, relay: Relay, sub: Subscription, raw: str | dict[str, Any], ticket: Ticket) -> None:
        self.relay = relay
        self.sub = sub
        self.ticket = ticket
        self.raw: str | dict[str, Any] | None = raw
        self.text = raw if isinstance(raw, str) else None
        self.data: bytes | None = None  # the text as UTF-8, once an undecoded copy is compared with it
        self.state = _HELD
        self.result: Checked | None = None  # None once done: never checked, a copy of the proved event
        self.held = False  # counted against `sub`'s room while checked
        self.copies: list[_Copy] | None = None
        self.same: list[Relay] | None = None  # relays that sent this very frame for `sub`: applied unordered

    def add_same(self, relay: Relay) -> None:
        """`relay` sent this very frame for the same subscription: it shares the outcome when it is known."""
        if self.same is None:
            self.same = []
        self.same.append(relay)


class _PendingId:
    __slots__ = ("alternates", "entry", "followers", "id", "variants")

    def __init__(self, event_id: str) -> None:
        self.id = event_id
        self.variants: list[_Variant] = []
        self.followers: list[_Copy] = []  # copies recorded against the id, not checked themselves
        self.alternates = 0
        self.entry: SeenEntry | None = None  # once a frame proved the id


class Intake:
    """EVENT frames for the pool's subscriptions `subs`, remembered in `seen`.

    `verify(jobs)` checks frames off the loop, `deliver(sub, event, relay)` buffers an event for a reader
    (False when it did not fit), `press(sub)` notes a subscription whose relays may have to pause,
    `on_seen(id, url)` hears of an event already delivered turning up on another relay.
    """

    def __init__(
        self,
        subs: dict[str, Subscription],
        seen: SeenIds,
        *,
        verify: Callable[[list[VerifyJob]], object],
        deliver: Callable[[Subscription, Event, Relay], bool],
        press: Callable[[Subscription], None],
        on_seen: Callable[[str, str], None] | None,
    ) -> None:
        self._subs = subs
        self._seen = seen
        self._verify = verify
        self._deliver = deliver
        self._press = press
        self._on_seen = on_seen
        self._pending: dict[str, _PendingId] = {}

    @property
    def pending(self) -> int:
        """Event ids being checked."""
        return len(self._pending)

    def frame(self, relay: Relay, sub_id: str, event_id: str, raw: str | dict[str, Any]) -> Ticket | None:
        """An EVENT frame (raw text, or its decoded event object) whose ids read (`sub_id`, `event_id`).

        None when settled at once; else a ticket that settles once the id was checked. A ticket with a
        `job` is a frame to check, in the relay's batch.
        """
        sub = self._subs.get(sub_id)
        if sub is None:
            relay.stats.invalid[NOT_OPEN] += 1
            return None
        entry = self._seen.get(event_id)
        if entry is not None:
            if sub_id in entry.subs:  # the common duplicate: nothing to parse, nothing to deliver
                self._count_copy(relay, sub_id, entry)
                return None
            ticket = Ticket()
            ticket.settle(partial(self._apply, relay, sub, entry, None, False))
            return ticket
        pending = self._pending.get(event_id)
        if pending is None:
            pending = self._pending[event_id] = _PendingId(event_id)
            return self._new_variant(pending, relay, sub, raw, check=True)
        return self._copy(pending, relay, sub, raw)

    def known_copy(self, relay: Relay, sub_id: str, event_id: str, data: bytes, start: int, stop: int) -> bool:
        """An EVENT frame not yet decoded (`data[start:stop]`, whose ids read `sub_id`, `event_id`): True when
        `frame` would settle it at once as a copy, so that it need not be decoded. That is an id already
        delivered to the open `sub_id` (counted here), or a frame byte for byte the same as one of the id
        still being checked for the same subscription (applied with it). False for anything else."""
        sub = self._subs.get(sub_id)
        if sub is None:
            return False
        entry = self._seen.get(event_id)
        if entry is not None:
            if sub_id not in entry.subs:
                return False
            self._count_copy(relay, sub_id, entry)
            return True
        pending = self._pending.get(event_id)
        if pending is None:
            return False
        copy = None
        for variant in pending.variants:  # their texts differ: at most one can be the same
            text = variant.text
            if variant.sub is not sub or variant.state is _DONE or text is None:
                continue
            if variant.data is None:
                variant.data = text.encode()
            if copy is None:
                copy = data[start:stop]
            if variant.data == copy:
                variant.add_same(relay)
                return True
        return False

    def _count_copy(self, relay: Relay, sub_id: str, entry: SeenEntry) -> None:
        self._also_on(entry, relay.url)
        stats = relay.stats
        stats.events += 1
        stats.duplicates += 1
        relay.note_newest(sub_id, entry.event.created_at)

    def _copy(
        self, pending: _PendingId, relay: Relay, sub: Subscription, raw: str | dict[str, Any]
    ) -> Ticket | None:
        if isinstance(raw, str):
            for variant in pending.variants:
                if variant.text == raw:
                    if variant.sub is sub and variant.state is not _DONE:
                        variant.add_same(relay)
                        return None
                    ticket = Ticket()
                    if variant.copies is None:
                        variant.copies = []
                    variant.copies.append((relay, sub, ticket))
                    if variant.state is _DONE:
                        ticket.settle(self._action(pending, variant, relay, sub, own=False))
                    return ticket
        if any(v.relay is relay for v in pending.variants):
            return self._new_variant(pending, relay, sub, raw, check=True)
        if pending.alternates < MAX_ALTERNATES:
            pending.alternates += 1
            return self._new_variant(pending, relay, sub, raw, check=False)
        ticket = Ticket()
        pending.followers.append((relay, sub, ticket))
        return ticket

    def _new_variant(
        self, pending: _PendingId, relay: Relay, sub: Subscription, raw: str | dict[str, Any], *, check: bool
    ) -> Ticket:
        ticket = Ticket()
        variant = _Variant(relay, sub, raw, ticket)
        pending.variants.append(variant)
        if check:
            ticket.job = self._start(pending, variant)
        return ticket

    def _start(self, pending: _PendingId, variant: _Variant) -> VerifyJob:
        sub = variant.sub
        assert variant.raw is not None
        variant.state = _CHECKING
        variant.held = True
        sub.hold()
        self._press(sub)
        return VerifyJob(variant.raw, sub.id, sub.filters, partial(self._checked, pending, variant))

    def _checked(self, pending: _PendingId, variant: _Variant, result: Checked) -> None:
        variant.state = _DONE
        variant.result = result
        variant.raw = None
        event = result.event
        entry: SeenEntry | None = None
        if event is not None and event.id == pending.id and pending.entry is None:
            entry = self._proved(pending, event)  # the common case: the first frame proves its id
            variant.ticket.settle(partial(self._apply, variant.relay, variant.sub, entry, result.matched, True))
        else:
            variant.ticket.settle(self._action(pending, variant, variant.relay, variant.sub, own=True))
        if variant.copies:
            for relay, sub, ticket in variant.copies:
                ticket.settle(self._action(pending, variant, relay, sub, own=False))
        if variant.same:
            same, variant.same = variant.same, None
            if entry is not None:  # byte-identical copies of the frame that proved the id: applied as it is
                for relay in same:
                    self._apply(relay, variant.sub, entry, result.matched, False)
            else:
                for relay in same:
                    self._action(pending, variant, relay, variant.sub, own=False)()
        if pending.entry is not None or any(v.state is _CHECKING for v in pending.variants):
            return
        held = next((v for v in pending.variants if v.state is _HELD), None)
        if held is not None:
            self._verify([self._start(pending, held)])
            return
        # No frame proved the id: it is not poisoned, a later copy is checked afresh.
        if self._pending.get(pending.id) is pending:
            del self._pending[pending.id]
        for relay, _, ticket in pending.followers:
            ticket.settle(partial(self._reject, relay, UNCHECKED, None))
        pending.followers.clear()

    def _proved(self, pending: _PendingId, event: Event) -> SeenEntry:
        if self._pending.get(pending.id) is pending:
            del self._pending[pending.id]
        entry = self._seen.get(event.id)
        if entry is None:
            entry = SeenEntry(event, [], set())
            self._seen.add(entry)
        pending.entry = entry
        for variant in pending.variants:
            if variant.state is _HELD:  # never needed: its frames count as copies of the proved event
                variant.state = _DONE
                variant.raw = None
                variant.ticket.settle(partial(self._apply, variant.relay, variant.sub, entry, None, False))
                for relay, sub, ticket in variant.copies or ():
                    ticket.settle(partial(self._apply, relay, sub, entry, None, False))
                for relay in variant.same or ():
                    self._apply(relay, variant.sub, entry, None, False)
                variant.same = None
        for relay, sub, ticket in pending.followers:
            ticket.settle(partial(self._apply, relay, sub, entry, None, False))
        pending.followers.clear()
        return entry

    def _action(
        self, pending: _PendingId, variant: _Variant, relay: Relay, sub: Subscription, *, own: bool
    ) -> Action:
        """What applies one frame of a variant whose check is done."""
        held = own and variant.held
        result = variant.result
        if result is None:
            assert pending.entry is not None
            return partial(self._apply, relay, sub, pending.entry, None, False)
        event = result.event
        if event is None:
            return partial(self._reject, relay, result.reason, variant.sub if held else None)
        matched = result.matched if sub is variant.sub else None
        if pending.entry is not None and event.id == pending.id:
            return partial(self._apply, relay, sub, pending.entry, matched, held)
        return partial(self._apply_other, relay, sub, event, matched, held)  # proved another id than it read

    # ------------------------------------------------------------ applying outcomes (in each connection's order)

    def _reject(self, relay: Relay, reason: str, held: Subscription | None) -> None:
        if held is not None:
            held.release()
        relay.stats.invalid[reason] += 1

    def _apply_other(self, relay: Relay, sub: Subscription, event: Event, matched: bool | None, held: bool) -> None:
        entry = self._seen.get(event.id)
        if entry is None:
            entry = SeenEntry(event, [], set())
            self._seen.add(entry)
        self._apply(relay, sub, entry, matched, held)

    def _apply(self, relay: Relay, sub: Subscription, entry: SeenEntry, matched: bool | None, held: bool) -> None:
        """A valid event from `relay` for `sub` (`held`: counted against its room while checked)."""
        if held:
            sub.release()
        stats = relay.stats
        if sub.closed:
            stats.invalid[NOT_OPEN] += 1
            return
        if sub.id in entry.subs:
            self._count_copy(relay, sub.id, entry)
            return
        self._also_on(entry, relay.url)
        event = entry.event
        if matched is None:
            matched = matches_any(sub.filters, event)
        if not matched:
            stats.invalid[NO_MATCH] += 1
            return
        stats.events += 1
        relay.note_newest(sub.id, event.created_at)
        if self._deliver(sub, event, relay):
            entry.subs.add(sub.id)

    def _also_on(self, entry: SeenEntry, url: str) -> None:
        relays = entry.relays
        if url not in relays:
            relays.append(url)
            if len(relays) > 1 and self._on_seen is not None:
                self._on_seen(entry.event.id, url)
