"""The TUI tests: the demo never depends on its preferred port being free or taken."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support.ports import PortHold

import nostr_tui.demo


@pytest.fixture(autouse=True)
def demo_port_held(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The demo's preferred port (DEMO_PORT, 7447 in a real run, where a running `nostr-tui --demo` may hold
    it) becomes a port this test holds: so `--demo` always takes its fallback, a relay on a port of its own
    choosing, whatever else runs on the machine. Yields the held port."""
    with PortHold() as hold:
        monkeypatch.setattr(nostr_tui.demo, "DEMO_PORT", hold.port)
        yield hold.port
