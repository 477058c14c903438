"""A key store in tmp_path with a low scrypt cost, and the warnings it reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.keys import TEST_LOG_N

from nostr_tui.keystore import KeyStore


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def store(tmp_path: Path, warnings: list[str]) -> KeyStore:
    return KeyStore(tmp_path / "keys", log_n=TEST_LOG_N, warn=warnings.append)
