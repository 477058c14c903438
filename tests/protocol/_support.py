"""Shared helpers for the protocol tests: the vector files kept next to the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).parent / "vectors"


def load_json(name: str) -> Any:
    """A JSON vector file from tests/protocol/vectors."""
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))
