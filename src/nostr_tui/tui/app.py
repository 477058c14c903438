"""The Textual app: screens on top of the headless client, one pump turning its notifications into messages."""

from __future__ import annotations

import logging
import logging.handlers
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from ..client import Author, Client, ClientError, PublishProgress, PublishStatus
from ..collector import quiet_collector
from ..config import Config
from .commands import NostrCommands
from .messages import ClientSays, OutboxCount, PublishReceipt, RelayChanged, message_for
from .prompts import ModalPrompts
from .widgets.status_bar import StatusBar

AskPassphrase = Callable[[str, bool], str]

log = logging.getLogger(__name__)

DRAFT_DELAY = 0.5
SENDING = "sending…"
UNSENT = "not sent yet: in the outbox (O)"


SWITCH_INTERVAL = 0.001
"""Seconds a thread may keep the interpreter while another waits for it, while the app runs (Python's own: 5 ms)."""


def short_turns() -> Callable[[], None]:
    """Let the threads beside the event loop take the interpreter in shorter turns while the app runs.

    A thread that wants the GIL waits until the one holding it has run for the switch interval. Under a flood
    the event loop is never idle, and the store's writer takes the GIL back after each of a batch's SQLite
    statements and for the Python that builds its rows: with 5 ms turns a key press queued on the loop waits
    behind the writer's turns, and the writer falls behind and holds more in memory. With 1 ms turns the
    flood benchmark's key-press p99 is 83-88 ms against 96-103 ms and its memory grows less; the median key
    press is 6 ms slower (benchmarks/PROFILE.md has the figures). With one thread busy, nothing changes.
    Returns what puts the interval back (when the app ends, e.g. in a process running several).
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_INTERVAL))

    def restore() -> None:
        sys.setswitchinterval(before)

    return restore


class NostrApp(App[int]):
    """nostr-tui: feed, threads, compose, profiles, relays and keys."""

    TITLE = "nostr-tui"
    CSS_PATH = "styles/app.tcss"
    COMMANDS = App.COMMANDS | {NostrCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        # priority: the screen opens as the key arrives, so the keys typed right after it (in one read: a paste,
        # a fast typist over SSH) reach that screen, not the one it covers. A text field still takes the letter,
        # and a dialog keeps its keys (check_action).
        Binding("R", "relays", "Relays", id="app.relays", priority=True),
        Binding("K", "keys", "Keys", id="app.keys", priority=True),
        Binding("O", "outbox", "Outbox", id="app.outbox", priority=True),
        Binding("u", "undo", "Undo list change", show=False, id="app.undo"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, config: Config, *, demo: bool = False, data_dir: Path | None = None,
                 clock: Callable[[], float] = time.time, client: Client | None = None,
                 prompt: AskPassphrase | None = None, config_path: Path | None = None) -> None:
        super().__init__()
        self.config = config
        self.config_path = config_path  # where relays edited in the app are saved (None: not saved)
        self.undo_available = False
        self.demo = demo
        self.data_dir = data_dir
        self.clock = clock
        self._client = client
        self._prompt = prompt
        self.demo_relay: Any = None
        self.config_written: Path | None = None  # set when this run wrote the first config
        self.names: dict[str, str] = {}  # pubkey -> display name (follows and authors seen)
        self._draft_timer: Timer | None = None
        self._draft: tuple[str, str] | None = None
        self._restore_collector: Callable[[], None] | None = None
        self._restore_turns: Callable[[], None] | None = None
        self.relays_connected = 0
        self.relays_total = len(config.relays)
        self.unsent = 0
        self.partial = 0
        self.pending_relays = 0
        self.startup_error: str | None = None  # one line for the terminal when the app could not start
        self._prompts = ModalPrompts(self)
        self.pending_notes: dict[str, str] = {}  # event id -> how far a note just sent has got
        self.set_keymap(config.keymap)

    def _fatal_error(self) -> None:
        """Exit after an unhandled exception with a traceback that shows no local variables: a frame may hold
        a passphrase or a key, and the report is printed on the terminal.

        This overrides a private method on purpose: Textual's own report is built here with
        `show_locals=True`, and no public setting or hook changes what it prints."""
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        report = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(Segments(self.console.render(report, self.console.options)))
        self._close_messages_no_wait()

    @property
    def client(self) -> Client:
        """The headless client (created on mount)."""
        assert self._client is not None, "client not started"
        return self._client

    # -- start and stop -----------------------------------------------------------------------------

    async def on_mount(self) -> None:
        if self.demo:
            from .demo import setup_demo

            self._client = await setup_demo(self)
        else:
            try:
                if self._client is None:
                    self._client = Client(self.config, data_dir=self.data_dir, clock=self.clock,
                                          prompt=self._prompt or self.modal_passphrase, config_path=self.config_path,
                                          interactive=True)
                await self.client.start()
            except ClientError as exc:  # e.g. a full or read-only disk, a damaged accounts file
                self.startup_error = str(exc)
                self.exit(return_code=1)
                return
        self.relays_total = len(self.client.relays.status())
        self.pump()
        self.set_interval(1.0, self.update_status)  # every screen's status bar, also right after it opens
        await self.refresh_names()
        from .screens.feed import FeedScreen

        await self.push_screen(FeedScreen())
        self._restore_collector = quiet_collector()
        self._restore_turns = short_turns()
        if self.demo:
            self.notify("This demo is made from one real Nostr thread: the note at the top. Enter opens its "
                        "discussion; ? lists every key.", title="nostr-tui --demo", timeout=12, markup=False)
        self.report_keymap()
        if self.client.session.pubkey is None:
            from .screens.welcome import WelcomeScreen

            await self.push_screen(WelcomeScreen())

    async def on_unmount(self) -> None:
        if self._restore_collector is not None:
            self._restore_collector()
            self._restore_collector = None
        if self._restore_turns is not None:
            self._restore_turns()
            self._restore_turns = None
        self._prompts.cancel_all()  # a passphrase dialog was open: its thread stops waiting
        if self._draft is not None and self._client is not None:
            key, text = self._draft
            await self._client.drafts.save(key, text)
        if self._client is not None:
            await self._client.close()
        if self.demo_relay is not None:
            await self.demo_relay.stop()
        if self.demo and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def report_keymap(self) -> None:
        """Say which [keymap] entries name no binding or take a key another binding of the screen uses."""
        from .keymap import keymap_problems

        for line in keymap_problems(self.config.keymap):
            log.info("%s", line)
            self.notify(line, severity="warning", timeout=30, markup=False)

    @work(exit_on_error=False, group="pump")
    async def pump(self) -> None:
        """The single pump: each client notification becomes its Textual message, for the app and every screen."""
        notifications = self.client.notifications
        while True:
            event = await notifications.get()
            message = message_for(event)
            if isinstance(message, RelayChanged):
                self.relays_connected, self.relays_total = message.event.connected, message.event.total
            elif isinstance(message, OutboxCount):
                event = message.event
                self.unsent, self.partial, self.pending_relays = event.unsent, event.partial, event.pending_relays
            elif isinstance(message, PublishReceipt):
                self._delivery(message.event)
            elif isinstance(message, ClientSays):
                text = message.event
                severity: Literal["information", "warning"] = "warning" if text.level != "info" else "information"
                self.notify(text.text, severity=severity, timeout=4, markup=False)  # relay text is never markup
            self.update_status()
            for screen in self.screen_stack:
                screen.post_message(message_for(event))

    # -- notes just sent ----------------------------------------------------------------------------

    def pending_label(self, event_id: str) -> str | None:
        """How far a note the reader sent in this session has got, until a relay accepts it."""
        return self.pending_notes.get(event_id)

    def note_sending(self, event_id: str) -> None:
        """A note was signed and put in the outbox: marked "sending…" wherever it is shown."""
        self.pending_notes[event_id] = SENDING
        self._redraw_notes()

    def _delivery(self, progress: PublishProgress) -> None:
        event_id = progress.event_id
        if event_id not in self.pending_notes:
            return
        if progress.result.status is PublishStatus.ACCEPTED:
            del self.pending_notes[event_id]
        elif progress.pending == 0:
            self.pending_notes[event_id] = UNSENT
        else:
            return
        self._redraw_notes()

    def _redraw_notes(self) -> None:
        from .widgets.note_base import NoteListBase

        for screen in self.screen_stack:
            for lst in screen.query(NoteListBase):
                lst.invalidate()

    def update_status(self) -> None:
        """Redraw the status bars: account, relays connected, unsent notes."""
        client = self._client
        if client is not None:
            self.relays_connected, self.relays_total = client.relays.connected_count()
        for bar in (b for screen in self.screen_stack for b in screen.query(StatusBar)):
            bar.account = (client.session.account_name or "no account") if client else ""
            bar.read_only = client.session.read_only if client else True
            bar.set_relays(self.relays_connected, self.relays_total)
            bar.unsent = self.unsent
            bar.partial = self.partial
            bar.pending_relays = self.pending_relays

    # -- names for the widgets ----------------------------------------------------------------------

    async def refresh_names(self) -> None:
        """Load display names of follows (for @ completion and mention labels)."""
        authors = await self.client.people.authors(sorted(self.client.lists.follows))
        self.names.update({pk: a.name for pk, a in authors.items()})

    def name_for(self, pubkey: str) -> str | None:
        """A display name for a pubkey, when known."""
        return self.names.get(pubkey)

    def followed_names(self) -> list[str]:
        """Display names of follows (to mark impersonators)."""
        follows = self._client.lists.follows if self._client else frozenset()
        return [n for pk, n in self.names.items() if pk in follows]

    def complete_names(self, prefix: str) -> list[Author]:
        """People whose name starts with `prefix` (follows first), for @ completion."""
        p = prefix.lower()
        follows = self._client.lists.follows if self._client else frozenset()
        found = [Author(pk, n, followed=pk in follows) for pk, n in self.names.items() if n.lower().startswith(p)]
        found.sort(key=lambda a: (not a.followed, a.name.lower()))
        return found[:8]

    # -- drafts -------------------------------------------------------------------------------------

    def save_draft_soon(self, key: str, text: str) -> None:
        """Save the draft after a short pause in typing."""
        self._draft = (key, text)
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, lambda: self.save_draft_now(key, text))

    def save_draft_now(self, key: str, text: str) -> None:
        """Save (or, when empty, delete) the draft in the background."""
        self._draft = None
        if self._client is not None:
            drafts = self._client.drafts

            async def save() -> None:
                try:
                    await drafts.save(key, text)
                except ClientError as exc:
                    self.notify(f"The draft could not be saved: {exc}", severity="error", markup=False)

            self.run_worker(save(), exit_on_error=False, group="drafts")

    # -- passphrase ---------------------------------------------------------------------------------

    def modal_passphrase(self, prompt: str, confirm: bool) -> str:
        """Ask for a passphrase in a modal; called from a worker thread (the key store runs there). A new
        passphrase (`confirm`) shows how strong it is, warns when it is weak, and is asked twice."""
        return self._prompts.ask(prompt, confirm)

    # -- navigation ---------------------------------------------------------------------------------

    def open_thread(self, ref: str) -> None:
        """Show the thread around a note."""
        from .screens.thread import ThreadScreen

        self.push_screen(ThreadScreen(ref))

    def open_profile(self, pubkey: str) -> None:
        """Show a profile."""
        from .screens.profile import ProfileScreen

        self.push_screen(ProfileScreen(pubkey))

    def open_hashtag(self, tag: str) -> None:
        """Open a tab with a hashtag's notes."""
        from .screens.feed import FeedScreen

        feeds = [s for s in self.screen_stack if isinstance(s, FeedScreen)]
        if feeds:
            while self.screen is not feeds[-1]:
                self.pop_screen()
            feeds[-1].open_feed_tab(f"hashtag:{tag.lower()}", f"#{tag}")

    def open_search(self, text: str) -> None:
        """Search the local store."""
        from .screens.search import SearchScreen

        self.push_screen(SearchScreen(text))

    @work(exit_on_error=False)
    async def switch_account(self, name: str) -> None:
        """Make another account active and reload the feeds."""
        try:
            await self.client.session.use(name)
        except ClientError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        await self.refresh_names()
        self.update_status()
        self.notify(f"Now using {name}.", markup=False)

    @work(exit_on_error=False, group="undo", exclusive=True)
    async def action_undo(self) -> None:
        """Reverse the last change to a list (follows, mutes, relays, profile), on the newest version."""
        from .list_changes import run_change

        if not self.undo_available:
            self.notify("Nothing to undo.", markup=False)
            return
        lists = self.client.lists
        if await run_change(self, lambda force: lists.undo(force=force), done="Undone.", undoable=False):
            self.undo_available = False

    def action_help(self) -> None:
        """Every key of the current screen."""
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """R, K and O are priority keys (see BINDINGS); on a dialog they stay the dialog's, as every other key."""
        if action in ("relays", "keys", "outbox") and isinstance(self.screen, ModalScreen):
            return False
        return True

    def _open(self, screen_type: type[Screen[Any]]) -> None:
        """Open a screen of `screen_type`, unless it is the one shown (R on the relays screen, K on the accounts)."""
        if not isinstance(self.screen, screen_type):
            self.push_screen(screen_type())

    def action_relays(self) -> None:
        """The relays screen."""
        from .screens.relays import RelaysScreen

        self._open(RelaysScreen)

    def action_keys(self) -> None:
        """The accounts screen."""
        from .screens.keys import KeysScreen

        self._open(KeysScreen)

    def action_outbox(self) -> None:
        """The outbox: what is not yet accepted everywhere it should go."""
        from .screens.outbox import OutboxScreen

        self._open(OutboxScreen)


__all__ = ["NostrApp"]
