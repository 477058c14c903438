"""Fuzz targets for the config: parse_config on TOML-shaped values, load_config on any file bytes."""

from __future__ import annotations

import math
import tempfile
from datetime import UTC
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from nostr_tui.config import ConfigError, NetworkConfig, load_config, parse_config

from . import FuzzTarget
from .hostile import any_float, any_int, hostile_text, weighted

NETWORK_KEYS = tuple(NetworkConfig.__dataclass_fields__)
SECTIONS = ("relays", "network", "store", "keys", "keymap", "data_dir")
PATHS = ("~", "~/nostr", "~nosuchuser", "~nosuchuser/x", "~\x00", "~a\x00b/c", "", "/tmp/x", "\x00", "rel/dir", "~~")
URLS = ("wss://relay.example.com", "ws://127.0.0.1:7777", "wss://host/", "ws://", "wss://", "http://x", "wss:/x")


def toml_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any value tomllib can produce: strings, numbers (NaN and infinities too), booleans, dates,
    times, arrays and tables (string keys)."""
    scalars = st.one_of(
        hostile_text(20),
        any_int(),
        any_float(),
        st.booleans(),
        st.datetimes(timezones=st.none() | st.just(UTC)),
        st.dates(),
        st.times(),
    )
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text(8), children, max_size=4),
        max_leaves=max_leaves,
    )


def _table(keys: tuple[str, ...], values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys) | hostile_text(8), values, max_size=len(keys) + 1)


def config_dicts() -> st.SearchStrategy[Any]:
    """TOML documents: the real sections and keys with plausible or hostile values, and anything else."""
    values = toml_values()
    number = st.one_of(any_int(), any_float(), st.just(10.0), values)
    relay = st.one_of(
        st.sampled_from(URLS),
        _table(("url", "read", "write", "auth"), st.sampled_from(URLS) | st.booleans() | values),
        values,
    )
    sections = {
        "relays": st.lists(relay, max_size=3) | values,
        "network": _table(NETWORK_KEYS, number),
        "store": _table(("max_cache_mb",), number),
        "keys": _table(("passphrase_command", "log_n"), number | st.sampled_from(["pass show nostr", "", "\x00"])),
        "keymap": st.dictionaries(hostile_text(10), st.sampled_from(["ctrl+r", "q", ""]) | values, max_size=3),
        "data_dir": st.sampled_from(PATHS) | hostile_text(20) | values,
    }
    real = st.fixed_dictionaries({}, optional={name: s | values for name, s in sections.items()})
    return weighted((4, real), (1, st.dictionaries(st.sampled_from(SECTIONS) | hostile_text(8), values)), (1, values))


def check_config_dict(raw: Any) -> str:
    """parse_config: ConfigError, or a config whose settings are usable."""
    if not isinstance(raw, dict):
        raw = {"value": raw}
    try:
        config = parse_config(raw)
    except ConfigError as exc:
        assert str(exc).startswith("config:"), str(exc)
        assert "\n" not in str(exc), "a config error is one line"
        return "rejected"
    for name in NETWORK_KEYS:
        value = getattr(config.network, name)
        assert math.isfinite(value) and value > 0, (name, value)
    assert 1 <= config.keys.log_n <= 22
    assert all(r.url.startswith(("ws://", "wss://")) for r in config.relays)
    assert all(isinstance(v, str) for v in config.keymap.values())
    config.resolved_data_dir()
    return "accepted"


def config_dict_target() -> FuzzTarget:
    """parse_config."""
    return FuzzTarget("config-dict", config_dicts(), check_config_dict)


# --- the config file --------------------------------------------------------------------------

TOML_LINES = (
    "[network]",
    "[store]",
    "[keys]",
    "[keymap]",
    "[[relays]]",
    "[relays]",
    "relays = []",
    'relays = ["wss://relay.example.com", "ws://127.0.0.1:7777"]',
    'url = "wss://relay.example.com"',
    'url = "http://x"',
    "read = false",
    "auth = true",
    "connect_timeout = 5",
    "connect_timeout = 0.5",
    "connect_timeout = nan",
    "backoff_max = inf",
    "max_frame_bytes = 1_000_000",
    "max_frame_bytes = 1e400",
    "max_cache_mb = -1",
    "log_n = 16",
    "log_n = 99",
    'passphrase_command = "pass show nostr"',
    '"feed.reply" = "ctrl+r"',
    'data_dir = "~/nostr"',
    'data_dir = "~nosuchuser/x"',
    'data_dir = "~\\u0000"',
    "when = 1979-05-27T07:32:00Z",
    "when = 2024-02-30",
    "x = 0x" + "f" * 40,
    "x = " + "9" * 5000,
    "x = " + "[" * 3000 + "]" * 3000,
    "x = " + "{a=" * 2000 + "1" + "}" * 2000,
    "x = " + "[" * 50,
    'x = "unterminated',
    "a.b.c = 1",
    "=",
    "",
    "# comment",
)


@st.composite
def config_files(draw: st.DrawFn) -> bytes:
    """Config file bytes: lines of (mostly) TOML in any order, odd encodings, or random bytes."""
    form = draw(st.sampled_from(["lines", "lines", "lines", "binary", "text"]))
    if form == "binary":
        return draw(st.binary(max_size=300))
    if form == "text":
        return draw(hostile_text(300)).encode("utf-8", "surrogatepass")
    lines = draw(st.lists(st.sampled_from(TOML_LINES) | hostile_text(20), max_size=12))
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


def check_config_file(data: bytes) -> str:
    """load_config on a file holding `data`: ConfigError naming the file, or a config."""
    with tempfile.TemporaryDirectory(prefix="nostr-tui-fuzz-") as tmp:
        path = Path(tmp) / "config.toml"
        path.write_bytes(data)
        try:
            load_config(path)
        except ConfigError as exc:
            assert str(exc).startswith(str(path)), str(exc)
            assert "\n" not in str(exc).strip(), "a config error is one line"
            return "rejected"
    return "accepted"


def config_file_target() -> FuzzTarget:
    """load_config."""
    return FuzzTarget("config-file", config_files(), check_config_file)
