"""The layer rules of DESIGN.md, checked in fresh interpreters."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

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


FRONT_ENDS = ("tui", "cli")
BACK_DOORS = {"db", "pool", "keystore"}


def _name_of(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _reach_throughs(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr in BACK_DOORS:
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
        if _name_of(node.value) == "client" and node.attr.startswith("_"):
            found.append(f"{path.name}:{node.lineno}: client.{node.attr}")
    return found


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_front_ends_do_not_reach_through_the_client(front_end: str) -> None:
    root = Path(__file__).parent.parent / "src" / "nostr_tui" / front_end
    found = [hit for path in sorted(root.rglob("*.py")) for hit in _reach_throughs(path)]
    assert not found, "the front end reaches past the client facade: " + ", ".join(found)


def test_the_reach_through_check_sees_a_back_door(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f(app):\n    return app.client.pool.status(), app.client._store\n", encoding="utf-8")
    assert sorted(_reach_throughs(sample)) == ["sample.py:2: .pool", "sample.py:2: client._store"]


def test_ingest_is_the_only_caller_of_pool_subscribe() -> None:
    src = Path(__file__).parent.parent / "src" / "nostr_tui"
    callers = set()
    for path in src.rglob("*.py"):
        if path.parts[-2] == "relay":
            continue  # the pool itself
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "subscribe":
                if "pool" in _name_of(node.func.value):
                    callers.add(path.relative_to(src).as_posix())
    assert callers == {"client/ingest.py"}
