"""The user's replaceable lists: follows (kind 3), mutes (kind 10000), relays (kind 10002), profile (kind 0).

Changes are read-modify-write on the newest version known (the cache and the relays that should hold it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ..protocol.event import Event
from ..protocol.filters import Filter
from ..store.aio import Store
from .errors import NO_ACCOUNT_HINT, ClientError, NoAccountError, translated
from .events import ListsChanged, Message, Notifications
from .ingest import Ingest
from .moderation import MUTE_LIST_KIND, MuteList, parse_mute_list
from .publisher import Publisher, Sending
from .relays import Relays
from .routing import RELAY_LIST_KIND, RelayList, parse_relay_list
from .session import Session
from .signer import EventTemplate

USER_KINDS = (0, 3, MUTE_LIST_KIND, RELAY_LIST_KIND)

ChangeListener = Callable[[], Awaitable[None]]


def after(current: Event | None, now: float) -> int:
    """A created_at that makes a new replaceable event win over `current` (strictly newer)."""
    return max(int(now), current.created_at + 1) if current is not None else int(now)


class Lists:
    """Follows, mutes and the relay list of the active account, kept in step with the store and relays."""

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
        self.relay_list: RelayList | None = None
        self._sync: asyncio.Task[Any] | None = None
        self._follows_listeners: list[ChangeListener] = []

    def on_follows_changed(self, listener: ChangeListener) -> None:
        """Call `listener()` after the follows changed (the home feed reopens)."""
        self._follows_listeners.append(listener)

    # -- loading -------------------------------------------------------------------------------

    async def load(self) -> None:
        """Read the active account's lists from the store."""
        me = self._session.pubkey
        if me is None:
            self.follows, self.follow_list, self.mutes, self.relay_list = frozenset(), None, MuteList(), None
            self._relays.set_own_list(None)
            return

        def newest(cache: Any) -> tuple[Event | None, Event | None, Event | None]:
            def one(kind: int) -> Event | None:
                found = cache.profiles_of_kind([me], kind)
                return found[0] if found else None

            return one(3), one(MUTE_LIST_KIND), one(RELAY_LIST_KIND)

        with translated():
            contacts, mutes, relays = await self._store.read_cache(newest)
        before = self.follows
        self.follow_list = contacts
        self.follows = frozenset(contacts.tag_values("p")) if contacts else frozenset()
        self.mutes = parse_mute_list(mutes)
        self.relay_list = parse_relay_list(relays) if relays else None
        self._relays.set_own_list(self.relay_list)
        if self.follows != before:
            await self._follows_changed()

    async def _follows_changed(self) -> None:
        for listener in self._follows_listeners:
            await listener()
        self._notes.put(ListsChanged(len(self.follows), len(self.mutes.pubkeys)))

    def start_sync(self) -> None:
        """Fetch the user's own profile and lists from the relays in the background, then where follows write."""
        self._sync = self._spawn(self._sync_all())

    async def _sync_all(self) -> None:
        me = self._session.pubkey
        if me is None:
            return
        got = await self._ingest.fetch([Filter.make(authors=[me], kinds=USER_KINDS)])
        if got.events:
            await self.load()
        if self.follows:
            await self._sync_follow_relays()

    async def _sync_follow_relays(self) -> None:
        """Fetch where follows write (NIP-65 kind 10002), then let the home feed read them there too."""
        known = self.follows
        await self._ingest.fetch([Filter.make(authors=sorted(known), kinds=[RELAY_LIST_KIND])])
        if self.follows == known:
            for listener in self._follows_listeners:
                await listener()

    async def wait_synced(self, timeout: float | None = None) -> None:
        """Wait (bounded) until the first fetch of the user's own lists is done."""
        task = self._sync
        if task is None or task.done():
            return
        wait = self._eose_timeout + 1.0 if timeout is None else timeout
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), wait)

    # -- follows -------------------------------------------------------------------------------

    async def newest_follow_list(self) -> Event | None:
        """The newest kind 3 of the user among the cache and the relays; raises ClientError when no relay
        answered (so publishing a new list could drop follows)."""
        me = self._session.pubkey
        if me is None:
            raise NoAccountError(NO_ACCOUNT_HINT)
        await self.wait_synced()
        relays = list(dict.fromkeys(self._relays.read_urls() + self._relays.write_targets()))
        got = await self._ingest.fetch([Filter.make(authors=[me], kinds=[3])], relays=relays)
        if not got.answered:
            raise ClientError(
                "could not fetch your current follow list from any relay; not publishing a new one that could "
                "drop follows (check your relays and try again)"
            )
        await self.load()
        return self.follow_list

    async def change_follows(self, add: Sequence[str] = (), remove: Sequence[str] = ()) -> Sending:
        """Follow or unfollow without losing follows: start from the newest list any relay holds.

        The change is kept (setting "last_follow_change:<pubkey>") so `undo_follow_change` can reverse it."""
        me = self._session.pubkey
        if me is None:
            raise NoAccountError(NO_ACCOUNT_HINT)
        self._session.signer()  # a read-only account gets its answer before any network work
        current = await self.newest_follow_list()
        tags = [list(t) for t in current.tags] if current else []
        content = current.content if current else ""
        have = {t[1] for t in tags if len(t) > 1 and t[0] == "p"}
        added = [pk for pk in dict.fromkeys(add) if pk not in have and pk not in remove]
        tags += [["p", pk] for pk in added]
        drop = set(remove) & have
        tags = [t for t in tags if not (t[0] == "p" and len(t) > 1 and t[1] in drop)]
        change = {"previous": current.to_dict() if current else None, "added": added, "removed": sorted(drop)}
        template = EventTemplate.make(3, content, tags, after(current, self._clock()))
        sending = await self._publisher.publish(template, self._relays.write_targets())
        with translated():
            await self._store.state(lambda s: s.set_setting(f"last_follow_change:{me}", change))
        await self.load()
        self._notes.put(Message(f"following {len(self.follows)} people"))
        return sending

    async def undo_follow_change(self) -> Sending:
        """Reverse the last follow change (re-follow whom it dropped, unfollow whom it added) on the newest list."""
        key = f"last_follow_change:{self._session.pubkey}"
        change = await self._store.state(lambda s: s.get_setting(key))
        if not change or not (change.get("added") or change.get("removed")):
            raise ClientError("there is no follow change to undo")
        sending = await self.change_follows(add=change["removed"], remove=change["added"])
        await self._store.state(lambda s: s.set_setting(key, None))
        return sending
