"""The TOML config: what nostr-tui reads, with defaults, checked with one-line errors."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths

DEFAULT_RELAYS: tuple[str, ...] = (
    "wss://relay.damus.io",
    "wss://nos.lol",
    "wss://relay.primal.net",
)


class ConfigError(ValueError):
    """A config file that cannot be read or holds a wrong value. The message names the file and key."""


@dataclass(frozen=True)
class RelayConfig:
    """One configured relay."""

    url: str
    read: bool = True
    write: bool = True
    auth: bool = False  # answer NIP-42 AUTH challenges from this relay


@dataclass(frozen=True)
class NetworkConfig:
    """Timeouts and limits for relay connections, in seconds and bytes."""

    connect_timeout: float = 10.0
    ping_interval: float = 30.0
    eose_timeout: float = 10.0
    publish_timeout: float = 10.0
    backoff_initial: float = 1.0
    backoff_max: float = 300.0
    healthy_after: float = 30.0
    max_frame_bytes: int = 4 * 1024 * 1024
    nip11_timeout: float = 5.0


@dataclass(frozen=True)
class StoreConfig:
    """The local event cache."""

    max_cache_mb: int = 512


MIN_LOG_N = 16
"""The least scrypt cost (log2 N, NIP-49) a key is stored at: about 0.1 s and 64 MiB per try."""
MAX_LOG_N = 22


@dataclass(frozen=True)
class KeysConfig:
    """Key store settings. `lock_after`: seconds without signing after which the decrypted key is dropped
    (None: kept until the program ends)."""

    passphrase_command: str = ""
    log_n: int = 16
    lock_after: float | None = None


@dataclass(frozen=True)
class Config:
    """Everything the program reads from config.toml."""

    relays: tuple[RelayConfig, ...] = tuple(RelayConfig(u) for u in DEFAULT_RELAYS)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    keys: KeysConfig = field(default_factory=KeysConfig)
    keymap: dict[str, str] = field(default_factory=dict)
    data_dir: Path | None = None
    source: Path | None = None

    def read_relays(self) -> list[str]:
        """URLs of relays read from."""
        return [r.url for r in self.relays if r.read]

    def write_relays(self) -> list[str]:
        """URLs of relays published to."""
        return [r.url for r in self.relays if r.write]

    def auth_allowed(self, url: str) -> bool:
        """True when the user allowed NIP-42 AUTH for this relay."""
        return any(r.url == url and r.auth for r in self.relays)

    def resolved_data_dir(self) -> Path:
        """The data directory: the config's `data_dir`, else the platformdirs one."""
        return self.data_dir if self.data_dir is not None else paths.data_dir()


def _section(raw: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{name}] must be a table")
    return value


def _typed(section: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any, where: str) -> Any:
    if key not in section:
        return default
    value = section[key]
    if isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{where}: {key} must be a number, not true/false")
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{where}: {key} must be {names}")
    return value


def _check_known(section: dict[str, Any], known: set[str], where: str) -> None:
    for key in section:
        if key not in known:
            raise ConfigError(f"{where}: unknown setting {key!r}")


def validate_relay_url(url: object) -> str:
    """Return the URL if it is a ws:// or wss:// URL, else raise ConfigError."""
    if not isinstance(url, str) or not (url.startswith("ws://") or url.startswith("wss://")) or len(url) < 7:
        raise ConfigError(f"relay url must start with ws:// or wss://, got {url!r}")
    if url.count("/") == 3 and url.endswith("/"):
        url = url[:-1]  # "wss://host/" and "wss://host" are the same relay
    return url


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str, where: str) -> float | None:
    """Seconds from "90s", "30m", "2h", "1d" (a bare number is seconds); "" or "off" is None. Raises ConfigError."""
    value = text.strip().lower()
    if value in ("", "off", "never"):
        return None
    number, unit = (value[:-1], value[-1]) if value[-1] in _UNITS else (value, "s")
    try:
        seconds = float(number) * _UNITS[unit]
    except ValueError:
        raise ConfigError(f'{where}: {text[:40]!r} is not a duration such as "30m", "2h" or "off"') from None
    if not 0 < seconds < math.inf:
        raise ConfigError(f"{where}: the duration must be positive")
    return seconds


