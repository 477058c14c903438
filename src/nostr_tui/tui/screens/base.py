"""What the feed and thread screens share: note actions, the compose pane, publishing results."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...client import Author, ClientError, NoteItem, PublishStatus, Sending
from ...environment import child_environ
from ...protocol import nip19
from ..list_changes import ask_to_mute
from ..messages import ListsUpdated, ProfileChanged
from ..widgets.compose import Compose, Mode
from ..widgets.note_base import NoteListBase, NoteOpened
from ..widgets.note_list import NoteList
from ..widgets.status_bar import StatusBar
from ..widgets.thread_view import ThreadView
from .modals import ConfirmModal

if TYPE_CHECKING:
    from ..app import NostrApp


def refresh_author(lst: NoteList | ThreadView, author: Author) -> None:
    """Show an author's new name or NIP-05 mark on every note of theirs that the list holds."""
    pk = author.pubkey
    for i in range(lst.item_count()):
        item = _item_at(lst, i)
        if item is None:
            continue
        hit = item.author.pubkey == pk
        reply_to, reposted_by, reacted_by = item.reply_to, item.reposted_by, item.reacted_by
        if reply_to is not None and reply_to.pubkey == pk:
            reply_to, hit = author, True
        if reposted_by is not None and reposted_by.pubkey == pk:
            reposted_by, hit = author, True
        if reacted_by is not None and reacted_by.pubkey == pk:
            reacted_by, hit = author, True
        if hit:
            lst.update_item(replace(item, author=author if item.author.pubkey == pk else item.author,
                                    reply_to=reply_to, reposted_by=reposted_by, reacted_by=reacted_by))


def _item_at(lst: NoteList | ThreadView, index: int) -> NoteItem | None:
    if isinstance(lst, ThreadView):
        return lst.row(index).item
    return lst.item(index)


