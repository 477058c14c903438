"""The layer rules of DESIGN.md, checked in fresh interpreters."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import importlib, json, sys
importlib.import_module({module!r})
print(json.dumps(sorted(m for m in sys.modules)))
"""

HEADLESS = [
    "nostr_tui.protocol.event",
    "nostr_tui.protocol.nip19",
    "nostr_tui.protocol.filters",
    "nostr_tui.config",
    "nostr_tui.cli",
    "nostr_tui.relay",
    "nostr_tui.store",
    "nostr_tui.keystore",
    "nostr_tui.client",
]


def _loaded(module: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_packages_do_not_load_textual(module: str) -> None:
    loaded = _loaded(module)
    assert "textual" not in loaded, f"{module} pulled in textual"


def test_protocol_is_pure() -> None:
    loaded = set()
    for module in ("nostr_tui.protocol.event", "nostr_tui.protocol.nip19", "nostr_tui.protocol.filters"):
        loaded |= _loaded(module)
    for forbidden in ("asyncio", "websockets", "sqlite3", "textual", "httpx"):
        assert forbidden not in loaded, f"protocol/ loaded {forbidden}"
