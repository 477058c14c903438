"""Relays: which relays the client talks to and how (read, write), their live status, the relays borrowed
for one fetch, and where to read and write (the NIP-65 outbox model)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from pathlib import Path

from ..config import Config, RelayConfig, validate_relay_url
from ..relay.notifications import AuthRequired, Notice, Notification, RelayState, StateChanged, SubscriptionClosed
from ..relay.pool import RelayPool, RelayStatus
from ..store.aio import Store
from .events import Message, Notifications, RelayStatusChanged
from .routing import RELAY_LIST_KIND, RelayList, normalize_url, parse_relay_list, plan_reading, reply_targets

log = logging.getLogger(__name__)

REMOVED = "relays_removed_since_publish"
MAX_EXTRA_RELAYS = 8
"""Relays beyond the user's read relays that a reading plan may add (follows' outboxes)."""

ConnectedListener = Callable[[str], Awaitable[None]]


class Relays:
    """The pool's membership and flags, its status, and the routing of reads and writes.

    The configured relays and the user's own NIP-65 list decide the read and write relays; relays
    named only by a hint are borrowed for one fetch and dropped after it; relays an event was sent to
    are kept so the outbox can retry there.
    """

    def __init__(self, pool: RelayPool, store: Store, config: Config, notifications: Notifications,
                 spawn: Callable[[Awaitable[None]], object], config_path: Path | None = None) -> None:
        self._pool = pool
        self._store = store
        self._config = config
        self._notes = notifications
        self._spawn = spawn
        self._config_path = config_path
        self._configured: list[RelayConfig] = list(config.relays)
        self._own: RelayList | None = None
        self._borrowed: dict[str, int] = {}  # relay added for a fetch's hints -> fetches using it
        self._connected: list[ConnectedListener] = []
        self._closing = False

    # -- membership ----------------------------------------------------------------------------

    def start(self) -> None:
        """Connect to the configured relays (and the user's own list, once known)."""
        for rc in self._configured:
            self._pool.add_relay(rc.url, read=rc.read, write=rc.write)
        self._apply_own()

    def close(self) -> None:
        """Stop borrowing; the pool itself is closed by the client."""
        self._closing = True

    # -- the configured relays (saved to config.toml) -------------------------------------------

    def configured(self) -> list[RelayConfig]:
        """The relays of the config as edited so far."""
        return list(self._configured)

    @property
    def saved_to(self) -> Path | None:
        """The config file relay changes are written to (None: they last for this session only)."""
        return self._config_path

    def _save(self) -> None:
        if self._config_path is not None:
            from ..config_edit import save_relays  # tomlkit: imported by the commands that edit, not all

            save_relays(self._config_path, self._configured)

    def add(self, url: str, *, read: bool = True, write: bool = True) -> str:
        """Add a relay to the config (or change its flags) and start using it; returns its URL in canonical
        form. Raises ValueError for a URL that is not a relay's, ConfigError when the config cannot be saved."""
        clean = validate_relay_url(url.strip())
        known = next((rc for rc in self._configured if rc.url == clean), None)
        updated = RelayConfig(clean, read, write, known.auth if known else False)
        self._configured = [updated if rc.url == clean else rc for rc in self._configured]
        if known is None:
            self._configured.append(updated)
        self._save()
        self._borrowed.pop(clean, None)
        if not self._closing:
            self._pool.add_relay(clean, read=read, write=write)
        return clean

    async def remove(self, url: str) -> None:
        """Take a relay out of the config and stop using it (and, at the next publish, out of the user's NIP-65
        list). Raises ConfigError when the config cannot be saved."""
        before = self._configured
        self._configured = [rc for rc in self._configured if rc.url != url]
        if self._configured != before:
            self._save()
            removed = await self.removed_since_publish()
            await self._store.state(lambda s: s.set_setting(REMOVED, sorted({*removed, url})))
        self._borrowed.pop(url, None)
        await self._pool.remove_relay(url)

    def set_flags(self, url: str, *, read: bool, write: bool) -> None:
        """Read from and/or write to a relay (saved in the config when it is a configured one). Raises KeyError
        when it is not in use."""
        self._pool.set_flags(url, read=read, write=write)
        if any(rc.url == url for rc in self._configured):
            self._configured = [RelayConfig(rc.url, read, write, rc.auth) if rc.url == url else rc
                                for rc in self._configured]
            self._save()

    async def removed_since_publish(self) -> list[str]:
        """Relays taken out of the config since the user's relay list was last published."""
        found = await self._store.state(lambda s: s.get_setting(REMOVED, []))
        return [u for u in found if isinstance(u, str)] if isinstance(found, list) else []

    async def published(self) -> None:
        """The relay list was published: the removals are in it now."""
        await self._store.state(lambda s: s.set_setting(REMOVED, None))

    def as_relay_list(self) -> RelayList:
        """The configured relays as a NIP-65 list (read and write markers from their flags)."""
        return RelayList(tuple(rc.url for rc in self._configured if rc.read),
                         tuple(rc.url for rc in self._configured if rc.write))

    def list_sources(self) -> list[str]:
        """Where the user's own lists should be: their NIP-65 write relays and every configured relay."""
        own = list(self._own.write) if self._own is not None else []
        return list(dict.fromkeys(own + [rc.url for rc in self._configured]))

    def list_targets(self) -> list[str]:
        """Where a new version of the user's list goes: their NIP-65 write relays and the configured write ones."""
        own = list(self._own.write) if self._own is not None else []
        return list(dict.fromkeys(own + [rc.url for rc in self._configured if rc.write])) or self.write_targets()

    def keep(self, url: str) -> None:
        """Keep a relay for good (an outbox target, a follow's outbox), neither read nor written by default."""
        self._borrowed.pop(url, None)
        if self._pool.relay(url) is None and not self._closing:
            self._pool.add_relay(url, read=False, write=False)

    @contextlib.asynccontextmanager
    async def borrowed(self, urls: Iterable[str]) -> AsyncIterator[list[str]]:
        """`async with relays.borrowed(hints) as chosen:` the relays are in the pool inside the block; the ones
        added only for it are dropped after it (unless kept meanwhile)."""
        chosen = list(dict.fromkeys(u for u in (normalize_url(x) for x in urls) if u))
        mine: list[str] = []
        for url in chosen:
            if self._pool.relay(url) is None and not self._closing:
                self._pool.add_relay(url, read=False, write=False, info=False)  # not shown: no NIP-11
                self._borrowed[url] = 0
            if url in self._borrowed:
                self._borrowed[url] += 1
                mine.append(url)
        try:
            yield chosen
        finally:
            for url in mine:
                if url in self._borrowed:
                    self._borrowed[url] -= 1
                    if self._borrowed[url] <= 0 and not self._closing:
                        del self._borrowed[url]
                        await self._pool.remove_relay(url)

    # -- reading the state ---------------------------------------------------------------------

    def status(self) -> list[RelayStatus]:
        """Every relay in use: URL, state, flags, counters, last error, NIP-11 information."""
        return [s for s in self._pool.status() if s.url not in self._borrowed]

    def connected_count(self) -> tuple[int, int]:
        """(connected, total) over the relays in use."""
        statuses = self.status()
        return sum(1 for s in statuses if s.state is RelayState.CONNECTED), len(statuses)

    def read_urls(self) -> list[str]:
        """Relays read from."""
        return self._pool.read_urls()

    def write_urls(self) -> list[str]:
        """Relays written to (the configured and flagged ones)."""
        return self._pool.write_urls()

    def known(self, url: str) -> bool:
        """True when the relay is in the pool."""
        return self._pool.relay(url) is not None

    # -- the user's own relay list (NIP-65) ----------------------------------------------------

    @property
    def own_list(self) -> RelayList | None:
        """The user's kind 10002 list, as last known."""
        return self._own

    def set_own_list(self, relays: RelayList | None) -> None:
        """The user's kind 10002 list changed: read and write where it says (beside the configured relays)."""
        if relays == self._own:
            return
        self._own = relays
        self._apply_own()

    def _apply_own(self) -> None:
        own = self._own
        if own is None or self._closing:
            return
        for url in own.read:
            self._borrowed.pop(url, None)
            self._pool.add_relay(url, read=True, write=url in own.write)
        for url in own.write:
            if url not in own.read:
                self._borrowed.pop(url, None)
                self._pool.add_relay(url, read=False, write=True)

    def write_targets(self) -> list[str]:
        """Where the user's events go: the write relays of their kind 10002 list, else the write relays."""
        return reply_targets(self._own, self._pool.write_urls(), None)

    def reply_targets(self, parent_author: RelayList | None) -> list[str]:
        """Where a reply goes: the user's write relays plus the parent author's read relays."""
        return reply_targets(self._own, self._pool.write_urls(), parent_author)

    async def reading_plan(self, authors: Sequence[str]) -> dict[str, set[str]]:
        """Where to read `authors`' notes (their write relays, NIP-65): relay URL -> authors, for relays beyond
        the read relays only; a bounded number covering the most authors, from the cached kind 10002 lists.
        The relays chosen are kept in the pool."""
        wanted = sorted(set(authors))
        if not wanted:
            return {}
        events = await self._store.read_cache(lambda c: c.profiles_of_kind(wanted, RELAY_LIST_KIND))
        lists = {e.pubkey: parse_relay_list(e) for e in events}
        base = self._pool.read_urls()
        plan = plan_reading(wanted, lists, base, max_extra=MAX_EXTRA_RELAYS)
        extra = {url: who for url, who in plan.items() if url not in base}
        for url in extra:
            self.keep(url)
        return extra

    # -- notifications from the pool -----------------------------------------------------------

    def on_connected(self, listener: ConnectedListener) -> None:
        """Call `listener(url)` each time a relay connects (the outbox retries there)."""
        self._connected.append(listener)

    def pool_notification(self, note: Notification) -> None:
        """Turn the pool's notifications into the client's (called by the pool, on the loop)."""
        if not isinstance(note, StateChanged) or note.state is not RelayState.CONNECTING:
            log.info("%s", note)  # states, notices, closed subscriptions, publish results: never secrets
        if isinstance(note, StateChanged):
            connected, total = self.connected_count()
            self._notes.put(RelayStatusChanged(note.url, note.state, note.reason, note.next_retry_at, connected,
                                               total))
            if note.state is RelayState.CONNECTED and not self._closing:
                for listener in self._connected:
                    self._spawn(listener(note.url))
        elif isinstance(note, Notice):
            self._notes.put(Message(f"{note.url}: {note.message}"))
        elif isinstance(note, SubscriptionClosed):
            self._notes.put(Message(f"{note.url} closed a subscription: {note.reason}", "warning"))
        elif isinstance(note, AuthRequired):
            self._notes.put(Message(f"{note.url}: relay requires login ({note.reason})", "warning"))
