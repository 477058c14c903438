"""Writing relay changes back to config.toml with its comments, order and layout kept (tomlkit round trip)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, Table

from .config import ConfigError, RelayConfig, default_config_text


def _entry(rc: RelayConfig) -> Table:
    table = tomlkit.table()
    table["url"] = rc.url
    table["read"] = rc.read
    table["write"] = rc.write
    table["auth"] = rc.auth
    table.add(tomlkit.nl())
    return table


def _url_of(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        url = item.get("url")
        return url if isinstance(url, str) else None
    return None


def _same_url(a: str | None, b: str) -> bool:
    return a is not None and a.rstrip("/") == b.rstrip("/")


def save_relays(path: Path, relays: Sequence[RelayConfig]) -> None:
    """Make `[[relays]]` of the config at `path` say `relays` (created from the commented default when missing):
    entries kept in place with their comments, flags updated, removed ones dropped, new ones appended.
    The file is replaced atomically. Raises ConfigError naming the file."""
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else default_config_text()
        doc = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError) as exc:
        raise ConfigError(f"{path}: cannot update the relays in it ({exc})") from None
    wanted = {rc.url: rc for rc in relays}
    current = doc.get("relays")
    if isinstance(current, Array):  # relays = ["wss://...", ...]: keep that form
        for i in reversed(range(len(current))):
            if not any(_same_url(_url_of(current[i]), u) for u in wanted):
                del current[i]
        have = [_url_of(x) for x in current]
        for rc in relays:
            if not any(_same_url(h, rc.url) for h in have):
                current.append(rc.url)
        if all(rc.read and rc.write and not rc.auth for rc in relays):
            _write(path, tomlkit.dumps(doc))
            return
        del doc["relays"]
        current = None
    if not isinstance(current, AoT):
        aot = tomlkit.aot()
        for rc in relays:
            aot.append(_entry(rc))
        if "relays" in doc:
            del doc["relays"]
        doc.append("relays", aot)
    else:
        for i in reversed(range(len(current))):
            if not any(_same_url(_url_of(current[i]), u) for u in wanted):
                del current[i]
        by_url = {_url_of(t): t for t in current}
        for rc in relays:
            table = next((t for u, t in by_url.items() if _same_url(u, rc.url)), None)
            if table is None:
                current.append(_entry(rc))
                continue
            for key, value, default in (("read", rc.read, True), ("write", rc.write, True), ("auth", rc.auth, False)):
                if key in table or value != default:
                    table[key] = value
    _write(path, tomlkit.dumps(doc))


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)  # it names the person's relays and password manager: theirs alone
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be written ({exc.strerror or exc}); the relays were not saved") from None
