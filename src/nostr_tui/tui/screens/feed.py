"""The feed screen: tabs Home, Mentions, Global (and any hashtag or profile feed opened)."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, TabbedContent, TabPane

from ..messages import FeedNotes
from ..widgets.note_base import NoteListBase
from ..widgets.note_list import NoteList
from ..widgets.status_bar import StatusBar
from .base import NoteScreen

TABS = (("home", "Home"), ("mentions", "Mentions"), ("global", "Global"))


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
        return NoteList(id=tab_id(key) + "-list", names=app.name_for, followed_names=app.followed_names(),
                        clock=app.clock)

    def on_mount(self) -> None:
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
            lst = self.note_list()
            if lst is not None:
                lst.focus()

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
        if not items:
            hint = ("Nothing here yet: waiting for relays…" if self.keys[pane] != "home"
                    else "Your home feed is empty: follow people from their profile (p), or look at Global (3).")
            self.notify(hint, markup=False)
        lst.focus()

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

    @work(exit_on_error=False, group="reload", exclusive=True)
    async def reload(self, pane: str) -> None:
        """Show a tab's newest page from the store again (after a flood of new notes)."""
        if pane in self.keys:
            items = await self.nostr.client.feeds.open(self.keys[pane]).first_page()
            self.query_one(f"#{pane}-list", NoteList).set_items(items)

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
        """New notes go behind the "N new notes" line of their tab."""
        pane = tab_id(message.event.feed)
        if pane in self.loaded:
            self.query_one(f"#{pane}-list", NoteList).prepend_new(list(message.event.items))
