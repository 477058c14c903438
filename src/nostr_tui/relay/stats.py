"""Counters kept per relay: what arrived, what was dropped and why, how fast OKs come back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RelayStats:
    """Live counters of one relay (mutated by the pool; take `snapshot()` to keep a copy)."""

    events: int = 0  # valid events received (first time and duplicates)
    duplicates: int = 0  # events already seen on this or another relay
    invalid: Counter[str] = field(default_factory=Counter)  # dropped frames by reason
    notices: int = 0
    frames: int = 0
    bytes_received: int = 0
    connects: int = 0
    last_ok_rtt: float | None = None  # seconds from sending EVENT to its OK

    @property
    def invalid_total(self) -> int:
        """All dropped frames."""
        return sum(self.invalid.values())

    def snapshot(self) -> RelayStats:
        """An independent copy."""
        return RelayStats(
            self.events,
            self.duplicates,
            Counter(self.invalid),
            self.notices,
            self.frames,
            self.bytes_received,
            self.connects,
            self.last_ok_rtt,
        )
