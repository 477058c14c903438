"""The feed screen: tabs Home, Mentions, Global (and any hashtag or profile feed opened)."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, TabbedContent, TabPane

from ...client import MuteList
from ..messages import AccountSwitched, FeedNotes, ListsUpdated, RelayChanged
from ..widgets.compose import Compose
from ..widgets.note_base import NoteListBase
from ..widgets.note_list import NoteList
from ..widgets.status_bar import StatusBar
from .base import NoteScreen

TABS = (("home", "Home"), ("mentions", "Mentions"), ("global", "Global"))


def empty_reason(key: str, *, signed_in: bool, follows: int, connected: int, total: int) -> str:
    """Why a feed with no note is empty, and what to do."""
    if total == 0:
        return "No relay is configured, so no note can arrive. Add one on the relays screen: press R, then a."
    if key in ("home", "mentions") and not signed_in:
        return "No account yet: press K to add one (or read Global: press 3)."
    if connected == 0:
        return (f"No relay is connected (0 of {total}), so no note can arrive now. The relays screen (R) says why "
                "each one failed; it keeps retrying, and notes already in the cache show here.")
    if key == "home" and follows == 0:
        return ("You follow no one yet, so Home is empty. Find people in Global (press 3), open a profile with p "
                "and press f to follow them.")
    if key == "home":
        return f"No notes yet from the {follows} people you follow: waiting for the relays…"
    if key == "mentions":
        return "No one has mentioned you or replied to you yet. When someone does, it shows here."
    return "Nothing here yet: waiting for the relays…"


def tab_id(key: str) -> str:
    """A widget id for a feed key."""
    return "feed-" + "".join(c if c.isalnum() else "-" for c in key)


class FeedScreen(NoteScreen):
    """Notes newest first; new ones wait behind a "N new notes" line; Enter opens the thread."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,full_stop", "show_new", "New notes", id="feed.show_new"),
        Binding("1", "tab('home')", "Home", show=False, id="feed.home"),
        Binding("2", "tab('mentions')", "Mentions", show=False, id="feed.mentions"),
        Binding("3", "tab('global')", "Global", show=False, id="feed.global"),
        Binding("right,l", "next_tab", "Next tab", show=False, id="feed.next_tab"),
        Binding("left,h", "previous_tab", "Previous tab", show=False, id="feed.previous_tab"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.loaded: set[str] = set()
        self.keys: dict[str, str] = {}  # pane id -> feed key
        self._lists_seen: tuple[frozenset[str], MuteList] = (frozenset(), MuteList())

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            for key, title in TABS:
                self.keys[tab_id(key)] = key
                with TabPane(title, id=tab_id(key)):
                    yield self._list(key)
        yield self.make_compose()
        yield StatusBar(id="status")
        yield Footer()

    def _list(self, key: str) -> NoteList:
        app = self.nostr
        lst = NoteList(id=tab_id(key) + "-list", names=app.name_for, followed_names=app.followed_names(),
                       clock=app.clock, max_width=app.config.ui.max_width, pending=app.pending_label)
        lst.cw_hint = self.cw_hint()
        return lst

    def on_mount(self) -> None:
        lists = self.nostr.client.lists
        self._lists_seen = (frozenset(lists.follows), lists.mutes)
        self.query_one("#compose").display = False
        self.load(tab_id("home"))

    def note_list(self) -> NoteListBase | None:
        pane = self.query_one(TabbedContent).active
        return self.query_one(f"#{pane}-list", NoteList) if pane else None

    def open_feed_tab(self, key: str, title: str) -> None:
        """Open (or go to) a tab for a hashtag or profile feed."""
        tid = tab_id(key)
        tabs = self.query_one(TabbedContent)
        if tid not in self.keys:
            self.keys[tid] = key
            tabs.add_pane(TabPane(title, self._list(key), id=tid))
        tabs.active = tid
        self.load(tid)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Load a tab the first time it is shown."""
        pane = event.pane.id
        if pane:
            self.load(pane)
            self._focus_list()

    @work(exit_on_error=False)
    async def load(self, pane: str) -> None:
        """First page from the store at once; the live subscription fills in."""
        if pane in self.loaded or pane not in self.keys:
            return
        self.loaded.add(pane)
        feed = self.nostr.client.feeds.open(self.keys[pane])
        items = await feed.first_page()
        lst = self.query_one(f"#{pane}-list", NoteList)
        lst.set_items(items)
        self.explain_empty()
        self._focus_list()

    def _focus_list(self) -> None:
        """The open tab's list takes the keyboard, unless the person is writing in the compose pane (a page
        that arrives late must not pull the keys they type away from it)."""
        lst = self.note_list()
        if lst is not None and not self.query_one(Compose).display:
            self.set_focus(lst)  # at once: a deferred focus() could land after the pane opened

    def explain_empty(self) -> None:
        """Each empty tab says why it is empty and what to do about it."""
        client = self.nostr.client
        connected, total = client.relays.connected_count()
        for pane, key in self.keys.items():
            lists = self.query(f"#{pane}-list").results(NoteList)
            for lst in lists:
                lst.empty_text = empty_reason(key, signed_in=client.session.pubkey is not None,
                                              follows=len(client.lists.follows), connected=connected, total=total)

    def on_relay_changed(self, message: RelayChanged) -> None:
        """A relay came or went: the empty tabs say so."""
        self.explain_empty()

    def on_note_list_need_older(self, message: NoteList.NeedOlder) -> None:
        """Page backwards from the store (and relays)."""
        oldest = message.oldest
        self.load_older(message.control.id or "", None if oldest is None else (oldest.at, oldest.key))

    @work(exit_on_error=False, group="older", exclusive=True)
    async def load_older(self, list_id: str, before: tuple[int, str] | None = None) -> None:
        """Append the next older page (below `before`, the list's last row: it may have let go of rows)."""
        pane = list_id.removesuffix("-list")
        if pane not in self.keys:
            return
        items = await self.nostr.client.feeds.open(self.keys[pane]).older(before=before)
        self.query_one(f"#{list_id}", NoteList).append_older(items)

    def action_show_new(self) -> None:
        """Jump to the notes that arrived while reading (more than the list holds: reload from the store)."""
        lst = self.note_list()
        if isinstance(lst, NoteList):
            if lst.pending_dropped and lst.id:
                self.reload(lst.id.removesuffix("-list"))
            else:
                lst.show_new()

    @work(exit_on_error=False)
    async def reload(self, pane: str, keep_cursor: bool = False) -> None:
        """Show a tab's newest page from the store again (after a flood of new notes, or a list change)."""
        if pane in self.keys:
            items = await self.nostr.client.feeds.open(self.keys[pane]).first_page()
            lst = self.query_one(f"#{pane}-list", NoteList)
            was = lst.selected_item.key if keep_cursor and lst.selected_item is not None else None
            lst.set_items(items)
            at = next((i for i, item in enumerate(items) if item.key == was), None)
            if at is not None:
                lst.move_cursor(at)

    def on_lists_updated(self, message: ListsUpdated) -> None:
        """Muted notes leave at once; after an unmute (or a follow change, on Home) the tabs are read from the
        store again, so what is no longer hidden comes back, the cursor staying on the note it was on; what an
        empty Home says follows too. (NoteScreen's handler, which takes the muted notes out, runs as well.)"""
        self.explain_empty()
        lists = self.nostr.client.lists
        follows, mutes = frozenset(lists.follows), lists.mutes
        old_follows, old_mutes = self._lists_seen
        self._lists_seen = (follows, mutes)
        unmuted = any(not (new >= old) for new, old in (
            (mutes.pubkeys, old_mutes.pubkeys), (mutes.event_ids, old_mutes.event_ids),
            (mutes.hashtags, old_mutes.hashtags), (mutes.words, old_mutes.words)))
        for pane in self.loaded:
            if unmuted or (follows != old_follows and self.keys.get(pane) == "home"):
                self.reload(pane, keep_cursor=True)

    def action_tab(self, key: str) -> None:
        """Go to a tab."""
        self.query_one(TabbedContent).active = tab_id(key)

    def _step_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        ids = list(self.keys)
        if tabs.active in ids:
            tabs.active = ids[(ids.index(tabs.active) + step) % len(ids)]

    def action_next_tab(self) -> None:
        """The tab to the right."""
        self._step_tab(1)

    def action_previous_tab(self) -> None:
        """The tab to the left."""
        self._step_tab(-1)

    def on_feed_notes(self, message: FeedNotes) -> None:
        """New notes go behind the "N new notes" line of their tab; the reader's own are shown at once."""
        pane = tab_id(message.event.feed)
        if pane in self.loaded:
            lst = self.query_one(f"#{pane}-list", NoteList)
            if message.event.own:
                self.place_own(lst, message.event.items)
            else:
                lst.prepend_new(list(message.event.items))

    def on_account_switched(self, message: AccountSwitched) -> None:
        """Another account: every tab shows that account's feeds (the open tab at once, the others when shown)."""
        self.loaded.clear()
        tabs = self.query_one(TabbedContent)
        if tabs.active:
            self.load(tabs.active)
