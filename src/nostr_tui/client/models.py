"""What the client hands to front ends: notes ready to show, thread rows, relay and account summaries."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..protocol.event import Event


@dataclass(frozen=True, slots=True)
class NoteCounts:
    """Replies, reactions and reposts of one note, as far as the store knows, and whether the active account
    reacted to it or reposted it."""

    replies: int = 0
    reactions: int = 0
    reposts: int = 0
    reacted: bool = False
    reposted: bool = False


@dataclass(frozen=True, slots=True)
class Author:
    """How to show a pubkey: display name (name > display_name > short npub) and NIP-05 state."""

    pubkey: str
    name: str
    nip05: str | None = None
    nip05_verified: bool | None = None  # None: not checked yet
    followed: bool = False


@dataclass(frozen=True, slots=True)
class NoteItem:
    """One note as a feed or thread shows it.

    `event` is the note itself (for a repost or a reaction: the note concerned); `reposted_by` names who
    reposted it, `reacted_by` who reacted to it and `reaction` how (NIP-25 content);
    `reply_to` is the author of the note it replies to ("Replying to @name"); `quoted` is a note it quotes,
    when known; `content_warning` is set (possibly to "") when the note carries a NIP-36 warning; `at` is
    the time that orders it in a feed.
    """

    event: Event
    author: Author
    counts: NoteCounts = field(default_factory=NoteCounts)
    reply_to: Author | None = None
    reposted_by: Author | None = None
    repost_id: str | None = None
    reacted_by: Author | None = None
    reaction: str = ""
    reaction_id: str | None = None
    content_warning: str | None = None
    quoted: tuple[NoteItem, ...] = ()
    at: int = 0  # when it entered the feed: the created_at of the note, or of the repost or reaction

    @property
    def key(self) -> str:
        """A stable key for the row: the repost's or reaction's id for those, else the note's id."""
        return self.repost_id or self.reaction_id or self.event.id


@dataclass(frozen=True, slots=True)
class ThreadRow:
    """One row of a thread in tree order: the note, its depth, and its place in the tree."""

    item: NoteItem
    depth: int
    parent_id: str | None
    child_count: int
    is_focus: bool = False
    missing_parent: bool = False  # attached to the nearest known ancestor because its parent is unknown
