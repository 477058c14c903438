"""safe_text: escape sequences, controls, bidi and zero-width characters made inert; names bounded."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from nostr_tui.tui.safe_text import (
    clean_text,
    link_url,
    name_label,
    normalize_name,
    normalize_names,
    safe_text,
    short_npub,
    single_line,
)

PUB = "ab" * 32
_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff\ud800-\udfff]"
)


def test_csi_sequences_are_removed_entirely() -> None:
    assert clean_text("a\x1b[31mred\x1b[0m b\x1b[2J\x1b[?1049h") == "ared b"
    assert clean_text("8-bit \x9b31mcsi") == "8-bit csi"


def test_string_sequences_are_removed_with_their_payload() -> None:
    osc8 = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
    assert clean_text(osc8) == "click"
    assert clean_text("copy\x1b]52;c;ZXZpbA==\x07 done") == "copy done"
    assert clean_text("x\x1bP1$qm\x1b\\y") == "xy"  # DCS
    assert clean_text("x\x1b_apc\x1b\\y\x1b^pm\x07z\x1bXsos\x9c!") == "xyz!"
    assert clean_text("x\x9d0;title\x9cy\x90dcs\x9cz") == "xyz"
    assert clean_text("title\x1b]0;unterminated") == "title"


def test_other_escapes_and_lone_esc_are_removed() -> None:
    assert clean_text("a\x1bcb\x1b(Bc\x1b7d\x1b") == "abcd"


def test_controls_become_replacement_and_breaks_are_kept() -> None:
    assert clean_text("a\x00b\x07c\x7fd\x85e") == "a\ufffdb\ufffdc\ufffdd\ufffde"
    assert clean_text("one\r\ntwo\rthree\u2028four") == "one\ntwo\nthree\nfour"
    assert clean_text("a\tb") == "a    b"


def test_bidi_and_zero_width_are_removed() -> None:
    spoof = "invoice_\u202egpj.exe and \u2066x\u2069 \u200eltr\u200f \u061c"
    assert clean_text(spoof) == "invoice_gpj.exe and x ltr "
    assert clean_text("a\u200bb\u200cc\u200dd\u2060e\ufefff") == "abcdef"


def test_zalgo_is_cut_to_four_marks() -> None:
    assert clean_text("a" + "\u0301" * 40 + "b") == "a" + "\u0301" * 4 + "b"


def test_markup_stays_literal() -> None:
    text = safe_text("[bold red]x[/] [@click=app.quit]y[/]")
    assert text.plain == "[bold red]x[/] [@click=app.quit]y[/]"
    assert not text.spans


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, blacklist_categories=("Cs",)), max_size=200))
def test_cleaned_text_never_carries_controls(text: str) -> None:
    assert not _UNSAFE.search(clean_text(text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=60))
def test_single_line_is_bounded_and_inert(text: str, cells: int) -> None:
    line = single_line(text, cells)
    assert "\n" not in line
    assert cell_len(line) <= cells
    assert not _UNSAFE.search(line)


def test_single_line_counts_wide_characters() -> None:
    name = "中文名字" * 20 + "😀"
    line = single_line(name, 10)
    assert cell_len(line) <= 10 and line.endswith("…")
    assert single_line("  two\n\nlines\t ") == "two lines"


def test_impersonation_is_marked_for_others_only() -> None:
    followed = normalize_names(["Alice"])
    fake = name_label("ALICE\u200b", PUB, followed_names=followed)
    assert fake.marker.startswith("[≠ npub1") and fake.marker in fake.text
    real = name_label("Alice", PUB, followed=True, followed_names=followed)
    assert real.marker == ""
    other = name_label("Bob", PUB, followed_names=followed)
    assert other.marker == ""


def test_impersonation_survives_compatibility_forms_and_lookalikes() -> None:
    followed = normalize_names(["alice"])
    assert normalize_name("Ａｌｉｃｅ") == "alice"  # full-width letters (NFKC)
    assert name_label("\u0430lice", PUB, followed_names=followed).marker  # Cyrillic a
    assert name_label(" alice \u3164", PUB, followed_names=followed).marker


def test_blank_names_fall_back_to_the_short_npub() -> None:
    label = name_label("\u200b\u3164 \x1b[0m", PUB)
    assert label.name == short_npub(PUB)
    assert label.name.startswith("npub1") and "…" in label.name


def test_links_must_be_printable_ascii() -> None:
    assert link_url("https://example.com/a?b=c;d") == "https://example.com/a?b=c;d"
    assert link_url("https://example.com/\x1b]") is None
    assert link_url("https://例え.jp/") is None
    assert link_url("javascript:alert(1)") is None
