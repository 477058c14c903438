"""The compose pane: an editor for a new note, a reply or a quote, with @ completion and results."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import ClassVar, Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static, TextArea

from ...client.models import Author, NoteItem
from ..safe_text import clean_text, single_line, truncate_cells
from .note_render import NameLookup, reference_label

Mode = Literal["new", "reply", "quote"]
Completer = Callable[[str], Sequence[Author]]

MAX_COMPLETIONS = 8
_AT_WORD = re.compile(r"(?:^|(?<=\s))@([^\s@]{0,64})$")
_OK = {"ok", "accepted", "sent", "true", "published"}
_FAILED = {"failed", "rejected", "error", "false", "timeout", "blocked"}


def mention_for(pubkey: str) -> str:
    """The `nostr:npub…` reference for a mention (the hex key if NIP-19 encoding is not available)."""
    try:
        from ...protocol.nip19 import npub_encode

        return "nostr:" + npub_encode(pubkey)
    except (ImportError, ValueError):
        return pubkey


def preview(text: str, names: NameLookup | None) -> str | None:
    """How the `nostr:` references in `text` will read (None when it has none or cannot be parsed)."""
    try:
        from ...protocol.content import ReferenceToken, tokenize
    except ImportError:  # the tokenizer is optional for this preview
        return None
    tokens = tokenize(text)
    if not any(isinstance(t, ReferenceToken) for t in tokens):
        return None
    return "".join(
        reference_label(t.text, t.entity, names) if isinstance(t, ReferenceToken) else t.text for t in tokens
    )


class _Editor(TextArea):
    """The TextArea; while completions are open, Tab/Enter/Up/Down/Esc go to them."""

    def __init__(self, owner: Compose, text: str) -> None:
        super().__init__(text, id="compose-editor", soft_wrap=True, placeholder="What's on your mind?")
        self._owner = owner

    async def _on_key(self, event: events.Key) -> None:
        if self._owner.completing and event.key in ("tab", "enter", "up", "down", "escape"):
            event.stop()
            event.prevent_default()
            self._owner.completion_key(event.key)


class Compose(Widget, can_focus=False):
    """A pane (not a modal) to write a new note, a reply or a quote.

    Posts `Send(text)` on ctrl+s, `Cancel()` on Esc and `Changed(text)` on every edit (the owner
    debounces it to save the draft). `@` followed by letters asks `complete(prefix)` for people and
    Tab/Enter inserts the chosen one as `nostr:npub…`. A read-only pane (no key) shows "Log in with a
    key to reply" instead of an editor.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send", id="compose.send"),
        Binding("escape", "cancel", "Cancel", id="compose.cancel"),
    ]
    DEFAULT_CSS = """
    Compose {
        height: auto;
        border-top: solid $accent;
        padding: 0 1;
        & > #compose-header { color: $text-muted; height: auto; max-height: 3; }
        & > #compose-editor { height: 8; }
        & > #compose-completions { display: none; height: auto; background: $panel; }
        & > #compose-completions.-open { display: block; }
        & > #compose-info { color: $text-muted; height: 1; }
        & > #compose-preview { color: $text-muted; height: auto; max-height: 3; }
        & > #compose-status { height: auto; }
        & > #compose-readonly { color: $warning; height: auto; padding: 1 0; display: none; }
        &.-read-only > #compose-readonly { display: block; }
        &.-read-only > #compose-editor { display: none; }
    }
    """

    class Send(Message):
        """Send this text."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cancel(Message):
        """Close the pane (the text stays in the draft)."""

    class Changed(Message):
        """The text changed (for saving the draft)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self,
        text: str = "",
        *,
        mode: Mode = "new",
        target: NoteItem | None = None,
        complete: Completer | None = None,
        names: NameLookup | None = None,
        read_only: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._initial_text = text
        self._mode: Mode = mode
        self._target = target
        self._complete = complete
        self._names = names
        self._known: dict[str, str] = {}
        self._matches: list[Author] = []
        self._choice = 0
        self._at_column: tuple[int, int] | None = None
        self._results: dict[str, tuple[str, str]] = {}
        self.set_class(read_only, "-read-only")

    def compose(self) -> ComposeResult:
        """Header, editor (or the log-in message), completions, count, preview, per-relay results."""
        yield Static(self._header_text(), id="compose-header")
        yield _Editor(self, self._initial_text)
        yield Static(Text(""), id="compose-completions")
        yield Static(Text("Log in with a key to reply."), id="compose-readonly")
        yield Static(self._info_text(self._initial_text), id="compose-info")
        yield Static(Text(""), id="compose-preview")
        yield Static(Text(""), id="compose-status")

    # -- public API -------------------------------------------------------------------------------

    @property
    def editor(self) -> TextArea:
        """The text editor."""
        return self.query_one(_Editor)

    @property
    def text(self) -> str:
        """The text as written."""
        return self.editor.text

    @property
    def read_only(self) -> bool:
        """Whether the pane shows the log-in message instead of an editor."""
        return self.has_class("-read-only")

    @property
    def completing(self) -> bool:
        """Whether @ completions are shown."""
        return bool(self._matches)

    def set_text(self, text: str) -> None:
        """Replace the text (a restored draft, or "" after sending)."""
        self.editor.load_text(text)
        self._refresh_info()

    def cursor_to_end(self) -> None:
        """Put the editor's cursor after the last character (after an external editor wrote the text)."""
        self.editor.move_cursor(self.editor.document.end)

    def set_target(self, mode: Mode, target: NoteItem | None = None) -> None:
        """Say what is written: a new note, a reply to `target` or a quote of it."""
        self._mode, self._target = mode, target
        self.query_one("#compose-header", Static).update(self._header_text())

    def set_read_only(self, read_only: bool) -> None:
        """Show the log-in message instead of the editor (no key), or the editor again."""
        self.set_class(read_only, "-read-only")
        self._close_completions()

    def focus_editor(self) -> None:
        """Put the keyboard focus in the editor (nothing when read-only)."""
        if not self.read_only:
            self.editor.focus()

    def show_result(self, relay: str, status: str, message: str = "") -> None:
        """Show how `relay` answered (status "ok", "failed", "pending", ...; message from the relay)."""
        self._results[relay] = (status, message)
        lines = Text(end="")
        for url, (state, note) in self._results.items():
            kind = state.lower()
            mark, style = ("✓", "green") if kind in _OK else ("✗", "red") if kind in _FAILED else ("…", "")
            line = Text(f"{mark} ", style=style, end="")
            line.append(single_line(url, 60))
            line.append(f" {single_line(state, 20)}", style=style)
            if note:
                line.append(f": {single_line(note, 120)}")
            if len(lines):
                lines.append("\n")
            lines.append_text(line)
        self.query_one("#compose-status", Static).update(lines)

    def clear_results(self) -> None:
        """Forget the per-relay results shown."""
        self._results.clear()
        self.query_one("#compose-status", Static).update(Text(""))

    # -- actions ----------------------------------------------------------------------------------

    def action_send(self) -> None:
        """Post Send with the text (nothing when read-only or empty)."""
        if self.read_only:
            return
        text = self.text
        if text.strip():
            self.post_message(self.Send(text))

    def action_cancel(self) -> None:
        """Close the completions if open, else post Cancel."""
        if self.completing:
            self._close_completions()
        else:
            self.post_message(self.Cancel())

    # -- internals --------------------------------------------------------------------------------

    def _header_text(self) -> Text:
        if self._target is None or self._mode == "new":
            return Text("New note", style="bold", end="")
        author = single_line(self._target.author.name, 40) or "someone"
        verb = "Replying to" if self._mode == "reply" else "Quoting"
        first = single_line(clean_text(self._target.event.content).split("\n", 1)[0], 60)
        text = Text(f"{verb} @{author}", style="bold", end="")
        if first:
            text.append(f": {first}")
        return text

    def _info_text(self, text: str) -> Text:
        count = len(text)
        return Text(f"{count} character{'s' if count != 1 else ''} · ctrl+s send · esc cancel", end="")

    def _lookup(self, pubkey: str) -> str | None:
        known = self._known.get(pubkey)
        if known is None and self._names is not None:
            known = self._names(pubkey)
        return known

    def _refresh_info(self) -> None:
        text = self.text
        self.query_one("#compose-info", Static).update(self._info_text(text))
        shown = preview(text, self._lookup)
        line = Text(end="")
        if shown is not None:
            line.append("Reads as: ", style="bold")
            line.append(truncate_cells(clean_text(shown).replace("\n", " ⏎ "), 400))
        self.query_one("#compose-preview", Static).update(line)

    @on(TextArea.Changed, "#compose-editor")
    def _text_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._refresh_info()
        self._update_completions()
        self.post_message(self.Changed(self.text))

    @on(TextArea.SelectionChanged, "#compose-editor")
    def _cursor_moved(self, event: TextArea.SelectionChanged) -> None:
        event.stop()
        self._update_completions()

    def _update_completions(self) -> None:
        editor = self.editor
        if self._complete is None or self.read_only:
            self._close_completions()
            return
        row, column = editor.cursor_location
        before = editor.document.get_line(row)[:column]
        match = _AT_WORD.search(before)
        if match is None:
            self._close_completions()
            return
        found = list(self._complete(match.group(1)))[:MAX_COMPLETIONS]
        if not found:
            self._close_completions()
            return
        self._matches, self._at_column = found, (row, match.start(1) - 1)
        self._choice = min(self._choice, len(found) - 1)
        self._draw_completions()

    def _draw_completions(self) -> None:
        lines = Text(end="")
        for i, author in enumerate(self._matches):
            line = Text("> " if i == self._choice else "  ", end="")
            line.append(single_line(author.name, 40) or "?", style="bold reverse" if i == self._choice else "bold")
            if author.nip05:
                line.append(f"  {single_line(author.nip05, 40)}", style="dim")
            if i:
                lines.append("\n")
            lines.append_text(line)
        widget = self.query_one("#compose-completions", Static)
        widget.update(lines)
        widget.add_class("-open")

    def _close_completions(self) -> None:
        self._matches = []
        self._choice = 0
        self._at_column = None
        widget = self.query_one("#compose-completions", Static)
        widget.remove_class("-open")

    def completion_key(self, key: str) -> None:
        """A key pressed while completions are shown: move, accept or close."""
        if key == "up":
            self._choice = (self._choice - 1) % len(self._matches)
            self._draw_completions()
        elif key == "down":
            self._choice = (self._choice + 1) % len(self._matches)
            self._draw_completions()
        elif key == "escape":
            self._close_completions()
        else:
            self.accept_completion()

    def accept_completion(self, index: int | None = None) -> None:
        """Replace the `@word` before the cursor with a mention of the chosen person."""
        if not self._matches or self._at_column is None:
            return
        author = self._matches[self._choice if index is None else index]
        self._known[author.pubkey] = author.name
        editor = self.editor
        start = self._at_column
        self._close_completions()
        editor.replace(mention_for(author.pubkey) + " ", start, editor.cursor_location)
