"""Turn a NoteItem into terminal lines: name, time, reply and repost lines, safe content, quote, counts."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from ...client.models import Author, NoteCounts, NoteItem
from ..safe_text import ELLIPSIS, clean_text, link_url, name_label, short_npub, single_line

NameLookup = Callable[[str], "str | None"]

MAX_CONTENT_CHARS = 50_000
QUOTE_LINES = 6
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_BLANK_RUNS = re.compile(r"\n{3,}")
_URL = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True)
class NoteStyles:
    """The rich styles a note is drawn with (widgets fill them from their component classes)."""

    name: Style = field(default_factory=lambda: Style(bold=True))
    verified: Style = field(default_factory=lambda: Style(color="green"))
    marker: Style = field(default_factory=lambda: Style(color="red", bold=True))
    time: Style = field(default_factory=lambda: Style(dim=True))
    meta: Style = field(default_factory=lambda: Style(dim=True))
    warning: Style = field(default_factory=lambda: Style(color="yellow"))
    link: Style = field(default_factory=lambda: Style(underline=True))
    mention: Style = field(default_factory=lambda: Style(color="cyan"))
    quote: Style = field(default_factory=lambda: Style(dim=True))
    mine: Style = field(default_factory=lambda: Style(color="magenta", bold=True))
    pending: Style = field(default_factory=lambda: Style(color="yellow"))


@dataclass(frozen=True)
class NoteContext:
    """What the rendering of a note depends on besides the note: clock, follows, symbols, names."""

    now: float
    followed_names: frozenset[str] = frozenset()
    ascii: bool = False
    names: NameLookup | None = None
    tz: tzinfo | None = None


def relative_time(created_at: int, now: float, tz: tzinfo | None = None) -> str:
    """"now", "5m", "3h", "2d" for the last week, else a date ("Jul 14", or "2024-07-14" in another
    year). `tz` is the zone dates are shown in (None: local time)."""
    delta = now - created_at
    if -300 <= delta < 60:
        return "now"
    if 0 < delta < 3600:
        return f"{int(delta // 60)}m"
    if 0 < delta < 86400:
        return f"{int(delta // 3600)}h"
    if 0 < delta < 7 * 86400:
        return f"{int(delta // 86400)}d"
    try:
        when = datetime.fromtimestamp(created_at, tz)
        this_year = datetime.fromtimestamp(now, tz).year
    except (OverflowError, OSError, ValueError):
        return "far future" if delta < 0 else "long ago"
    if when.year == this_year:
        return f"{_MONTHS[when.month - 1]} {when.day}"
    return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"


def author_text(author: Author, ctx: NoteContext, styles: NoteStyles) -> Text:
    """The author's display name, a ✓ when the NIP-05 address is verified, an impersonation marker."""
    label = name_label(
        author.name, author.pubkey, followed=author.followed, followed_names=ctx.followed_names
    )
    text = Text(label.name, style=styles.name, end="")
    if author.nip05_verified:
        text.append(" v" if ctx.ascii else " ✓", style=styles.verified)
    if label.marker:
        text.append(" " + label.marker, style=styles.marker)
    return text


YOU = " (you)"


def counts_text(counts: NoteCounts, ctx: NoteContext, styles: NoteStyles) -> Text:
    """Replies, reactions and reposts on one line; "(you)" after the reactions or reposts the reader made."""
    replies, likes, reposts = ("replies ", "likes ", "reposts ") if ctx.ascii else ("💬 ", "♥ ", "↻ ")
    text = Text(f"{replies}{counts.replies}  {likes}{counts.reactions}", style=styles.meta, end="")
    if counts.reacted:
        text.append(YOU, style=styles.mine)
    text.append(f"  {reposts}{counts.reposts}", style=styles.meta)
    if counts.reposted:
        text.append(YOU, style=styles.mine)
    return text


def _shorten(bech32: str) -> str:
    return f"{bech32[:10]}{ELLIPSIS}{bech32[-4:]}" if len(bech32) > 16 else bech32


def reaction_label(content: str, ascii_only: bool = False) -> str:
    """How a NIP-25 reaction reads: "+" (or empty) is a like, "-" a dislike, anything else as sent."""
    if content in ("", "+"):
        return "+" if ascii_only else "♥"
    if content == "-":
        return "-" if ascii_only else "👎"
    return single_line(content, 8)


def reference_label(text: str, entity: Any, names: NameLookup | None) -> str:
    """How a `nostr:` reference reads: `@name` for a profile, a shortened bech32 for the rest."""
    pubkey = getattr(entity, "pubkey", None)
    if isinstance(pubkey, str) and not hasattr(entity, "id"):
        name = names(pubkey) if names is not None else None
        shown = single_line(name, 40) if name else ""
        return "@" + (shown or short_npub(pubkey))
    body = text.split(":", 1)[1] if ":" in text else text
    return _shorten(body)


def content_pieces(content: str) -> list[tuple[str, str, Any]]:
    """(kind, text, entity) pieces: "text", "url", "tag" or "ref"; URLs only without the tokenizer."""
    try:
        from ...protocol import content as nip27
    except ImportError:  # pragma: no cover - the tokenizer ships with the package
        return _url_pieces(content)
    out: list[tuple[str, str, Any]] = []
    for tok in nip27.tokenize(content):
        if isinstance(tok, nip27.UrlToken):
            out.append(("url", tok.text, None))
        elif isinstance(tok, nip27.HashtagToken):
            out.append(("tag", tok.text, None))
        elif isinstance(tok, nip27.ReferenceToken):
            out.append(("ref", tok.text, tok.entity))
        else:
            out.append(("text", tok.text, None))
    return out


