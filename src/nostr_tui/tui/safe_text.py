"""Make note text and names inert for the terminal, and mark names that impersonate followed people.

Everything a relay sends is shown through these functions. The choices, in order of application:

- Escape sequences are removed entirely: CSI (`ESC [` or 8-bit 0x9B), the string sequences OSC, DCS,
  SOS, PM and APC (`ESC ]`, `ESC P`, `ESC X`, `ESC ^`, `ESC _` or 8-bit 0x9D, 0x90, 0x98, 0x9E, 0x9F)
  up to their terminator (BEL, `ESC \\` or 0x9C; to the end of the text when unterminated, as a
  terminal would swallow it), and every other `ESC` sequence.
- Line breaks: CR LF, lone CR, U+2028 and U+2029 become `\\n`; a tab becomes four spaces.
- Any other C0 or C1 control character, DEL and lone surrogates become U+FFFD (visible, inert).
- Format characters (Unicode category Cf) are removed: bidi overrides, embeddings and isolates
  (U+202A-202E, U+2066-2069), marks (U+200E, U+200F, U+061C), zero-width characters (U+200B-200D,
  U+2060, U+FEFF), soft hyphens and tag characters. Removing ZWJ shows a joined emoji as its parts,
  which keeps the width the terminal draws equal to the width computed here.
- Runs of more than four combining marks on one character are cut to four (no "zalgo" overflow).

Text reaches the screen only as `rich.text.Text` built from plain strings, never through markup, so
`[bold]` or `[@click=app.quit]` in a note reads literally. Widths are measured with rich's `cell_len`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

NAME_CELLS = 40
ELLIPSIS = "…"

_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"  # CSI, final byte optional when cut short
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC DCS SOS PM APC
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"  # any other escape, or a lone ESC
)
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Unicode category Cf (format characters), as of Unicode 15.
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_COMBINING = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_ZALGO = re.compile(f"([{_COMBINING}]{{4}})[{_COMBINING}]+")
# Fillers that draw nothing, used to make a name look blank or like another.
_INVISIBLE_IN_NAMES = re.compile("[\u115f\u1160\u3164\uffa0\u2800]")
_SPACES = re.compile(r"\s+")
# Common Cyrillic and Greek letters that look like Latin ones (after casefold).
_LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ӏ": "l", "ɡ": "g",
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "ε": "e",
    }
)
_SAFE_URL = re.compile(r"https?://[\x21-\x7e]{1,2000}")
_ASCII_CLEAN = re.compile(r"[ -~\n]*")


def clean_text(text: str) -> str:
    """`text` with escape sequences, control and format characters made inert (see the module doc)."""
    if _ASCII_CLEAN.fullmatch(text):
        return text
    text = _SEQUENCE.sub("", text)
    text = _NEWLINES.sub("\n", text).replace("\t", "    ")
    text = _CONTROL.sub("\ufffd", text)
    text = _FORMAT.sub("", text)
    return _ZALGO.sub(r"\1", text)


def safe_text(text: str, style: Style | str = "") -> Text:
    """A `Text` of `text` made inert, never parsed as markup, folding lines too long to wrap."""
    return Text(clean_text(text), style=style, overflow="fold", no_wrap=False, end="")


def truncate_cells(text: str, max_cells: int) -> str:
    """`text` cut to at most `max_cells` terminal cells, ending in an ellipsis when it was cut."""
    if max_cells <= 0:
        return ""
    if cell_len(text) <= max_cells:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        width = cell_len(ch)
        if used + width > max_cells - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + ELLIPSIS


def single_line(text: str, max_cells: int = NAME_CELLS) -> str:
    """`text` made inert, on one line (whitespace runs become one space) and at most `max_cells` wide."""
    text = _INVISIBLE_IN_NAMES.sub("", clean_text(text))
    return truncate_cells(_SPACES.sub(" ", text).strip(), max_cells)


def normalize_name(name: str) -> str:
    """The form two names are compared in: NFKC, no invisible characters, case-folded, Latin look-alikes
    of Cyrillic and Greek letters mapped to Latin, single spaces."""
    text = unicodedata.normalize("NFKC", clean_text(name))
    text = _INVISIBLE_IN_NAMES.sub("", text).casefold().translate(_LOOKALIKES)
    return _SPACES.sub(" ", text).strip()


def normalize_names(names: Iterable[str]) -> frozenset[str]:
    """The normalised forms of `names` (empty names left out), ready for `name_label`."""
    return frozenset(n for n in (normalize_name(x) for x in names) if n)


def short_npub(pubkey: str) -> str:
    """A short, recognisable form of a public key: `npub1abcd…wxyz` (hex when it cannot be encoded)."""
    try:
        from ..protocol.nip19 import npub_encode

        full = npub_encode(pubkey)
    except (ImportError, ValueError):
        full = pubkey
    return f"{full[:9]}{ELLIPSIS}{full[-4:]}" if len(full) > 14 else full


class NameLabel(NamedTuple):
    """A display name ready to show, and the impersonation marker to show after it ("" when none)."""

    name: str
    marker: str

    @property
    def text(self) -> str:
        """Name and marker as one string."""
        return f"{self.name} {self.marker}" if self.marker else self.name


def name_label(
    name: str,
    pubkey: str,
    *,
    followed: bool = False,
    followed_names: frozenset[str] = frozenset(),
    max_cells: int = NAME_CELLS,
) -> NameLabel:
    """A single-line, bounded display name; a marker when it impersonates someone followed.

    A name that is blank once made inert becomes the short npub. An author who is not followed but
    whose name equals a followed person's name (see `normalize_name`; `followed_names` holds
    normalised names, see `normalize_names`) gets the marker `[≠ npub1abcd…wxyz]`.
    """
    shown = single_line(name, max_cells)
    if not shown:
        return NameLabel(short_npub(pubkey), "")
    if not followed and followed_names and normalize_name(name) in followed_names:
        return NameLabel(shown, f"[≠ {short_npub(pubkey)}]")
    return NameLabel(shown, "")


def link_url(url: str) -> str | None:
    """`url` when it is safe to embed in an OSC 8 hyperlink (http/https, printable ASCII), else None."""
    return url if _SAFE_URL.fullmatch(url) else None
