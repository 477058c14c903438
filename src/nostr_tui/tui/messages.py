"""Textual messages made from the client's notifications: one class each, handled by name on any screen.

The app's single pump turns every client notification into the message of its type and posts a copy to
every screen on the stack (a feed under an open thread still collects new notes). They do not bubble.
"""

from __future__ import annotations

from textual.message import Message

from ..client import (
    AccountChanged,
    ClientEvent,
    CountsChanged,
    FeedNew,
    ListsChanged,
    OutboxChanged,
    ProfileUpdated,
    PublishProgress,
    RelayStatusChanged,
    ThreadUpdated,
)
from ..client import Message as ClientMessage


class FeedNotes(Message, bubble=False):
    """New notes for a feed (`event.feed`), newest first."""

    def __init__(self, event: FeedNew) -> None:
        super().__init__()
        self.event = event


class CountsUpdated(Message, bubble=False):
    """Notes have new reply, reaction or repost counts (`event.counts`: note id and counts)."""

    def __init__(self, event: CountsChanged) -> None:
        super().__init__()
        self.event = event


class ThreadChanged(Message, bubble=False):
    """A thread being shown has more notes."""

    def __init__(self, event: ThreadUpdated) -> None:
        super().__init__()
        self.event = event


class ProfileChanged(Message, bubble=False):
    """What is known of a person changed (a name arrived, a NIP-05 check finished)."""

    def __init__(self, event: ProfileUpdated) -> None:
        super().__init__()
        self.event = event


class RelayChanged(Message, bubble=False):
    """A relay's connection state changed."""

    def __init__(self, event: RelayStatusChanged) -> None:
        super().__init__()
        self.event = event


class OutboxCount(Message, bubble=False):
    """The outbox's waiting events changed."""

    def __init__(self, event: OutboxChanged) -> None:
        super().__init__()
        self.event = event


class PublishReceipt(Message, bubble=False):
    """A relay answered for an event the user published."""

    def __init__(self, event: PublishProgress) -> None:
        super().__init__()
        self.event = event


class AccountSwitched(Message, bubble=False):
    """Another account is active."""

    def __init__(self, event: AccountChanged) -> None:
        super().__init__()
        self.event = event


class ListsUpdated(Message, bubble=False):
    """The user's follows or mutes changed."""

    def __init__(self, event: ListsChanged) -> None:
        super().__init__()
        self.event = event


class ClientSays(Message, bubble=False):
    """Something to tell the person (a relay notice, a warning)."""

    def __init__(self, event: ClientMessage) -> None:
        super().__init__()
        self.event = event


NoticeMessage = (
    FeedNotes | CountsUpdated | ThreadChanged | ProfileChanged | RelayChanged | OutboxCount | PublishReceipt
    | AccountSwitched | ListsUpdated | ClientSays
)


def message_for(event: ClientEvent) -> NoticeMessage:
    """The Textual message for a client notification."""
    if isinstance(event, FeedNew):
        return FeedNotes(event)
    if isinstance(event, CountsChanged):
        return CountsUpdated(event)
    if isinstance(event, ThreadUpdated):
        return ThreadChanged(event)
    if isinstance(event, ProfileUpdated):
        return ProfileChanged(event)
    if isinstance(event, RelayStatusChanged):
        return RelayChanged(event)
    if isinstance(event, OutboxChanged):
        return OutboxCount(event)
    if isinstance(event, PublishProgress):
        return PublishReceipt(event)
    if isinstance(event, AccountChanged):
        return AccountSwitched(event)
    if isinstance(event, ListsChanged):
        return ListsUpdated(event)
    return ClientSays(event)
