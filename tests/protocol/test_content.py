"""NIP-27 content tokens and the p/q/t tags derived from them."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nostr_tui.protocol import nip19
from nostr_tui.protocol.content import (
    HashtagToken,
    ReferenceToken,
    TextToken,
    Token,
    UrlToken,
    hashtags,
    references,
    tags_for_content,
    tokenize,
)
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.protocol.nip19 import Naddr, Nevent, Note, Nprofile, Npub

PK = "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"
PK2 = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e"
ID = "b9f5441e45ca39179320e0031cfb18e34078673dcc3d3e3a3b3a981760aa5696"
NPUB = nip19.npub_encode(PK)
NPROFILE = nip19.encode(Nprofile(PK2, ("wss://r.x.com",)))
NOTE = nip19.note_encode(ID)
NEVENT = nip19.encode(Nevent(ID, ("wss://ev",), PK2, 1))
NADDR = nip19.encode(Naddr("post", PK, 30023, ("wss://ad",)))
NSEC = nip19.nsec_encode(SecretKey.generate())


def _kinds(tokens: tuple[Token, ...]) -> list[tuple[str, str]]:
    return [(type(t).__name__, t.text) for t in tokens]


def test_mixed_note() -> None:
    text = f"gm nostr:{NPUB}! see https://example.com/a?b=1#frag. #Nostr #日本語 and nostr:{NEVENT}"
    tokens = tokenize(text)
    assert _kinds(tokens) == [
        ("TextToken", "gm "),
        ("ReferenceToken", f"nostr:{NPUB}"),
        ("TextToken", "! see "),
        ("UrlToken", "https://example.com/a?b=1#frag"),
        ("TextToken", ". "),
        ("HashtagToken", "#Nostr"),
        ("TextToken", " "),
        ("HashtagToken", "#日本語"),
        ("TextToken", " and "),
        ("ReferenceToken", f"nostr:{NEVENT}"),
    ]
    assert isinstance(tokens[1], ReferenceToken) and tokens[1].entity == Npub(PK)
    assert isinstance(tokens[5], HashtagToken) and tokens[5].tag == "Nostr"
    assert references(text) == [Npub(PK), Nevent(ID, ("wss://ev",), PK2, 1)]
    assert hashtags(text) == ["nostr", "日本語"]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("(see https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("(https://x.com/a)", "https://x.com/a"),
        ("go to https://x.com/path, then", "https://x.com/path"),
        ("really? https://x.com/?q=1!", "https://x.com/?q=1"),
        ('"https://x.com/quoted"', "https://x.com/quoted"),
        ("<https://x.com/angle>", "https://x.com/angle"),
        ("HTTP://X.COM/UP.", "HTTP://X.COM/UP"),
        ("http://x.com/#notatag", "http://x.com/#notatag"),
        ("[link](https://x.com/md)", "https://x.com/md"),
        ("https://x.com/a.b.c...", "https://x.com/a.b.c"),
    ],
)
def test_urls_leave_trailing_punctuation_out(text: str, url: str) -> None:
    urls = [t for t in tokenize(text) if isinstance(t, UrlToken)]
    assert [u.url for u in urls] == [url]
    assert hashtags(text) == []


@pytest.mark.parametrize("text", ["https://", "https://...", "ftp://x.com", "www.example.com", "mailto:a@b"])
def test_not_urls(text: str) -> None:
    assert tokenize(text) == (TextToken(text),)


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("#a", ["a"]),
        ("x #tag_1 y", ["tag_1"]),
        ("#Ünïcode #Привет #数字", ["ünïcode", "привет", "数字"]),
        ("#web3 #2024 #1", ["web3"]),
        ("a#b c#d", []),
        ("# alone", []),
        ("#one#two", ["one"]),
        ("(#paren) #end.", ["paren", "end"]),
        ("#TAG #tag #Tag", ["tag"]),
        ("#हिन्दी", ["हिन्दी"]),
    ],
)
def test_hashtags(text: str, tags: list[str]) -> None:
    assert hashtags(text) == tags


def test_invalid_references_stay_text() -> None:
    broken = NPUB[:-1] + ("q" if NPUB[-1] != "q" else "p")
    for text in (f"nostr:{broken}", f"nostr:{NSEC}", "nostr:", "nostr:nrelay1qqqq", "nostr:hello"):
        assert tokenize(f"a {text} b") == (TextToken(f"a {text} b"),)


def test_references_of_every_kind_and_a_trailing_suffix() -> None:
    text = f"nostr:{NPUB}'s nostr:{NPROFILE} NOSTR:{NOTE}s nostr:{NADDR}"
    assert references(text) == [
        Npub(PK), Nprofile(PK2, ("wss://r.x.com",)), Note(ID), Naddr("post", PK, 30023, ("wss://ad",)),
    ]
    # The "s" glued to the note is text, not part of the reference.
    assert TextToken("s ") in tokenize(text)


def test_bare_bech32_is_not_a_reference() -> None:
    assert references(f"look {NPUB}") == []


def test_tags_for_content() -> None:
    text = (
        f"hi nostr:{NPUB} and nostr:{NPROFILE} again nostr:{NPUB} quoting nostr:{NOTE} nostr:{NEVENT} "
        f"nostr:{NADDR} #Nostr #nostr #Rust"
    )
    assert tags_for_content(text) == [
        ["p", PK],
        ["p", PK2, "wss://r.x.com"],
        ["q", ID],
        ["q", f"30023:{PK}:post", "wss://ad"],
        ["t", "nostr"],
        ["t", "rust"],
    ]


def test_quote_tag_form_for_nevent_and_p_for_quoted_author() -> None:
    tags = tags_for_content(f"nostr:{NEVENT} nostr:{nip19.encode(Nevent('e' * 64, (), 'f' * 64))}")
    assert tags == [
        ["p", PK2],
        ["p", "f" * 64],
        ["q", ID, "wss://ev", PK2],
        ["q", "e" * 64, "", "f" * 64],
    ]


def test_plain_text_has_no_tags() -> None:
    assert tags_for_content("just words, https://x.com/#frag and a#b") == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_tokens_join_back_any_text(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(t.text for t in tokens) == text
    assert all(t.text for t in tokens)
    assert not any(isinstance(a, TextToken) and isinstance(b, TextToken) for a, b in itertools.pairwise(tokens))
    tags_for_content(text)


_pieces = st.sampled_from(
    [" ", ".", ",", ")", "(", "#", "#tag", "nostr:", f"nostr:{NPUB}", f"nostr:{NEVENT}", NOTE, "https://",
     "https://x.com/a", "http://y.org/(b)", "_", "é", "\n", "\ud800", "\x00", "1"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_pieces, st.text(max_size=5)), max_size=25).map("".join))
def test_tokens_join_back_awkward_text(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(t.text for t in tokens) == text
    for t in tokens:
        if isinstance(t, ReferenceToken):
            assert nip19.decode(t.text) == t.entity
        if isinstance(t, HashtagToken):
            assert t.text == "#" + t.tag
    tags_for_content(text)


def test_large_content_is_quick() -> None:
    import time

    text = (f"word #tag https://x.com/{'a' * 50} nostr:{NPUB} " * 2000)[:200_000]
    start = time.perf_counter()
    tokens = tokenize(text)
    assert time.perf_counter() - start < 5
    assert "".join(t.text for t in tokens) == text
