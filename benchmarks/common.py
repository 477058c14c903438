"""What every benchmark module shares: the Figure it reports and a best-of timer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Figure:
    """One measured result: a ratio against a baseline measured in the same run, and its target.

    `higher_is_better` says which side of `target` passes (ratio >= target, else ratio <= target).
    """

    name: str
    ratio: float
    target: float | None  # None: a figure the issue asks to report, with no target
    higher_is_better: bool
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether the ratio meets its target (always, for a figure without one)."""
        if self.target is None:
            return True
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    def line(self) -> str:
        """The printed line: name, ratio, target, verdict, detail."""
        if self.target is None:
            return f"{self.name:<58} ratio {self.ratio:7.3f} (reported, no target)     {self.detail}"
        op = ">=" if self.higher_is_better else "<="
        verdict = "ok" if self.ok else "MISSED"
        return f"{self.name:<58} ratio {self.ratio:7.3f} (target {op} {self.target}) {verdict:6} {self.detail}"


    def row(self, group: str) -> str:
        """The figure as a row of README's Markdown table (benchmark, ratio with detail, target)."""
        ratio = f"{self.ratio:.2f}" + (f" ({self.detail})" if self.detail else "")
        if self.target is None:
            target = "reported"
        else:
            target = f"{'>=' if self.higher_is_better else '<='} {self.target:g}" + ("" if self.ok else ": **missed**")
        name = self.name if self.name.startswith(group) else f"{group}: {self.name}"
        return f"| {name.replace('|', '/')} | {ratio.replace('|', '/')} | {target} |"


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The shortest wall time of `repeat` calls of `fn`, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def interleaved(a: Callable[[], object], b: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """Best times of `a` and `b`, run alternately so machine noise hits both alike."""
    ta = tb = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        a()
        ta = min(ta, time.perf_counter() - t0)
        t0 = time.perf_counter()
        b()
        tb = min(tb, time.perf_counter() - t0)
    return ta, tb
