"""The client: one object that front ends hold, made of services that each own one thing.

    client = Client(config, prompt=...)     # nothing is opened yet; `client.session` works already
    await client.start()                    # the store, the account's lists, the relays
    ...                                     # client.feeds, .threads, .notes, .lists, .relays, ...
    await client.close()

Front ends read `client.notifications` (one consumer) for what changes in the background.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from ..config import Config
from ..keystore.passphrase import AskPassphrase
from ..keystore.store import KeyStore
from ..paths import cache_file, keys_dir, state_file
from ..protocol.event import Event
from ..relay.connection import FRAMES_PER_TURN, ConnectFn, default_connect
from ..relay.pool import RelayPool
from ..store.aio import Store
from .conversation import Threads
from .counts import CountsWatch
from .errors import ClientError, translated
from .events import Message, Notifications
from .feeds import Feeds
from .ingest import Ingest
from .items import ItemContext
from .lists import Lists
from .local import CacheAdmin, Drafts, Search
from .notes import Notes
from .people import People
from .profiles import Nip05Checker
from .publisher import Publisher
from .relays import Relays
from .session import AccountInfo, Session
from .signer import EventTemplate

INTERACTIVE_FRAMES_PER_TURN = 64
"""Frames a relay's reader handles per turn when a screen shares the loop. Measured under a flood (20,000
offered events/s, a loaded 2-core machine): key-press p99 84-173 ms at 256 frames a turn, 83-100 ms at 64;
`req` is about 7% slower at 64, so the command line keeps 256."""


class Client:
    """Everything a Nostr client does without a screen.

    Seams: `connect` (websocket opener), `clock`, `prompt` (how a passphrase is asked when neither
    NOSTR_TUI_PASSPHRASE nor `[keys] passphrase_command` gives one), `passphrase` (replaces every source),
    `environ`, `nip05` (the NIP-05 checker). With `env_key`, NOSTR_SECRET_KEY signs (for scripts).
    Relays added, removed or re-flagged are written to `config_path` (None: they last for the session only).
    `interactive` is for a front end that shares the event loop with a screen: relays are read in shorter
    turns under a flood, so keys are answered at once, at some cost in events read per second.
    Without `live_counts` (the command line, which shows no counts), stored events announce no CountsChanged
    and the notes whose counts they change are not worked out. Without `relay_info` (the command line, which
    shows no relay's NIP-11 document), no document is fetched: no HTTP request per relay, and no HTTP client
    loaded (about 0.1 s of the event loop's time, while the first events arrive).
    """

    def __init__(
        self,
        config: Config,
        *,
        data_dir: Path | None = None,
        environ: Mapping[str, str] | None = None,
        prompt: AskPassphrase | None = None,
        passphrase: AskPassphrase | None = None,
        env_key: bool = False,
        connect: ConnectFn = default_connect,
        clock: Callable[[], float] = time.time,
        nip05: Nip05Checker | None = None,
        config_path: Path | None = None,
        interactive: bool = False,
        live_counts: bool = True,
        relay_info: bool = True,
    ) -> None:
        self.config = config
        self.clock = clock
        base = data_dir or config.resolved_data_dir()
        self.data_dir = base
        self.notifications = Notifications()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._started = False
        self._closing = False
        keystore = KeyStore(keys_dir(base), log_n=config.keys.log_n, warn=self._warn)
        self.session = Session(keystore, config.keys, self.notifications, environ=environ, prompt=prompt,
                               passphrase=passphrase, env_key=env_key, clock=clock)
        self._store = Store(cache_file(base), state_file(base), clock=clock)
        self._pool = RelayPool(
            network=config.network,
            connect=connect,
            clock=clock,
            auth_signer=self._auth_sign,
            auth_allowed=config.auth_allowed,
            on_notification=self._on_pool,
            on_seen=self._on_seen,
            fetch_info=relay_info,
            frames_per_turn=INTERACTIVE_FRAMES_PER_TURN if interactive else FRAMES_PER_TURN,
        )
        spawn = self.spawn
        self.relays = Relays(self._pool, self._store, config, self.notifications, spawn, config_path)
        self.ingest = Ingest(self._pool, self._store, self.relays, spawn)
        self.publisher = Publisher(self.session, self._pool, self._store, self.relays, self.ingest,
                                   self.notifications, spawn)
        self.people = People(self._store, self.ingest, self.notifications,
                             nip05 or Nip05Checker(timeout=config.network.nip11_timeout), self.context, spawn)
        self.lists = Lists(self.session, self._store, self.ingest, self.publisher, self.relays, self.notifications,
                           clock, config.network.eose_timeout, spawn)
        self.threads = Threads(self._store, self.ingest, self.relays, self.people, self.lists, self.notifications,
                               self.context, spawn)
        self.notes = Notes(self.session, self.publisher, self.relays, self.lists, self.people, self.threads,
                           self._store)
        self.feeds = Feeds(self.session, self._store, self.ingest, self.relays, self.lists, self.people,
                           self.notifications, self.context)
        self.drafts = Drafts(self._store)
        self.search = Search(self._store, self.people, self.context)
        self.cache = CacheAdmin(cache_file(base))
        self._counts = CountsWatch(self._store, self.notifications, lambda: self.context().me, spawn)
        if live_counts:
            self.ingest.on_counts_changed(self._counts.changed)
        self.relays.on_connected(self.publisher.retry)
        self.publisher.before_delivery(self.lists.before_delivery)
        self.lists.on_follows_changed(self.feeds.follows_changed)
        self.publisher.on_enqueued(self.feeds.own_published)
        self.session.on_switch(self._account_switched)

    def __repr__(self) -> str:
        return f"Client(account={self.session.account_name!r}, data_dir={str(self.data_dir)!r})"

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self, *, network: bool = True) -> None:
        """Open the store and load the active account's lists; with `network`, connect to the relays and
        fetch the account's lists from them in the background. Raises ClientError (e.g. a full disk)."""
        with translated():
            await self._store.start()
        self._started = True
        if self._store.notice:
            self._warn(self._store.notice)
        await self.lists.load()
        if network:
            self.relays.start()
            self.lists.start_sync()
        await self.publisher.report()

    async def close(self) -> None:
        """Stop feeds, close relays and the store, forget decrypted keys; every task finished. Safe twice."""
        if self._closing:
            return
        self._closing = True
        self.relays.close()
        self.ingest.close()
        self.people.close()
        await self.feeds.close_all()
        await self._cancel_tasks()
        await self._pool.close()
        await self._cancel_tasks()  # anything a relay's last notifications started
        if self._started:
            await self._store.close()
        self.session.close()

    async def _cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        """Run background work owned by the client (cancelled on close; refused once closing)."""
        task = asyncio.ensure_future(coro)
        if self._closing:
            task.cancel()
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def flush(self) -> None:
        """Wait until the background work started so far (deliveries, fetches) has finished."""
        while True:
            pending = [t for t in self._tasks if not t.done() and t is not asyncio.current_task()]
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)

    # -- wiring ----------------------------------------------------------------------------------

    def context(self) -> ItemContext:
        """Mutes, follows, NIP-05 verdicts and who is reading, for decorating notes."""
        try:
            me = self.session.pubkey
        except ClientError:  # a malformed NOSTR_SECRET_KEY: nothing is marked as the reader's
            me = None
        return ItemContext(self.lists.mutes, self.lists.follows, self.people.nip05_state, me)

    def _warn(self, text: str) -> None:
        self.notifications.put(Message(text, "warning"))

    def _on_pool(self, note: Any) -> None:
        self.relays.pool_notification(note)

    def _on_seen(self, event_id: str, url: str) -> None:
        self.ingest.seen(event_id, url)

    async def _auth_sign(self, url: str, challenge: str) -> Event | None:
        """The NIP-42 login event for a relay the config allows (None when nothing can sign)."""
        try:
            return await self.session.sign(EventTemplate.make(22242, "", [["relay", url], ["challenge", challenge]]))
        except ClientError:
            return None

    async def _account_switched(self, account: AccountInfo | None) -> None:
        await self.feeds.close_all()
        if not self._started or self._closing:
            return  # account commands of the command line: no store, no relays
        await self.lists.load()
        self.lists.start_sync()
