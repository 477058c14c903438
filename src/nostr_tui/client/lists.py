"""The user's replaceable lists: follows (kind 3), mutes (kind 10000), relays (kind 10002), profile (kind 0).

A change is a read-modify-write on the newest version known: the cache and every relay that should hold
the list (the user's NIP-65 write relays and the configured ones). When one of those did not answer and no
version is known anywhere, the change is refused; a change that would drop more than it names, or shrink
the list by more than one entry, needs an explicit yes. Every replaced version is kept for undo and
restore, and a queued version is never delivered over a newer one on the relay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..protocol import nip19
from ..protocol.event import Event
from ..protocol.filters import Filter
from ..relay.timeouts import within
from ..store.aio import Store
from .changes import FOLLOWS, LISTS, MUTES, PROFILE, RELAY_LIST, WHAT, ListChange, check, entries, newer
from .errors import NO_ACCOUNT_HINT, ClientError, ListUnavailable, NoAccountError, translated
from .events import ListsChanged, Message, Notifications
from .ingest import Ingest
from .models import NoteItem
from .moderation import MuteList, parse_mute_list
from .publisher import Hold, Publisher, Sending
from .relays import Relays
from .routing import RelayList, parse_relay_list, relay_list_tags
from .session import Session
from .signer import EventTemplate

USER_KINDS = (PROFILE, FOLLOWS, MUTES, RELAY_LIST)
HISTORY_KEEP = 20

ChangeListener = Callable[[], Awaitable[None]]


def after(current: Event | None, now: float) -> int:
    """A created_at that makes a new replaceable event win over `current` (strictly newer)."""
    return max(int(now), current.created_at + 1) if current is not None else int(now)


def mute_entry(target: str) -> tuple[str, str]:
    """The mute list tag for what a person typed: a person (npub, nprofile, hex), `#hashtag` or a word."""
    text = target.strip()
    if not text:
        raise ClientError("nothing to mute: give an npub, nprofile, hex key, #hashtag or word")
    if text.startswith("#") and len(text) > 1:
        return "t", text[1:].lower()
    try:
        return "p", nip19.pubkey_from_ref(text)
    except nip19.Nip19Error:
        if text.lower().startswith(("npub1", "nprofile1", "nostr:")):
            raise ClientError(f"{text[:20]}… is not a valid npub or nprofile") from None
    return "word", text.lower()


@dataclass(frozen=True, slots=True)
class ListUpdate:
    """What a change did: the event on its way (None when nothing had to change) and what to tell the person."""

    sending: Sending | None
    message: str


@dataclass(frozen=True, slots=True)
class ListVersion:
    """A version of a list that a change replaced."""

    number: int  # 1 is the most recently replaced
    event: Event
    replaced_at: float
    size: int


class Lists:
    """Follows, mutes, the relay list and the profile of the active account."""

    def __init__(self, session: Session, store: Store, ingest: Ingest, publisher: Publisher, relays: Relays,
                 notifications: Notifications, clock: Callable[[], float], eose_timeout: float,
                 spawn: Callable[[Awaitable[Any]], asyncio.Task[Any]]) -> None:
        self._session = session
        self._store = store
        self._ingest = ingest
        self._publisher = publisher
        self._relays = relays
        self._notes = notifications
        self._clock = clock
        self._eose_timeout = eose_timeout
        self._spawn = spawn
        self.follows: frozenset[str] = frozenset()
        self.follow_list: Event | None = None
        self.mutes = MuteList()
        self.mute_list: Event | None = None
        self.relay_list: RelayList | None = None
        self.profile_event: Event | None = None
        self._sync: asyncio.Task[Any] | None = None
        self._follows_listeners: list[ChangeListener] = []

    def on_follows_changed(self, listener: ChangeListener) -> None:
        """Call `listener()` after the follows changed (the home feed reopens)."""
        self._follows_listeners.append(listener)

    def _me(self) -> str:
        me = self._session.pubkey
        if me is None:
            raise NoAccountError(NO_ACCOUNT_HINT)
        return me

    # -- loading -------------------------------------------------------------------------------

    async def _cached(self, me: str, kind: int) -> Event | None:
        with translated():
            found = await self._store.read_cache(lambda c: c.profiles_of_kind([me], kind))
        return found[0] if found else None

    async def load(self) -> None:
        """Read the active account's lists from the store."""
        me = self._session.pubkey
        before_follows, before_mutes = self.follows, self.mutes
        if me is None:
            self.follow_list = self.mute_list = self.profile_event = None
        else:
            self.follow_list = await self._cached(me, FOLLOWS)
            self.mute_list = await self._cached(me, MUTES)
            self.profile_event = await self._cached(me, PROFILE)
        relays = await self._cached(me, RELAY_LIST) if me is not None else None
        self.follows = frozenset(self.follow_list.tag_values("p")) if self.follow_list else frozenset()
        self.mutes = parse_mute_list(self.mute_list)
        self.relay_list = parse_relay_list(relays) if relays else None
        self._relays.set_own_list(self.relay_list)
        if self.follows != before_follows:
            for listener in self._follows_listeners:
                await listener()
        if self.follows != before_follows or self.mutes != before_mutes:
            self._notes.put(ListsChanged(len(self.follows), len(self.mutes.pubkeys)))

    def start_sync(self) -> None:
        """Fetch the user's own profile and lists from the relays in the background, then where follows write."""
        self._sync = self._spawn(self._sync_all())

    async def _sync_all(self) -> None:
        me = self._session.pubkey
        if me is None:
            return
        got = await self._ingest.fetch([Filter.make(authors=[me], kinds=USER_KINDS)],
                                       relays=self._relays.list_sources())
        if got.events:
            await self.load()
        if self.follows:
            await self._sync_follow_relays()

    async def _sync_follow_relays(self) -> None:
        """Fetch where follows write (NIP-65 kind 10002), then let the home feed read them there too."""
        known = self.follows
        await self._ingest.fetch([Filter.make(authors=sorted(known), kinds=[RELAY_LIST])])
        if self.follows == known:
            for listener in self._follows_listeners:
                await listener()

    async def wait_synced(self, timeout: float | None = None) -> None:
        """Wait (bounded) until the first fetch of the user's own lists is done."""
        task = self._sync
        if task is None or task.done():
            return
        wait = self._eose_timeout + 1.0 if timeout is None else timeout
        try:
            await within(asyncio.shield(task), wait)
        except TimeoutError:
            pass
        except asyncio.CancelledError:  # the fetch itself was cancelled; a cancellation of this caller goes on
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise

    def hides(self, item: NoteItem) -> bool:
        """True when a note as shown (with who reposted or reacted) falls under the mute list."""
        mutes = self.mutes
        if mutes.hides(item.event):
            return True
        return any(a is not None and a.pubkey in mutes.pubkeys for a in (item.reposted_by, item.reacted_by))

    # -- read-modify-write ---------------------------------------------------------------------

    async def newest(self, kind: int) -> Event | None:
        """The newest version of one of the user's lists, from the cache and every relay that should hold it.

        Raises ListUnavailable when one of those relays did not answer and no version is known anywhere."""
        me = self._me()
        await self.wait_synced()
        sources = self._relays.list_sources()
        got = await self._ingest.fetch([Filter.make(authors=[me], kinds=[kind])], relays=sources)
        best = await self._cached(me, kind)
        for event in got.events:
            if event.kind == kind and event.pubkey == me and (best is None or newer(event, best)):
                best = event
        if best is None and (got.silent or not sources):
            silent = got.silent or tuple(sources)
            where = ", ".join(silent) if silent else "any relay (none is configured)"
            raise ListUnavailable(
                f"your {WHAT[kind]} could not be read from {where} (no answer), and no copy of it is known here; "
                "nothing was changed, so that none of it is lost: try again when the relays answer", silent)
        return best

    async def change(self, change: ListChange, *, force: bool = False) -> ListUpdate:
        """Apply `change` to the newest version and publish the result (see the module's rules)."""
        me = self._me()
        self._session.signer()  # a read-only account gets its answer before any network work
        base = await self.newest(change.kind)
        content, tags = change.apply(base)
        what = WHAT[change.kind]
        if base is not None and content == base.content and tags == [list(t) for t in base.tags]:
            return ListUpdate(None, f"your {what} already says so; nothing to publish")
        check(change.kind, base, content, tags, change, force)
        template = EventTemplate.make(change.kind, content, tags, after(base, self._clock()))
        targets = self._relays.list_targets()
        event = await self._session.sign(template)
        record = {"kind": change.kind, "change": change.to_json(), "undo": change.inverse(base).to_json()}
        with translated():
            if base is not None:
                await self._store.state(lambda s: s.history_add(me, change.kind, base, HISTORY_KEEP))
            await self._store.state(lambda s: s.change_put(event.id, record))
            await self._store.state(lambda s: s.set_setting(f"last_list_change:{me}", {"id": event.id, **record}))
        sending = await self._publisher.enqueue(event, targets)
        await self.load()
        return ListUpdate(sending, self._summary(change.kind))

    def _summary(self, kind: int) -> str:
        if kind == FOLLOWS:
            return f"following {len(self.follows)} people"
        if kind == MUTES:
            size = len(entries(MUTES, "", self.mute_list.tags)) if self.mute_list else 0
            return f"your mute list has {size} entries"
        if kind == RELAY_LIST:
            return "your relay list (NIP-65) was published"
        return "your profile was published"

    # -- the changes people make -------------------------------------------------------------------

    async def change_follows(self, add: Sequence[str] = (), remove: Sequence[str] = (), *,
                             force: bool = False) -> ListUpdate:
        """Follow and unfollow people (hex keys), keeping every other follow."""
        change = ListChange(FOLLOWS, add=tuple(("p", pk) for pk in dict.fromkeys(add) if pk not in remove),
                            remove=tuple(("p", pk) for pk in dict.fromkeys(remove)))
        update = await self.change(change, force=force)
        if update.sending is not None:
            self._notes.put(Message(update.message))
        return update

    async def mute(self, target: str, *, force: bool = False) -> ListUpdate:
        """Mute a person (npub, nprofile, hex), a #hashtag or a word (public tags p, t, word of kind 10000)."""
        return await self.change(ListChange(MUTES, add=(mute_entry(target),)), force=force)

    async def unmute(self, target: str, *, force: bool = False) -> ListUpdate:
        """Stop muting a person, a #hashtag or a word."""
        return await self.change(ListChange(MUTES, remove=(mute_entry(target),)), force=force)

    async def set_profile(self, fields: dict[str, str], *, force: bool = False) -> ListUpdate:
        """Set profile fields (name, about, picture, nip05, lud16, ...; "" removes one); others are kept."""
        return await self.change(ListChange(PROFILE, fields=tuple(fields.items())), force=force)

    async def publish_relay_list(self, relays: RelayList, removed: Sequence[str] = (), *,
                                 force: bool = False) -> ListUpdate:
        """Put `relays` in the user's NIP-65 list with their read/write markers, and take out `removed`;
        every other relay of the newest list stays (the usual checks apply)."""
        tags = tuple(tuple(t) for t in relay_list_tags(relays))
        gone = tuple(("r", url) for url in removed if url not in relays.read and url not in relays.write)
        return await self.change(ListChange(RELAY_LIST, add=tags, remove=gone), force=force)

    async def publish_configured_relays(self, *, force: bool = False) -> ListUpdate:
        """Publish the configured relays in the user's NIP-65 list (taking out those removed from the config
        since the last time); relays the list names beside them stay."""
        update = await self.publish_relay_list(self._relays.as_relay_list(),
                                               await self._relays.removed_since_publish(), force=force)
        await self._relays.published()
        return update

    async def undo(self, *, force: bool = False) -> ListUpdate:
        """Reverse the last list change, applied to the newest version (other changes since are kept)."""
        me = self._me()
        last = await self._store.state(lambda s: s.get_setting(f"last_list_change:{me}"))
        if not last:
            raise ClientError("there is no list change to undo")
        update = await self.change(ListChange.from_json(last["undo"]), force=force)
        await self._store.state(lambda s: s.set_setting(f"last_list_change:{me}", None))
        return update

    # -- history -------------------------------------------------------------------------------

    async def history(self, name: str) -> list[ListVersion]:
        """The versions of a list ("follows", "mutes", "relays", "profile") that changes replaced, newest first."""
        kind = _kind(name)
        me = self._me()
        with translated():
            found = await self._store.state(lambda s: s.history(me, kind))
        return [ListVersion(i, ev, at, len(entries(kind, ev.content, ev.tags))) for i, (ev, at) in
                enumerate(found, 1)]

    async def restore(self, name: str, number: int, *, force: bool = False) -> ListUpdate:
        """Publish version `number` of `history(name)` again (as a new event, with the usual checks)."""
        versions = await self.history(name)
        chosen = next((v for v in versions if v.number == number), None)
        if chosen is None:
            raise ClientError(f"there is no version {number} of your {name} (see: nostr-tui lists history {name})")
        ev = chosen.event
        return await self.change(ListChange(ev.kind, restore=(ev.content, ev.tags)), force=force)

    # -- the outbox's check before delivery ------------------------------------------------------

    async def before_delivery(self, event: Event, url: str) -> Event | Hold:
        """A list event is sent to a relay only when the relay holds no newer version; otherwise its change is
        applied again on top of the relay's version (published anew) or dropped when nothing is left to do."""
        if event.kind not in USER_KINDS or event.pubkey != self._session.pubkey:
            return event
        got = await self._ingest.fetch([Filter.make(authors=[event.pubkey], kinds=[event.kind])], relays=[url])
        if url not in got.answered:
            return Hold("could not check the relay's newest version first; it is tried again later", drop=False)
        newest: Event | None = None
        for found in got.events:
            if found.kind == event.kind and found.pubkey == event.pubkey and (newest is None or newer(found, newest)):
                newest = found
        if newest is None or not newer(newest, event):
            return event
        what = WHAT[event.kind]
        record = await self._store.state(lambda s: s.change_get(event.id))
        if not record:
            self._notes.put(Message(f"{url} has a newer {what}; the older one waiting in the outbox was dropped",
                                    "warning"))
            return Hold(f"the relay has a newer {what}", drop=True)
        change = ListChange.from_json(record["change"])
        content, tags = change.apply(newest)
        if content == newest.content and tags == [list(t) for t in newest.tags]:
            self._notes.put(Message(f"{url} has a newer {what} that already includes your change"))
            return Hold(f"the relay's newer {what} already includes this change", drop=True)
        await self._reapply(change, url)
        return Hold(f"the relay has a newer {what}: the change was applied again on top of it", drop=True)

    async def _reapply(self, change: ListChange, url: str) -> None:
        try:
            update = await self.change(change, force=True)  # the relay's version was checked just now
        except ClientError as exc:
            self._notes.put(Message(f"your change could not be applied again on {url}'s newer list: {exc}",
                                    "warning"))
            return
        if update.sending is not None:
            self._notes.put(Message(f"{url} had a newer {WHAT[change.kind]}; your change was applied on top of it"))


def _kind(name: str) -> int:
    try:
        return LISTS[name]
    except KeyError:
        raise ClientError(f"unknown list {name!r}: one of {', '.join(LISTS)}") from None