def parse_config(raw: dict[str, Any], source: Path | None = None) -> Config:
    """Build a Config from a parsed TOML document. Raises ConfigError naming the bad key."""
    where = str(source) if source else "config"
    _check_known(raw, {"relays", "network", "store", "keys", "keymap", "data_dir"}, where)
    relays_raw = raw.get("relays")
    relays: tuple[RelayConfig, ...]
    if relays_raw is None:
        relays = Config().relays
    else:
        if not isinstance(relays_raw, list):
            raise ConfigError(f"{where}: relays must be a list of [[relays]] tables")
        items = []
        for i, entry in enumerate(relays_raw):
            w = f"{where}: relays[{i}]"
            if isinstance(entry, str):
                entry = {"url": entry}
            if not isinstance(entry, dict):
                raise ConfigError(f"{w} must be a table with url, read, write, auth")
            _check_known(entry, {"url", "read", "write", "auth"}, w)
            try:
                url = validate_relay_url(entry.get("url"))
            except ConfigError as exc:
                raise ConfigError(f"{w}: {exc}") from None
            items.append(
                RelayConfig(
                    url,
                    _typed(entry, "read", bool, True, w),
                    _typed(entry, "write", bool, True, w),
                    _typed(entry, "auth", bool, False, w),
                )
            )
        relays = tuple(items)

    net_raw = _section(raw, "network", where)
    nd = NetworkConfig()
    num = (int, float)
    _check_known(net_raw, set(nd.__dataclass_fields__), f"{where}: [network]")
    network = NetworkConfig(
        **{
            k: _typed(net_raw, k, int if k == "max_frame_bytes" else num, getattr(nd, k), f"{where}: [network]")
            for k in nd.__dataclass_fields__
        }
    )
    for k in nd.__dataclass_fields__:
        if not 0 < getattr(network, k) < math.inf:  # also refuses nan
            raise ConfigError(f"{where}: [network] {k} must be positive (and finite)")

    store_raw = _section(raw, "store", where)
    _check_known(store_raw, {"max_cache_mb"}, f"{where}: [store]")
    store = StoreConfig(_typed(store_raw, "max_cache_mb", int, StoreConfig.max_cache_mb, f"{where}: [store]"))

    keys_raw = _section(raw, "keys", where)
    _check_known(keys_raw, {"passphrase_command", "log_n", "lock_after"}, f"{where}: [keys]")
    keys = KeysConfig(
        _typed(keys_raw, "passphrase_command", str, "", f"{where}: [keys]"),
        _typed(keys_raw, "log_n", int, 16, f"{where}: [keys]"),
        parse_duration(_typed(keys_raw, "lock_after", str, "", f"{where}: [keys]"), f"{where}: [keys] lock_after"),
    )
    if not MIN_LOG_N <= keys.log_n <= MAX_LOG_N:
        raise ConfigError(f"{where}: [keys] log_n must be between {MIN_LOG_N} and {MAX_LOG_N}: a lower scrypt "
                          "cost lets a stolen key file be opened by guessing")

    keymap_raw = _section(raw, "keymap", where)
    for k, v in keymap_raw.items():
        if not isinstance(v, str):
            name = k if k.isprintable() else repr(k)  # no line breaks or escapes in a one-line error
            raise ConfigError(f"{where}: [keymap] {name} must be a string such as \"ctrl+r\"")

    data_dir_raw = raw.get("data_dir")
    if data_dir_raw is not None and not isinstance(data_dir_raw, str):
        raise ConfigError(f"{where}: data_dir must be a path string")
    try:
        data_dir = Path(data_dir_raw).expanduser() if data_dir_raw else None
    except (RuntimeError, ValueError):  # "~nosuchuser", or a NUL byte in the user name
        raise ConfigError(f"{where}: data_dir {data_dir_raw!r}: cannot find that home directory") from None
    return Config(relays, network, store, keys, dict(keymap_raw), data_dir, source)


def default_config_text() -> str:
    """The commented config written on first run (the same text as config.example.toml)."""
    from importlib.resources import files

    return files("nostr_tui").joinpath("default_config.toml").read_text(encoding="utf-8")


def write_default_config(path: Path | None = None) -> Path | None:
    """On first run, write the commented default config (public relays) where it is looked for.

    Returns the path written, or None when a config already exists or it cannot be written.
    """
    target = path if path is not None else paths.default_config_file()
    if target.exists():
        return None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as f:
            f.write(default_config_text())
    except OSError:
        return None
    return target


def load_config(path: Path | None = None) -> Config:
    """Read the config file (`path`, else the platformdirs one). A missing default file gives defaults."""
    explicit = path is not None
    target = path if path is not None else paths.default_config_file()
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{target}: config file not found") from None
        return Config()
    except OSError as exc:
        raise ConfigError(f"{target}: cannot read config ({exc.strerror})") from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{target}: config is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{target}: not valid TOML ({exc})") from None
    except (ValueError, RecursionError):  # tomllib lets these out for huge integers and deep nesting
        raise ConfigError(f"{target}: not valid TOML (a number too long or nesting too deep)") from None
    return parse_config(raw, target)
