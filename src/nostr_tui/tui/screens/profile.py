"""A profile: metadata, NIP-05 status, follow/unfollow (with confirmation), the author's notes."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import Static

from ...client import ClientError, Profile
from ...protocol import nip19
from ..list_changes import ask_to_mute, run_change
from ..messages import FeedNotes
from ..safe_text import safe_text, single_line
from ..widgets.note_list import NoteList
from .modals import ConfirmModal
from .one_list import OneListScreen
from .profile_edit import ProfileEditor


class ProfileScreen(OneListScreen):
    """One person: who they are and what they wrote; f follows or unfollows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="profile.back"),
        Binding("f", "follow", "Follow/unfollow", id="profile.follow"),
        Binding("m", "mute_person", "Mute", id="profile.mute"),
        Binding("e", "edit", "Edit profile", id="profile.edit"),
        Binding("n,full_stop", "show_new", "New notes", id="profile.show_new"),
    ]

    def __init__(self, pubkey: str) -> None:
        super().__init__()
        self.pubkey = pubkey
        self.feed_key = f"profile:{pubkey}"

    LIST_ID = "profile-list"

    @property
    def own(self) -> bool:
        """True on the profile of the active account."""
        return self.pubkey == self.nostr.client.session.pubkey

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Your own profile does not offer following or muting yourself."""
        if action in ("follow", "mute_person"):
            return not self.own
        return super().check_action(action, parameters)

    def heading(self) -> Static:
        return Static("", id="profile-card")

    def _card(self, profile: Profile | None, verified: bool | None) -> Text:
        name = self.nostr.client.people.author(self.pubkey, profile).name
        following = self.pubkey in self.nostr.client.lists.follows
        t = Text()
        t.append(single_line(name, 60), style="bold")
        if profile and profile.display_name and profile.display_name != name:
            t.append(f"  ({single_line(profile.display_name, 40)})")
        t.append("\n" + nip19.npub_encode(self.pubkey), style="dim")
        if profile and profile.nip05:
            mark = "✓ verified" if verified else ("not verified" if verified is False else "checking…")
            t.append(f"\nNIP-05: {single_line(profile.nip05, 80)} ({mark})")
        if profile and profile.about:
            t.append("\n")
            t.append_text(safe_text(profile.about[:600]))
        if self.own:
            t.append("\nYour profile · e to edit it", style="italic")
        else:
            t.append("\n" + ("You follow them · f to unfollow" if following else "f to follow"), style="italic")
        return t

    async def fill(self) -> None:
        """Metadata and notes from the store, then relays."""
        client = self.nostr.client
        card = self.query_one("#profile-card", Static)
        profile = await client.people.profile(self.pubkey)
        card.update(self._card(profile, None))
        feed = client.feeds.open(self.feed_key)
        self.query_one(NoteList).set_items(await feed.first_page())
        if profile is None:
            profile = await client.people.profile(self.pubkey, fetch=True)
        verified = None
        if profile and profile.nip05:
            card.update(self._card(profile, None))
            verified = await client.people.verify_nip05(profile.nip05, self.pubkey)
        card.update(self._card(profile, verified))

    def on_feed_notes(self, message: FeedNotes) -> None:
        """New notes by this author."""
        if message.event.feed == self.feed_key:
            if message.event.own:
                self.place_own(self.query_one(NoteList), message.event.items)
            else:
                self.query_one(NoteList).prepend_new(list(message.event.items))

    def action_show_new(self) -> None:
        """Jump to new notes."""
        self.query_one(NoteList).show_new()

    def action_follow(self) -> None:
        """Follow or unfollow, after a confirmation."""
        following = self.pubkey in self.nostr.client.lists.follows
        name = self.nostr.name_for(self.pubkey) or nip19.npub_encode(self.pubkey)[:20]
        question = f"{'Unfollow' if following else 'Follow'} {name}? Your follow list is public."
        def answered(ok: bool | None) -> None:
            if ok:
                self.change_follow(not following)

        self.app.push_screen(ConfirmModal(question), answered)

    @work(exit_on_error=False, group="follow")
    async def change_follow(self, follow: bool) -> None:
        """Publish the new follow list, starting from the newest one the relays hold."""
        client = self.nostr.client
        try:
            await client.session.unlock()
        except ClientError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        add, remove = ([self.pubkey], []) if follow else ([], [self.pubkey])
        update = await run_change(self.nostr, lambda force: client.lists.change_follows(add, remove, force=force),
                                  done="Followed." if follow else "Unfollowed.")
        if update is not None:
            await self.nostr.refresh_names()
            self.load()

    def action_mute_person(self) -> None:
        """Mute this person (after a confirmation)."""
        ask_to_mute(self.nostr, self.pubkey, self.nostr.name_for(self.pubkey) or nip19.npub_encode(self.pubkey)[:20])

    def action_edit(self) -> None:
        """Edit the profile, when it is the user's own."""
        if self.pubkey != self.nostr.client.session.pubkey:
            self.notify("Only your own profile can be edited (K, then p on your account).", markup=False)
            return
        self.edit_profile()

    @work(exit_on_error=False, group="edit")
    async def edit_profile(self) -> None:
        """The profile editor; saving publishes kind 0 with every other field kept."""
        client = self.nostr.client
        current = await client.people.profile(self.pubkey)
        if current is None:  # a new device, or `e` before it came: the editor shows what is published
            self.notify("Asking your relays for your profile…", markup=False)
            current = await client.people.profile(self.pubkey, fetch=True)
        fields = await self.app.push_screen_wait(ProfileEditor(current))
        if not fields:
            return
        if await run_change(self.nostr, lambda force: client.lists.set_profile(fields, force=force),
                            done="Profile published."):
            self.load()
