"""Strategies for hostile values: odd text, edge numbers, JSON of any shape, mutated strings and bytes."""

from __future__ import annotations

import json
from typing import Any

from bech32 import CHARSET, bech32_create_checksum, convertbits
from hypothesis import strategies as st

SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)

TRICKY_PIECES = (
    "",
    " ",
    "\x00",
    "\t",
    "\n",
    "\r\n",
    "\x1b[31m",
    "\ud800",
    "\udfff",
    "\ud83d",
    "\u202e",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u2028",
    "e\u0301",
    "\u0301",
    "😀",
    "👍🏽",
    "👨‍👩‍👧",
    "🇫🇷",
    "ﬁ",
    "Ω",
    "Ⅸ",
    "١٢٣",
    "\\",
    '"',
    "'",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "#",
    "~",
    "1",
    "a",
)

EDGE_INTS = (
    0,
    1,
    -1,
    2**31 - 1,
    2**31,
    2**32 - 1,
    2**32,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63) - 1,
    10**40,
    -(10**40),
    10**400,
)
EDGE_FLOATS = (0.0, -0.0, 0.5, 1.0, -1.0, 1e308, -1e308, 5e-324, float("inf"), float("-inf"), float("nan"))


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each picked in proportion to its weight (`st.one_of` counts a repeated
    strategy once, so repeating one does not weight it)."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(table).flatmap(lambda strategy: strategy)


def hostile_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text: plain, with lone surrogates, or glued from pieces that trip decoders and terminals."""
    return st.one_of(
        st.text(max_size=max_size),
        st.text(st.characters() | SURROGATES, max_size=max_size),
        st.sampled_from(TRICKY_PIECES),
        st.lists(st.sampled_from(TRICKY_PIECES) | st.text(max_size=4), max_size=8).map("".join),
    )


def any_int() -> st.SearchStrategy[int]:
    """Integers around every boundary a decoder might care about, and far beyond them."""
    return st.one_of(
        st.integers(-(2**70), 2**70), st.sampled_from(EDGE_INTS), st.integers(-(10**60), 10**60)
    )


def any_float() -> st.SearchStrategy[float]:
    """Floats including NaN, infinities, -0.0 and subnormals."""
    return st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(EDGE_FLOATS)


def nest(depth: int, as_dict: bool) -> Any:
    """A list (or object) nested `depth` levels deep."""
    value: Any = []
    for _ in range(depth):
        value = {"a": value} if as_dict else [value]
    return value


def json_scalars() -> st.SearchStrategy[Any]:
    """Every JSON scalar, with edge numbers and hostile strings."""
    return st.one_of(st.none(), st.booleans(), any_int(), any_float(), hostile_text())


def json_values(max_leaves: int = 15) -> st.SearchStrategy[Any]:
    """Any JSON value, including deeply nested ones."""
    keys = hostile_text(12)
    tree = st.recursive(
        json_scalars(),
        lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=5),
        max_leaves=max_leaves,
    )
    deep = st.builds(nest, st.integers(1, 200), st.booleans())
    return tree | deep


def dumps(value: Any, ensure_ascii: bool = True) -> str:
    """JSON text of a value the way a (possibly sloppy) peer would write it: NaN allowed."""
    return json.dumps(value, ensure_ascii=ensure_ascii, allow_nan=True)


def deep_json_text() -> st.SearchStrategy[str]:
    """JSON text nested past any recursion limit, closed or not."""
    return st.builds(
        lambda n, opener, closed: opener * n + ("]" if opener == "[" else "}") * (n if closed else 0),
        st.integers(500, 200_000),
        st.sampled_from(["[", '{"a":']),
        st.booleans(),
    ).map(lambda s: s.replace('{"a":}', '{"a":0}'))


def huge_number_text() -> st.SearchStrategy[str]:
    """Numbers with more digits than int() accepts by default, or absurd exponents."""
    return st.builds(
        lambda digits, form: form.format("9" * digits),
        st.integers(4000, 20_000),
        st.sampled_from(["{}", "-{}", "[{}]", "1e{}", "0.{}", '["COUNT","q",{{"count":{}}}]']),
    )


@st.composite
def mutated_text(draw: st.DrawFn, base: str, alphabet: st.SearchStrategy[str] | None = None) -> str:
    """`base` with a few characters replaced, inserted, deleted, case-flipped or cut off."""
    text = base
    pieces = alphabet if alphabet is not None else st.text(st.characters() | SURROGATES, min_size=1, max_size=3)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "swapcase", "duplicate"]))
        i = draw(st.integers(0, max(len(text) - 1, 0)))
        if op == "replace" and text:
            text = text[:i] + draw(pieces) + text[i + 1 :]
        elif op == "insert":
            text = text[:i] + draw(pieces) + text[i:]
        elif op == "delete" and text:
            j = draw(st.integers(i, min(len(text), i + 8)))
            text = text[:i] + text[j:]
        elif op == "truncate":
            text = text[:i]
        elif op == "swapcase":
            text = text.swapcase() if draw(st.booleans()) else text[:i] + text[i:].upper()
        else:
            text = text[:i] + text[i : i + 10] + text[i:]
    return text


@st.composite
def mutated_bytes(draw: st.DrawFn, base: bytes) -> bytes:
    """`base` with bits flipped, bytes set, cut, extended or spliced."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["flip", "set", "truncate", "extend", "insert", "delete", "random"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[i] = draw(st.integers(0, 255) | st.sampled_from([0, 1, 2, 3, 0x7F, 0x80, 0xFF]))
        elif op == "truncate":
            del data[i:]
        elif op == "extend":
            data += draw(st.binary(min_size=1, max_size=40))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            del data[i : i + draw(st.integers(1, 8))]
        else:
            data = bytearray(draw(st.binary(max_size=120)))
    return bytes(data)


# --- bech32 with the checksum recomputed, so mutated data reaches the parsers behind it -----------


def bech32_split(text: str) -> tuple[str, list[int]]:
    """The human-readable part and the 5-bit data words (checksum removed) of a valid bech32 string."""
    pos = text.rfind("1")
    return text[:pos], [CHARSET.index(c) for c in text[pos + 1 : -6]]


def bech32_from_words(hrp: str, words: list[int]) -> str:
    """A bech32 string with a correct checksum over any words (padding not checked)."""
    return hrp + "1" + "".join(CHARSET[w] for w in words + bech32_create_checksum(hrp, words))


def bech32_from_bytes(hrp: str, payload: bytes) -> str:
    """A bech32 string with a correct checksum over any payload, of any length."""
    words = convertbits(payload, 8, 5, True)
    assert words is not None
    return bech32_from_words(hrp, words)


def bech32_payload(text: str) -> tuple[str, bytes]:
    """The human-readable part and payload bytes of a valid bech32 string."""
    hrp, words = bech32_split(text)
    raw = convertbits(words, 5, 8, False)
    assert raw is not None
    return hrp, bytes(raw)


@st.composite
def mutated_words(draw: st.DrawFn, words: list[int]) -> list[int]:
    """5-bit words with bits flipped, words set, dropped or added (padding may break)."""
    out = list(words)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["flip", "set", "delete", "insert", "truncate"]))
        i = draw(st.integers(0, max(len(out) - 1, 0)))
        if op == "flip" and out:
            out[i] ^= 1 << draw(st.integers(0, 4))
        elif op == "set" and out:
            out[i] = draw(st.integers(0, 31))
        elif op == "delete" and out:
            del out[i]
        elif op == "insert":
            out.insert(i, draw(st.integers(0, 31)))
        else:
            del out[i:]
    return out
