"""What the feed and thread screens share: note actions, the compose pane, publishing results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import TextArea

from ...client import ClientError, NoteItem, PublishStatus, Sending
from ...protocol import nip10, nip19
from ..list_changes import ask_to_mute
from ..messages import CountsUpdated, ListsUpdated, ProfileChanged
from ..widgets.compose import Compose, Mode
from ..widgets.note_base import NoteHighlighted, NoteListBase, NoteOpened
from ..widgets.note_list import NoteList
from ..widgets.thread_view import ThreadView
from .modals import ConfirmModal
from .note_helpers import edit_in_editor, index_of, refresh_author

if TYPE_CHECKING:
    from ..app import NostrApp


class NoteScreen(Screen[None]):
    """A screen showing notes with a compose pane under them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "toggle_warning", "Show/hide CW", id="note.content_warning"),  # only on a note with one
        # priority: the pane opens as the key arrives, before the keys typed after it are handed to a widget, so
        # "chello" typed at once (a paste, a fast typist over SSH) writes "hello" in the pane; a text field
        # that takes the letter (the compose text, a search box) still gets it
        Binding("c", "compose('new')", "Compose", id="note.compose", priority=True),
        Binding("r", "compose('reply')", "Reply", id="note.reply", priority=True),
        Binding("q", "compose('quote')", "Quote", id="note.quote", priority=True),
        Binding("plus", "react", "React +", id="note.react"),
        Binding("t", "repost", "Repost", id="note.repost"),
        Binding("p", "profile", "Profile", id="note.profile"),
        Binding("o", "open_link", "Open link", id="note.open_link"),
        Binding("y", "copy", "Copy nevent", id="note.copy"),
        Binding("m", "mute", "Mute", show=False, id="note.mute"),
        # priority: the text area would take ctrl+e as "end of line" while it has the focus
        Binding("ctrl+e", "external_editor", "$EDITOR", id="note.editor", priority=True),
    ]

    compose_mode: Mode = "new"
    compose_target: NoteItem | None = None
    _footer_warned = False  # whether the footer offers the content-warning key
    expecting: tuple[str | None, Mode, str | None] | None = None
    """While a note is being sent: (the list it was written from, the mode, the note replied to)."""

    @property
    def nostr(self) -> NostrApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def note_list(self) -> NoteListBase | None:
        """The list whose selected note the actions act on."""
        raise NotImplementedError

    def cw_hint(self) -> str:
        """What a note behind a content warning says: the key that shows it (as remapped in [keymap])."""
        keys = self.nostr.config.keymap.get("note.content_warning") or "x"
        key = self.app.get_key_display(Binding(keys.split(",")[0].strip(), "toggle_warning"))
        return f" — press {key} to show it"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The content-warning key is offered (and shown in the footer) only on a note that has one; while the
        compose text has the focus, + is a character there, not a reaction (the footer does not offer it)."""
        if action == "react" and isinstance(self.focused, TextArea):
            return False
        if action == "toggle_warning":
            item = self.selected()
            return item is not None and item.content_warning is not None
        return True

    def on_note_highlighted(self, message: NoteHighlighted) -> None:
        """The cursor is on another note: the footer shows the keys that apply to it (redrawn only when they
        change, which keeps key presses cheap)."""
        warned = message.item.content_warning is not None
        if warned != self._footer_warned:
            self._footer_warned = warned
            self.refresh_bindings()

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
        # The pane opens and takes the keyboard at once, so what is typed right after c, r or q goes into it
        # (not to the feed's one-key actions) while the draft is read.
        pane.set_text("")
        pane.display = True
        if not pane.read_only:
            self.set_focus(pane.editor)
        try:
            draft = await self.nostr.client.drafts.get(self.draft_key())
        except ClientError as exc:
            self.notify(f"The draft could not be read: {exc}", severity="warning", markup=False)
            draft = ""
        if draft:
            pane.set_text(draft + pane.text)  # anything typed meanwhile goes after the draft
            pane.cursor_to_end()

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
        pane.cursor_to_end()

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
        lst = self.note_list()
        self.expecting = (lst.id if lst is not None else None, self.compose_mode,
                          target.event.id if target is not None and self.compose_mode == "reply" else None)
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
            self.expecting = None
            pane.clear_results()
            pane.show_result("error", "failed", str(exc))  # the text stays in the pane and the draft
            return
        await self.follow_sending(pane, sending)

    async def follow_sending(self, pane: Compose, sending: Sending) -> None:
        """The note is safe in the outbox: close the pane and show the note where it was written, marked
        "sending…" until a relay accepts it; each relay's answer is kept in the (closed) pane."""
        pane.clear_results()
        for url in sending.targets:
            pane.show_result(url, "pending", "sending…")
        self.nostr.note_sending(sending.event.id)
        pane.set_text("")
        pane.display = False
        lst = self.note_list()
        if lst is not None:
            lst.focus()
        self.after_send(sending)
        accepted = False
        async for r in sending:
            pane.show_result(r.url, r.status.value, r.message)
            if r.status is PublishStatus.ACCEPTED and not accepted:
                accepted = True
                self.notify("Sent.", markup=False)
        if not accepted:
            self.notify("Not accepted by any relay yet: it stays in the outbox (O) and is retried.",
                        severity="warning", markup=False)

    def after_send(self, sending: Sending) -> None:
        """Called once a note is signed and in the outbox (a screen may show it at once)."""

    def place_own(self, lst: NoteList, items: Sequence[NoteItem]) -> None:
        """Show the reader's just-published notes in `lst` at once: a reply written here under the note it
        answers (the cursor stays on that note), a note written here on top with the cursor on it, anything
        else on top without moving what is read."""
        expect = self.expecting
        me = self.nostr.client.session.pubkey
        for item in items:
            if expect is None or expect[0] != lst.id or item.event.pubkey != me or item.event.kind != 1:
                lst.insert_own([item])
                continue
            _, mode, parent_id = expect
            reply = nip10.parse(item.event.tags).reply
            if mode == "reply" and (reply is None or reply.id != parent_id):
                lst.insert_own([item])
                continue
            self.expecting = None
            if mode == "reply":
                at = index_of(lst, parent_id)
                lst.insert_own([item], at=at + 1 if at is not None else 0)
            else:
                lst.insert_own([item], select=True)

    def on_profile_changed(self, message: ProfileChanged) -> None:
        """A name or NIP-05 mark arrived: show it on every note of that person."""
        event = message.event
        self.nostr.names[event.pubkey] = event.author.name
        followed = event.pubkey in self.nostr.client.lists.follows
        for lst in [*self.query(NoteList), *self.query(ThreadView)]:
            if followed:  # a follow's name: impersonators of it get marked
                lst.set_followed_names(self.nostr.followed_names())
            refresh_author(lst, event.author)

    def on_counts_updated(self, message: CountsUpdated) -> None:
        """New reply, reaction or repost counts: every row of those notes on this screen shows them."""
        for lst in [*self.query(NoteList), *self.query(ThreadView)]:
            lst.set_counts(message.event.counts)

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