def edit_in_editor(app: App[object], text: str) -> str | None:
    """Suspend the app, run $VISUAL/$EDITOR on a private temp file holding `text`, return the result."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    fd, name = tempfile.mkstemp(prefix="nostr-tui-note-", suffix=".md")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        try:
            with app.suspend():
                done = subprocess.run([*shlex.split(command), str(path)], check=False, env=child_environ())
        except (OSError, SuspendNotSupported):
            return None
        if done.returncode != 0:
            return None
        return path.read_text(encoding="utf-8").rstrip("\n")
    finally:
        path.unlink(missing_ok=True)


class NoteScreen(Screen[None]):
    """A screen showing notes with a compose pane under them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "compose('new')", "Compose", id="note.compose"),
        Binding("r", "compose('reply')", "Reply", id="note.reply"),
        Binding("q", "compose('quote')", "Quote", id="note.quote"),
        Binding("plus", "react", "React +", id="note.react"),
        Binding("t", "repost", "Repost", id="note.repost"),
        Binding("p", "profile", "Profile", id="note.profile"),
        Binding("o", "open_link", "Open link", id="note.open_link"),
        Binding("y", "copy", "Copy nevent", id="note.copy"),
        Binding("x", "toggle_warning", "Show/hide CW", show=False, id="note.content_warning"),
        Binding("m", "mute", "Mute", show=False, id="note.mute"),
        Binding("ctrl+e", "external_editor", "$EDITOR", id="note.editor"),
    ]

    compose_mode: Mode = "new"
    compose_target: NoteItem | None = None

    @property
    def nostr(self) -> NostrApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def note_list(self) -> NoteListBase | None:
        """The list whose selected note the actions act on."""
        raise NotImplementedError

    def selected(self) -> NoteItem | None:
        """The note under the cursor."""
        lst = self.note_list()
        return lst.selected_item if lst is not None else None

    def draft_key(self) -> str:
        """The draft key of the compose pane's current target."""
        if self.compose_target is None or self.compose_mode == "new":
            return "new"
        return f"{self.compose_mode}:{self.compose_target.event.id}"

    # -- compose ------------------------------------------------------------------------------------

    def make_compose(self) -> Compose:
        """The (hidden) compose pane."""
        return Compose(id="compose", complete=self.nostr.complete_names, names=self.nostr.name_for,
                       read_only=self.nostr.client.session.read_only)

    async def action_compose(self, mode: Mode) -> None:
        """Open the compose pane for a new note, a reply or a quote of the selected note."""
        target = self.selected() if mode != "new" else None
        if mode != "new" and target is None:
            self.notify("Select a note first.", severity="warning", markup=False)
            return
        pane = self.query_one(Compose)
        self.compose_mode, self.compose_target = mode, target
        pane.set_read_only(self.nostr.client.session.read_only)
        pane.set_target(mode, target)
        pane.clear_results()
        try:
            draft = await self.nostr.client.drafts.get(self.draft_key())
        except ClientError as exc:
            self.notify(f"The draft could not be read: {exc}", severity="warning", markup=False)
            draft = ""
        pane.set_text(draft)
        pane.display = True
        pane.focus_editor()

    def action_external_editor(self) -> None:
        """Edit the compose text in $EDITOR (the pane opens first if it is closed)."""
        pane = self.query_one(Compose)
        if not pane.display:
            self.notify("Open the compose pane first (c, r or q).", markup=False)
            return
        if pane.read_only:
            return
        text = edit_in_editor(self.app, pane.text)
        if text is None:
            self.notify("No editor could be run: set $EDITOR (or $VISUAL).", severity="warning", markup=False)
            return
        pane.set_text(text)
        self.nostr.save_draft_now(self.draft_key(), text)
        pane.focus_editor()

    def on_compose_changed(self, message: Compose.Changed) -> None:
        """Save the draft as it is typed (debounced)."""
        self.nostr.save_draft_soon(self.draft_key(), message.text)

    def on_compose_cancel(self, message: Compose.Cancel) -> None:
        """Hide the pane; the draft stays."""
        pane = self.query_one(Compose)
        self.nostr.save_draft_now(self.draft_key(), pane.text)
        pane.display = False
        lst = self.note_list()
        if lst is not None:
            lst.focus()

    def on_compose_send(self, message: Compose.Send) -> None:
        """Sign and publish what was written; results per relay appear in the pane."""
        self.send_text(message.text)

    @work(exit_on_error=False, group="send")
    async def send_text(self, text: str) -> None:
        """Publish in the background; each relay's answer shows in the pane as it comes; a failed send keeps
        the text."""
        pane = self.query_one(Compose)
        client = self.nostr.client
        self.nostr.save_draft_now(self.draft_key(), text)
        target = self.compose_target
        try:
            pane.clear_results()
            pane.show_result("signing", "pending", "unlocking the key…")
            await client.session.unlock()
            pane.show_result("signing", "pending", "signing and sending…")
            if self.compose_mode == "reply" and target is not None:
                sending = await client.notes.reply(target.event.id, text)
            elif self.compose_mode == "quote" and target is not None:
                sending = await client.notes.quote(target.event.id, text)
            else:
                sending = await client.notes.post(text, draft_key="new")
        except ClientError as exc:
            pane.clear_results()
            pane.show_result("error", "failed", str(exc))  # the text stays in the pane and the draft
            return
        await self.follow_sending(pane, sending)

    async def follow_sending(self, pane: Compose, sending: Sending) -> None:
        """Show each relay's answer as it arrives; the pane empties once one relay accepted."""
        pane.clear_results()
        for url in sending.targets:
            pane.show_result(url, "pending", "sending…")
        self.after_send(sending)
        emptied = False
        async for r in sending:
            pane.show_result(r.url, r.status.value, r.message)
            if r.status is PublishStatus.ACCEPTED and not emptied:
                emptied = True
                pane.set_text("")
                self.notify("Sent.", markup=False)
        if not emptied:
            self.notify("Not accepted by any relay yet; it stays in the outbox and will be retried.",
                        severity="warning", markup=False)

    def after_send(self, sending: Sending) -> None:
        """Called once a note is signed and in the outbox (a screen may show it at once)."""

    def on_profile_changed(self, message: ProfileChanged) -> None:
        """A name or NIP-05 mark arrived: show it on every note of that person."""
        event = message.event
        self.nostr.names[event.pubkey] = event.author.name
        followed = event.pubkey in self.nostr.client.lists.follows
        for lst in [*self.query(NoteList), *self.query(ThreadView)]:
            if followed:  # a follow's name: impersonators of it get marked
                lst.set_followed_names(self.nostr.followed_names())
            refresh_author(lst, event.author)

    def on_lists_updated(self, message: ListsUpdated) -> None:
        """A mute takes effect at once: muted notes leave every list on this screen."""
        hides = self.nostr.client.lists.hides
        for lst in self.query(NoteList):
            lst.drop_where(hides)

    def action_mute(self) -> None:
        """Mute the selected note's author (after a confirmation)."""
        item = self.selected()
        if item is None:
            return
        ask_to_mute(self.nostr, item.author.pubkey, item.author.name)

    def on_note_opened(self, message: NoteOpened) -> None:
        """Enter on a note opens its thread."""
        self.nostr.open_thread(message.item.event.id)

    # -- one-key actions ----------------------------------------------------------------------------

    async def _confirm_publish(self, question: str, action: str) -> None:
        item = self.selected()
        if item is None:
            return
        if self.nostr.client.session.read_only:
            self.notify("This account has no key: log in with a key to react or repost.", severity="warning",
                        markup=False)
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self.one_key(action, item.event.id)

        self.app.push_screen(ConfirmModal(question.format(name=item.author.name)), answered)

    async def action_react(self) -> None:
        """React + to the selected note (after a confirmation)."""
        await self._confirm_publish("React with + to {name}'s note? This is public.", "react")

    async def action_repost(self) -> None:
        """Repost the selected note (after a confirmation)."""
        await self._confirm_publish("Repost {name}'s note to your followers?", "repost")

    @work(exit_on_error=False, group="one-key")
    async def one_key(self, action: str, note_id: str) -> None:
        """React or repost in the background and say how it went."""
        notes = self.nostr.client.notes
        try:
            await self.nostr.client.session.unlock()
            sending = await (notes.react(note_id) if action == "react" else notes.repost(note_id))
            results = await sending.results()
        except ClientError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        ok = sum(1 for r in results if r.status is PublishStatus.ACCEPTED)
        self.notify(f"{action.capitalize()} accepted by {ok} of {len(results)} relays.", markup=False)

    def action_profile(self) -> None:
        """Open the selected note's author."""
        item = self.selected()
        if item is not None:
            self.nostr.open_profile(item.author.pubkey)

    def action_open_link(self) -> None:
        """Show the note's links (they are also clickable OSC 8 hyperlinks)."""
        lst, item = self.note_list(), self.selected()
        if lst is None or item is None:
            return
        urls = lst.links(item)
        if not urls:
            self.notify("No link in this note.", markup=False)
            return
        self.app.open_url(urls[0])
        self.notify("Link: " + urls[0], markup=False)

    def action_copy(self) -> None:
        """Copy the note's nevent to the clipboard (OSC 52)."""
        item = self.selected()
        if item is None:
            return
        ref = nip19.encode(nip19.Nevent(item.event.id, (), item.event.pubkey, item.event.kind))
        self.app.copy_to_clipboard(ref)
        self.notify(f"Copied {ref[:24]}…", markup=False)

    def action_toggle_warning(self) -> None:
        """Show or hide a content-warned note."""
        lst = self.note_list()
        if lst is not None:
            lst.toggle_content_warning()


class OneListScreen(NoteScreen):
    """A heading over one list of notes and the compose pane (a profile, search results)."""

    LIST_ID = "notes"

    def heading(self) -> Static:
        """The widget above the list."""
        raise NotImplementedError

    async def fill(self) -> None:
        """Fill the heading and the list (runs in a worker)."""
        raise NotImplementedError

    def load(self) -> None:
        """(Re)fill in the background."""
        self.run_worker(self.fill(), exit_on_error=False, exclusive=True, group="fill")

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.heading()
        app = self.nostr
        yield NoteList(id=self.LIST_ID, names=app.name_for, followed_names=app.followed_names(), clock=app.clock)
        yield self.make_compose()
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Compose).display = False
        self.query_one(NoteList).focus()
        self.load()

    def note_list(self) -> NoteListBase | None:
        return self.query_one(NoteList)

    def action_back(self) -> None:
        """Back (Esc closes the compose pane first)."""
        if not self.query_one(Compose).display:
            self.app.pop_screen()
