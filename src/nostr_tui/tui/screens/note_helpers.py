"""Helpers of the note screens: a name change on every row, finding a note in a list, the external editor."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from textual.app import App, SuspendNotSupported

from ...client import Author, NoteItem
from ...environment import child_environ
from ..widgets.note_list import NoteList
from ..widgets.thread_view import ThreadView


def refresh_author(lst: NoteList | ThreadView, author: Author) -> None:
    """Show an author's new name or NIP-05 mark on every note of theirs that the list holds."""
    pk = author.pubkey
    for i in range(lst.item_count()):
        item = item_at(lst, i)
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


def index_of(lst: NoteList, note_id: str | None, around: int = 200) -> int | None:
    """Where the note `note_id` is in the list, looked for near the cursor first (None when not near)."""
    start = max(0, lst.cursor - around)
    for index in sorted(range(start, min(lst.item_count(), lst.cursor + around)), key=lambda i: abs(i - lst.cursor)):
        if lst.item(index).event.id == note_id:
            return index
    return None


def item_at(lst: NoteList | ThreadView, index: int) -> NoteItem | None:
    """The note shown at `index` of a note list or a thread."""
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
