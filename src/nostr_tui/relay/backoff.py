"""Exponential backoff with jitter for reconnecting to a relay."""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Delays that double from `initial` up to `maximum`, each scaled by a random factor in [0.5, 1.0].

    `uniform` is the randomness (default `random.uniform`); inject a fixed one in tests.
    """

    def __init__(
        self,
        initial: float,
        maximum: float,
        *,
        factor: float = 2.0,
        uniform: Callable[[float, float], float] | None = None,
    ) -> None:
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self._uniform = uniform if uniform is not None else random.uniform
        self.failures = 0

    def next_delay(self) -> float:
        """The delay before the next attempt; each call counts one more failure."""
        base = min(self.maximum, self.initial * self.factor**self.failures)
        self.failures += 1
        return base * self._uniform(0.5, 1.0)

    def reset(self) -> None:
        """Start again from `initial` (after a connection stayed healthy)."""
        self.failures = 0
