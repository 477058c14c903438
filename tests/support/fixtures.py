"""Fixtures every test directory may use (registered by tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from .ports import PortHold
from .relays import RelayProcess


@pytest.fixture
def down_url() -> Iterator[str]:
    """A relay URL on a port held closed for the test: connections are refused, nobody else gets the port."""
    with PortHold() as hold:
        yield hold.url


@pytest.fixture
async def relay_process() -> AsyncIterator[RelayProcess]:
    """A LocalRelay child process, not started yet (its URL refuses connections until `await start()`);
    killed at the end."""
    proc = RelayProcess()
    try:
        yield proc
    finally:
        await proc.close()
