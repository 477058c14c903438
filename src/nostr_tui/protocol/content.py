"""NIP-27 note content: split text into plain text, `nostr:` references, hashtags and URLs.

The tokens always join back into the original text, so a renderer can style pieces without losing
a character. `tags_for_content` derives the `p`, `q` and `t` tags a composed note should carry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .nip19 import Naddr, Nevent, Nip19Error, Note, Nprofile, Npub, decode

Referenced = Npub | Nprofile | Note | Nevent | Naddr


@dataclass(frozen=True, slots=True)
class TextToken:
    """Plain text, shown as it is."""

    text: str


@dataclass(frozen=True, slots=True)
class UrlToken:
    """An http or https URL (`text` is the URL)."""

    text: str

    @property
    def url(self) -> str:
        """The URL."""
        return self.text


@dataclass(frozen=True, slots=True)
class HashtagToken:
    """A `#word`; `text` includes the `#`, `tag` is the word as written."""

    text: str
    tag: str


@dataclass(frozen=True, slots=True)
class ReferenceToken:
    """A `nostr:` reference to a profile, note or addressable event, already decoded."""

    text: str
    entity: Referenced


Token = TextToken | UrlToken | HashtagToken | ReferenceToken

# An URL runs until whitespace, a control character or a character that never appears unquoted
# in one; trailing punctuation is trimmed afterwards. A reference is `nostr:` and bech32 letters.
_SCAN = re.compile(
    r"(?P<url>https?://[^\s<>\"\x00-\x1f\x7f]+)|(?P<ref>nostr:[0-9a-z]+)",
    re.IGNORECASE,
)
_TRAILING = ".,:;!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_FIXED_LENGTH = {"npub1": 63, "note1": 63}  # 32 bytes of data: prefix, separator, 52 + 6 characters


def _trim_url(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(_PAIRS[last]) < url.count(last):
            url = url[:-1]
        else:
            break
    return url


def _decode_reference(body: str) -> tuple[Referenced, int] | None:
    """The entity a `nostr:` body names and how many characters of it belong to it."""
    candidates = [body]
    fixed = _FIXED_LENGTH.get(body[:5].lower())
    if fixed is not None and len(body) > fixed:
        candidates.append(body[:fixed])
    for candidate in candidates:
        try:
            entity = decode(candidate)
        except Nip19Error:
            continue
        if isinstance(entity, Npub | Nprofile | Note | Nevent | Naddr):
            return entity, len(candidate)
    return None


def _is_word_char(ch: str) -> bool:
    return ch == "_" or unicodedata.category(ch)[0] in "LNM"


def _has_letter(word: str) -> bool:
    return any(ch == "_" or unicodedata.category(ch)[0] == "L" for ch in word)


def _split_hashtags(text: str, before: str, out: list[Token]) -> None:
    """Append the hashtags and text pieces of `text`; `before` is the character preceding it."""
    start = 0
    i = text.find("#")
    while i != -1:
        prev = text[i - 1] if i > 0 else before
        j = i + 1
        while j < len(text) and _is_word_char(text[j]):
            j += 1
        word = text[i + 1 : j]
        if word and not (prev and _is_word_char(prev)) and _has_letter(word):
            if start < i:
                out.append(TextToken(text[start:i]))
            out.append(HashtagToken(text[i:j], word))
            start = j
        i = text.find("#", max(j, i + 1))
    if start < len(text):
        out.append(TextToken(text[start:]))


def _merge_text(tokens: list[Token]) -> tuple[Token, ...]:
    merged: list[Token] = []
    for token in tokens:
        if isinstance(token, TextToken) and merged and isinstance(merged[-1], TextToken):
            merged[-1] = TextToken(merged[-1].text + token.text)
        else:
            merged.append(token)
    return tuple(merged)


def tokenize(content: str) -> tuple[Token, ...]:
    """Split note content into tokens whose texts join back into `content`. Never raises.

    Invalid `nostr:` references (bad checksum, unknown prefix, an nsec) stay plain text.
    A hashtag is `#` then letters, digits or underscores (not digits alone), not preceded by a
    letter or digit and not inside a URL.
    """
    out: list[Token] = []
    pos = 0
    for m in _SCAN.finditer(content):
        if m.start() < pos:
            continue
        piece: Token | None = None
        end = m.end()
        if m.group("url") is not None:
            url = _trim_url(m.group("url"))
            if len(url) > url.index("//") + 2:
                piece, end = UrlToken(url), m.start() + len(url)
        else:
            found = _decode_reference(m.group("ref")[6:])
            if found is not None:
                entity, length = found
                end = m.start() + 6 + length
                piece = ReferenceToken(content[m.start() : end], entity)
        if piece is None:
            continue
        _split_hashtags(content[pos : m.start()], content[pos - 1] if pos > 0 else "", out)
        out.append(piece)
        pos = end
    _split_hashtags(content[pos:], content[pos - 1] if pos > 0 else "", out)
    return _merge_text(out)


def references(content: str) -> list[Referenced]:
    """The decoded `nostr:` references in `content`, in order (repeats included)."""
    return [t.entity for t in tokenize(content) if isinstance(t, ReferenceToken)]


def hashtags(content: str) -> list[str]:
    """The hashtags in `content`, lower-cased, each once, in order of first appearance."""
    seen: dict[str, None] = {}
    for t in tokenize(content):
        if isinstance(t, HashtagToken):
            seen.setdefault(t.tag.lower(), None)
    return list(seen)


def _quote_tag(target: str, relays: tuple[str, ...], author: str | None) -> list[str]:
    tag = ["q", target, relays[0] if relays else ""]
    if author is not None:
        tag.append(author)
    while tag[-1] == "" and len(tag) > 2:
        tag.pop()
    return tag


def tags_for_content(content: str) -> list[list[str]]:
    """The tags a note with this content should carry, each once: `p`, then `q`, then `t`.

    `p` for every npub/nprofile reference and for the author of every quoted nevent/naddr (so
    they are notified, as NIP-10 advises); `q` per NIP-18 (`["q", id-or-address, relay, pubkey]`,
    trailing empty fields left off) for note/nevent/naddr references; `t` for hashtags, lower-cased.
    """
    profiles: dict[str, list[str]] = {}
    quotes: dict[str, list[str]] = {}
    tokens = tokenize(content)
    for token in tokens:
        if not isinstance(token, ReferenceToken):
            continue
        e = token.entity
        if isinstance(e, Npub | Nprofile):
            relay = e.relays[0] if isinstance(e, Nprofile) and e.relays else ""
            profiles.setdefault(e.pubkey, ["p", e.pubkey, relay] if relay else ["p", e.pubkey])
        elif isinstance(e, Note):
            quotes.setdefault(e.id, ["q", e.id])
        elif isinstance(e, Nevent):
            quotes.setdefault(e.id, _quote_tag(e.id, e.relays, e.author))
        else:
            quotes.setdefault(e.coordinate, _quote_tag(e.coordinate, e.relays, None))
    for token in tokens:
        if isinstance(token, ReferenceToken) and isinstance(token.entity, Nevent | Naddr):
            author = token.entity.author
            if author is not None:
                profiles.setdefault(author, ["p", author])
    tags = list(profiles.values()) + list(quotes.values())
    seen_t: dict[str, None] = {}
    for token in tokens:
        if isinstance(token, HashtagToken):
            seen_t.setdefault(token.tag.lower(), None)
    tags.extend(["t", t] for t in seen_t)
    return tags
