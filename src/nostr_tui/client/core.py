"""The headless client: owns the relay pool, the store and the key store; front ends drive it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..config import Config
from ..keystore.errors import KeystoreError, NoActiveAccountError, ReadOnlyAccountError
from ..keystore.passphrase import AskPassphrase
from ..keystore.store import KeyStore
from ..paths import cache_file, keys_dir, state_file
from ..protocol.event import Event, sign_event
from ..protocol.filters import Filter
from ..protocol.keys import SecretKey
from ..relay.connection import default_connect
from ..relay.notifications import (
    AuthRequired,
    Notice,
    Notification,
    RelayState,
    StateChanged,
    SubscriptionClosed,
)
from ..relay.pool import RelayPool
from ..relay.subscription import Received
from ..store.aio import Store
from .events import (
    EventQueue,
    FeedNew,
    Message,
    RelayStatusChanged,
)
from .feeds import Feed, FeedSpec
from .items import ItemContext, build_items
from .models import NoteItem
from .moderation import MUTE_LIST_KIND, MuteList, parse_mute_list
from .outbox import OutboxMixin
from .people import PeopleMixin
from .profiles import Nip05Checker
from .routing import RELAY_LIST_KIND, RelayList, parse_relay_list, plan_reading

log = logging.getLogger(__name__)

USER_KINDS = (0, 3, MUTE_LIST_KIND, RELAY_LIST_KIND)
MAX_EXTRA_RELAYS = 8


class ClientError(Exception):
    """Something the person asked for cannot be done; the message says why and what to do."""


class NostrClient(PeopleMixin, OutboxMixin):
    """Everything a Nostr client does without a screen.

    Seams for tests: `connect` (websocket opener), `clock`, `ask_passphrase`, `keystore`, `nip05`.
    Call `await start()` first and `await close()` last; read notifications from `events`.
    """

    def __init__(
        self,
        config: Config,
        *,
        data_dir: Path | None = None,
        connect: Any = default_connect,
        clock: Callable[[], float] = time.time,
        ask_passphrase: AskPassphrase | None = None,
        keystore: KeyStore | None = None,
        nip05: Nip05Checker | None = None,
    ) -> None:
        self.config = config
        base = data_dir or config.resolved_data_dir()
        self.db = Store(cache_file(base), state_file(base), clock=clock)
        self.events = EventQueue()
        # Its warnings (key files readable by others) reach the person as notifications.
        self.keystore = keystore or KeyStore(keys_dir(base), log_n=config.keys.log_n,
                                             warn=lambda text: self.events.put(Message(text, "warning")))
        self.clock = clock
        self.ask_passphrase = ask_passphrase
        self.nip05 = nip05 or Nip05Checker(timeout=config.network.nip11_timeout)
        self.pool = RelayPool(
            network=config.network,
            connect=connect,
            clock=clock,
            auth_signer=self._auth_sign,
            auth_allowed=config.auth_allowed,
            on_notification=self._on_pool,
            on_seen=self._on_seen,
            fetch_info=True,
        )
        self.pubkey: str | None = None
        self.account_name: str | None = None
        self.read_only = True
        self.follows: frozenset[str] = frozenset()
        self.follow_list: Event | None = None
        self.mutes = MuteList()
        self.relay_list: RelayList | None = None
        self.feeds: dict[str, Feed] = {}
        self._secret: SecretKey | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._seen_batch: list[tuple[str, str]] = []
        self._seen_flush: asyncio.Task[Any] | None = None
        self._user_sync: asyncio.Task[Any] | None = None
        self._nip05_pending: set[tuple[str, str]] = set()
        self._borrowed: dict[str, int] = {}  # relays a fetch added for its hints -> fetches using them
        self._profiles_asked: set[str] = set()
        self._profiles_wanted: set[str] = set()
        self._profiles_task: asyncio.Task[Any] | None = None
        self._closing = False

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Open the store, load the active account from it, and start connecting to relays."""
        await self.db.start()
        if self.db.notice:
            self.events.put(Message(self.db.notice, "warning"))
        self._load_account()
        await self.refresh_user_state()
        for rc in self.config.relays:
            self.pool.add_relay(rc.url, read=rc.read, write=rc.write)
        self._apply_relay_list()
        self._user_sync = self.spawn(self._sync_user_lists())
        await self._report_outbox()

    async def close(self) -> None:
        """Stop feeds, close relays and the store; every task finished. Safe to call twice."""
        if self._closing:
            return
        self._closing = True
        for feed in list(self.feeds.values()):
            await feed.close()
        await self._cancel_tasks()
        await self.pool.close()
        await self._cancel_tasks()  # anything a relay's last notifications started
        await self.db.close()
        self._secret = None

    async def _cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run a background task owned by the client (cancelled on close; refused once closing)."""
        task = asyncio.get_running_loop().create_task(coro)
        if self._closing:
            task.cancel()
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_user_lists(self, timeout: float | None = None) -> None:
        """Wait (bounded) until the first fetch of the user's own follows, mutes and relay list is done."""
        task = self._user_sync
        if task is None or task.done():
            return
        wait = self.config.network.eose_timeout + 1.0 if timeout is None else timeout
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), wait)

    # ------------------------------------------------------------------ account

    def _load_account(self) -> None:
        account = self.keystore.active()
        self._secret = None
        if account is None:
            self.pubkey, self.account_name, self.read_only = None, None, True
        else:
            self.pubkey, self.account_name, self.read_only = account.pubkey, account.name, account.read_only

    async def switch_account(self, name: str) -> None:
        """Make another account active; feeds follow it."""
        try:
            self.keystore.use(name)
        except KeystoreError as exc:
            raise ClientError(str(exc)) from None
        self._load_account()
        await self.refresh_user_state()
        for feed in list(self.feeds.values()):
            await feed.close()
        self.feeds.clear()
        self._user_sync = self.spawn(self._sync_user_lists())

    def signer(self) -> SecretKey:
        """The active account's secret key (asking for the passphrase once per session)."""
        if self._secret is not None:
            return self._secret
        if self.pubkey is None:
            raise ClientError("no account: add one with `nostr-tui keys generate` or `keys import`")
        if self.read_only:
            raise ClientError("this account has no key (read-only): log in with a key to post or reply")
        if self.ask_passphrase is None:
            raise ClientError("a passphrase is needed to unlock the key")
        try:
            self._secret = self.keystore.active_secret_key(self.ask_passphrase)
        except (ReadOnlyAccountError, NoActiveAccountError) as exc:
            raise ClientError(str(exc)) from None
        except KeystoreError as exc:
            raise ClientError(str(exc)) from None
        return self._secret

    async def unlock(self) -> SecretKey:
        """The active account's key, unlocked off the event loop (the passphrase prompt and scrypt take time)."""
        if self._secret is not None:
            return self._secret
        return await asyncio.to_thread(self.signer)

    async def _auth_sign(self, url: str, challenge: str) -> Event | None:
        try:
            secret = await self.unlock()
        except ClientError:
            return None
        return sign_event(secret, 22242, "", [["relay", url], ["challenge", challenge]])

    # ------------------------------------------------------------------ user state

    async def refresh_user_state(self) -> None:
        """Reload follows, mutes and relay list of the active account from the store."""
        me = self.pubkey
        if me is None:
            self.follows, self.follow_list, self.mutes, self.relay_list = frozenset(), None, MuteList(), None
            return

        def work(cache: Any) -> tuple[Event | None, Event | None, Event | None]:
            def newest(kind: int) -> Event | None:
                found = cache.profiles_of_kind([me], kind)
                return found[0] if found else None

            return newest(3), newest(MUTE_LIST_KIND), newest(RELAY_LIST_KIND)

        contacts, mutes, relays = await self.db.read_cache(work)
        before = self.follows
        self.follow_list = contacts
        self.follows = frozenset(contacts.tag_values("p")) if contacts else frozenset()
        self.mutes = parse_mute_list(mutes)
        self.relay_list = parse_relay_list(relays) if relays else None
        if self.follows != before:
            for feed in list(self.feeds.values()):
                if feed.spec.kind == "home":
                    await feed.restart()

    def _apply_relay_list(self) -> None:
        if self.relay_list is None:
            return
        for url in self.relay_list.read:
            self.pool.add_relay(url, read=True, write=url in self.relay_list.write)
        for url in self.relay_list.write:
            if url not in self.relay_list.read:
                self.pool.add_relay(url, read=False, write=True)

    async def _sync_user_lists(self) -> None:
        """Fetch the user's own profile, follows, mutes and relay list, then refresh."""
        if self.pubkey is None:
            return
        got = await self.fetch([Filter.make(authors=[self.pubkey], kinds=USER_KINDS)])
        if got:
            before = self.relay_list
            await self.refresh_user_state()
            if self.relay_list != before:
                self._apply_relay_list()
        if self.follows:
            self.spawn(self._sync_follow_relays())

    async def _sync_follow_relays(self) -> None:
        """Fetch where follows write (NIP-65 kind 10002), then let the home feed read them there too."""
        known = self.follows
        await self.fetch([Filter.make(authors=sorted(known), kinds=[RELAY_LIST_KIND])])
        for feed in list(self.feeds.values()):
            if feed.spec.kind == "home" and self.follows == known:
                await feed.restart()

    async def reading_plan(self) -> dict[str, set[str]]:
        """Extra relays to read follows' notes from (NIP-65 outbox model): relay URL -> authors, only
        relays beyond the read relays, a bounded number covering the most follows (from cached kind 10002)."""
        follows = sorted(self.follows)
        if not follows:
            return {}
        events = await self.db.read_cache(lambda c: c.profiles_of_kind(follows, RELAY_LIST_KIND))
        lists = {e.pubkey: parse_relay_list(e) for e in events}
        base = self.pool.read_urls()
        plan = plan_reading(follows, lists, base, max_extra=MAX_EXTRA_RELAYS)
        extra = {url: authors for url, authors in plan.items() if url not in base}
        for url in extra:
            self.use_relay(url)
        return extra

    def use_relay(self, url: str) -> None:
        """Keep a relay in the pool for good (an outbox target, a follow's relay), neither read nor written
        by default; a relay only borrowed by a fetch stops being dropped after it."""
        self._borrowed.pop(url, None)
        if self.pool.relay(url) is None:
            self.pool.add_relay(url, read=False, write=False)

    def item_context(self) -> ItemContext:
        """Mutes, follows and NIP-05 verdicts for decorating notes."""
        return ItemContext(self.mutes, self.follows, self.nip05.cached)

    # ------------------------------------------------------------------ relays → store

    async def store_received(self, received: Sequence[Received]) -> None:
        """Save events from relays (grouped by relay, one transaction), with the relays they were seen on."""
        by_relay: dict[str, list[Event]] = {}
        for r in received:
            by_relay.setdefault(r.relay, []).append(r.event)
        seen, self._seen_batch = self._seen_batch, []

        def work(cache: Any) -> None:
            with cache.transaction():
                for relay, events in by_relay.items():
                    cache.add(events, relay=relay)
                _record_seen(cache, seen)

        await self.db.write_cache(work)

    async def fetch(self, filters: Sequence[Filter], relays: Iterable[str] | None = None,
                    timeout: float | None = None) -> list[Event]:
        """Ask relays once (until EOSE or timeout), store what comes back, return it."""
        if not filters:
            return []
        chosen = None
        if relays is not None:
            chosen = list(dict.fromkeys(relays))
            for url in chosen:  # relay hints: borrowed for this fetch, dropped after it unless kept meanwhile
                if self.pool.relay(url) is None:
                    self.pool.add_relay(url, read=False, write=False)
                    self._borrowed[url] = 0
                if url in self._borrowed:
                    self._borrowed[url] += 1
        sub = self.pool.subscribe(list(filters), relays=chosen, close_on_eose=True, eose_timeout=timeout)
        out: list[Received] = []
        try:
            async for r in sub:
                out.append(r)
        finally:
            sub.close()
            for url in chosen or ():
                if url in self._borrowed:
                    self._borrowed[url] -= 1
                    if self._borrowed[url] <= 0 and not self._closing:
                        del self._borrowed[url]
                        await self.pool.remove_relay(url)
        if out:
            await self.store_received(out)
        return [r.event for r in out]

    def _on_seen(self, event_id: str, url: str) -> None:
        self._seen_batch.append((event_id, url))
        if self._seen_flush is None and not self._closing:
            self._seen_flush = self.spawn(self._flush_seen())

    async def _flush_seen(self) -> None:
        """Record, in a batch, the other relays that events already received turned up on."""
        try:
            await asyncio.sleep(0.2)
            seen, self._seen_batch = self._seen_batch, []
            if seen:
                await self.db.write_cache(lambda c: _record_seen(c, seen))
        finally:
            self._seen_flush = None

    def _on_pool(self, note: Notification) -> None:
        if not isinstance(note, StateChanged) or note.state is not RelayState.CONNECTING:
            log.info("%s", note)  # states, notices, closed subscriptions, publish results: never secrets
        if isinstance(note, StateChanged):
            statuses = self.pool.status()
            connected = sum(1 for s in statuses if s.state is RelayState.CONNECTED)
            self.events.put(RelayStatusChanged(note.url, note.state, note.reason, note.next_retry_at, connected,
                                               len(statuses)))
            if note.state is RelayState.CONNECTED:
                self.spawn(self.retry_outbox(note.url))
        elif isinstance(note, Notice):
            self.events.put(Message(f"{note.url}: {note.message}"))
        elif isinstance(note, SubscriptionClosed):
            self.events.put(Message(f"{note.url} closed a subscription: {note.reason}", "warning"))
        elif isinstance(note, AuthRequired):
            self.events.put(Message(f"{note.url}: relay requires login ({note.reason})", "warning"))

    # ------------------------------------------------------------------ feeds

    def feed(self, key: str) -> Feed:
        """The open feed with this key ("home", "mentions", "global", "profile:<hex>", "hashtag:<tag>")."""
        found = self.feeds.get(key)
        if found is None:
            found = self.feeds[key] = Feed(self, FeedSpec.parse(key))
        return found

    def emit_feed(self, key: str, items: list[NoteItem]) -> None:
        """Tell front ends about new notes in a feed."""
        self.events.put(FeedNew(key, tuple(items)))
        self.check_nip05(items)

    async def search(self, text: str, *, limit: int = 50) -> list[NoteItem]:
        """Notes in the store whose text contains every word of `text`, newest first (no network)."""
        words = text.strip()
        if not words:
            return []
        ctx = self.item_context()
        items = await self.db.read_cache(lambda c: build_items(c, c.search(words, kinds=[1], limit=limit), ctx))
        self.check_nip05(items)
        return items


def _record_seen(cache: Any, seen: Sequence[tuple[str, str]]) -> None:
    """Note in the cache that events it holds were also received from these relays."""
    for event_id, url in seen:
        event = cache.get(event_id)
        if event is not None:
            cache.add([event], relay=url)
