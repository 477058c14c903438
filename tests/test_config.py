"""The config file: defaults, every setting read, one-line errors naming the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from nostr_tui.config import Config, ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]


def test_missing_default_file_gives_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    cfg = load_config()
    assert cfg == Config()
    assert cfg.read_relays() and cfg.write_relays()


def test_xdg_config_home_moves_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "nostr-tui").mkdir()
    (tmp_path / "nostr-tui" / "config.toml").write_text('[[relays]]\nurl = "ws://127.0.0.1:7000"\nwrite = false\n')
    cfg = load_config()
    assert cfg.read_relays() == ["ws://127.0.0.1:7000"]
    assert cfg.write_relays() == []


def test_example_config_is_valid_and_names_every_setting() -> None:
    text = (ROOT / "config.example.toml").read_text()
    cfg = parse_config(tomllib.loads(text))
    assert cfg.relays and cfg.network.connect_timeout > 0
    for name in ("connect_timeout", "ping_interval", "eose_timeout", "publish_timeout", "backoff_initial",
                 "backoff_max", "healthy_after", "max_frame_bytes", "nip11_timeout", "max_cache_mb",
                 "passphrase_command", "log_n", "[keymap]", "data_dir", "auth", "[ui]", "max_width"):
        assert name in text, f"config.example.toml does not mention {name}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[relays]]\nurl = "http://x"\n', "ws:// or wss://"),
        ("[network]\nconnect_timeout = true\n", "connect_timeout must be a number"),
        ("[network]\nconnect_timeout = -1\n", "connect_timeout must be positive"),
        ("[network]\nconect_timeout = 3\n", "unknown setting 'conect_timeout'"),
        ("[keys]\nlog_n = 40\n", "log_n must be between"),
        ('[keymap]\n"feed.reply" = 3\n', "[keymap] feed.reply must be a string"),
        ("relays = 3\n", "relays must be a list"),
        ("[ui]\nmax_width = 10\n", "[ui] max_width must be 0 (the whole terminal) or between 40 and 1000"),
        ('[ui]\nmax_width = "wide"\n', "max_width must be int"),
        ("[ui]\nmax_width = true\n", "max_width must be a number"),
        ("[ui]\nmaxwidth = 80\n", "unknown setting 'maxwidth'"),
        ("ui = 3\n", "[ui] must be a table"),
    ],
)
def test_bad_values_give_one_line_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_unreadable_or_broken_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[network\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)


def test_trailing_slash_is_the_same_relay() -> None:
    cfg = parse_config({"relays": [{"url": "wss://relay.example.com/", "auth": True}]})
    assert cfg.relays[0].url == "wss://relay.example.com"
    assert cfg.auth_allowed("wss://relay.example.com")


def test_first_run_writes_the_commented_default_config_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nostr_tui.config import default_config_text, write_default_config

    assert default_config_text() == (ROOT / "config.example.toml").read_text()  # one text, two places
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    written = write_default_config()
    assert written == tmp_path / "nostr-tui" / "config.toml"
    cfg = load_config()
    assert cfg.read_relays() == Config().read_relays() and cfg.source == written
    written.write_text('[[relays]]\nurl = "ws://127.0.0.1:1"\n')
    assert write_default_config() is None  # never overwrites the person's config
    assert load_config().read_relays() == ["ws://127.0.0.1:1"]


def test_the_readable_width_is_read_and_defaults_to_100_columns(tmp_path: Path) -> None:
    assert Config().ui.max_width == 100
    path = tmp_path / "c.toml"
    path.write_text("[ui]\nmax_width = 0\n")
    assert load_config(path).ui.max_width == 0
    path.write_text("[ui]\nmax_width = 72\n")
    assert load_config(path).ui.max_width == 72