def _url_pieces(content: str) -> list[tuple[str, str, Any]]:
    pieces: list[tuple[str, str, Any]] = []
    pos = 0
    for m in _URL.finditer(content):
        pieces.append(("text", content[pos : m.start()], None))
        pieces.append(("url", m.group(), None))
        pos = m.end()
    pieces.append(("text", content[pos:], None))
    return pieces


def content_text(content: str, ctx: NoteContext, styles: NoteStyles) -> Text:
    """Note content made inert, with links (OSC 8 where safe), hashtags and references styled."""
    extra = len(content) - MAX_CONTENT_CHARS
    if extra > 0:
        content = content[:MAX_CONTENT_CHARS]
    cleaned = _BLANK_RUNS.sub("\n\n", clean_text(content).strip("\n").rstrip())
    text = Text(end="", overflow="fold", no_wrap=False)
    for kind, piece, entity in content_pieces(cleaned):
        if kind == "url":
            url = link_url(piece)
            text.append(piece, style=styles.link + Style(link=url) if url else styles.link)
        elif kind == "tag":
            text.append(piece, style=styles.mention)
        elif kind == "ref":
            text.append(reference_label(piece, entity, ctx.names), style=styles.mention)
        else:
            text.append(piece)
    if extra > 0:
        text.append(f"\n{ELLIPSIS} ({extra} more characters)", style=styles.meta)
    return text


def to_strips(text: Text, width: int, console: Console, options: ConsoleOptions) -> list[Strip]:
    """`text` wrapped (long words folded) to `width` cells, one Strip per line."""
    width = max(1, width)
    lines = console.render_lines(text, options.update_width(width), pad=False)
    return [Strip(line) for line in lines] or [Strip([])]


def _head(item: NoteItem, ctx: NoteContext, styles: NoteStyles, pending: str | None = None) -> Text:
    head = author_text(item.author, ctx, styles)
    dot = " - " if ctx.ascii else " · "
    head.append(dot, style=styles.time)
    head.append(relative_time(item.event.created_at, ctx.now, ctx.tz), style=styles.time)
    if pending:
        head.append(dot, style=styles.time)
        head.append(single_line(pending, 60), style=styles.pending)
    return head


def _content_or_warning(
    item: NoteItem, revealed: bool, ctx: NoteContext, styles: NoteStyles, hint: str
) -> Text:
    if item.content_warning is not None and not revealed:
        reason = single_line(item.content_warning, 60) or "sensitive content"
        return Text(f"Content warning: {reason}{hint}", style=styles.warning, end="")
    return content_text(item.event.content, ctx, styles)


def note_strips(
    item: NoteItem,
    width: int,
    console: Console,
    ctx: NoteContext,
    styles: NoteStyles,
    *,
    revealed: bool = False,
    with_counts: bool = True,
    cw_hint: str = " — press Enter to show",
    pending: str | None = None,
) -> list[Strip]:
    """The lines of one note at `width` cells: repost line, author and time (and `pending`, how far a note the
    reader just sent has got), "Replying to", content (or its content warning), quoted notes, counts."""
    options = console.options
    parts: list[Text] = []
    if item.reposted_by is not None:
        who = author_text(item.reposted_by, ctx, styles)
        who.stylize(styles.meta)
        line = Text("rp " if ctx.ascii else "↻ ", style=styles.meta, end="")
        line.append_text(who)
        line.append(" reposted", style=styles.meta)
        parts.append(line)
    if item.reacted_by is not None:
        who = author_text(item.reacted_by, ctx, styles)
        who.stylize(styles.meta)
        line = Text("", style=styles.meta, end="")
        line.append_text(who)
        line.append(f" reacted {reaction_label(item.reaction, ctx.ascii)} to", style=styles.meta)
        parts.append(line)
    parts.append(_head(item, ctx, styles, pending))
    if item.reply_to is not None:
        reply = Text("Replying to @", style=styles.meta, end="")
        reply.append_text(author_text(item.reply_to, ctx, styles))
        parts.append(reply)
    parts.append(_content_or_warning(item, revealed, ctx, styles, cw_hint))
    strips: list[Strip] = []
    for part in parts:
        strips.extend(to_strips(part, width, console, options))
    for quoted in item.quoted:
        strips.extend(quote_strips(quoted, width, console, ctx, styles))
    if with_counts:
        strips.extend(to_strips(counts_text(item.counts, ctx, styles), width, console, options))
    return strips


def quote_strips(
    item: NoteItem, width: int, console: Console, ctx: NoteContext, styles: NoteStyles
) -> list[Strip]:
    """A quoted note in a margin: its author and time, then at most QUOTE_LINES lines of content."""
    options = console.options
    inner = max(1, width - 2)
    bar = Strip([Segment("| " if ctx.ascii else "┃ ", styles.quote)], 2)
    lines = to_strips(_head(item, ctx, styles), inner, console, options)
    body = to_strips(_content_or_warning(item, False, ctx, styles, ""), inner, console, options)
    if len(body) > QUOTE_LINES:
        body = [*body[: QUOTE_LINES - 1], Strip([Segment(ELLIPSIS, styles.meta)], 1)]
    return [Strip.join([bar, line]) for line in (*lines, *body)]
