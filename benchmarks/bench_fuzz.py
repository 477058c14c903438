"""The long fuzz run: every decoder fed a fixed budget of hostile inputs; only its own typed error may escape.

The figure per target is the number of failing cases found (target: 0); the detail gives the number of
cases run and how many were accepted. The same targets run with a short budget in tests/fuzz.
"""

from __future__ import annotations

import os
import sys
import time

from .common import Figure
from .fuzz_targets import all_targets, fuzz_settings, run_target

LONG_BUDGET = 20_000
QUICK_BUDGET = 300


def budget(quick: bool) -> int:
    """Cases per target: NOSTR_TUI_FUZZ_CASES if set, else 300 when quick and 20,000 otherwise."""
    override = os.environ.get("NOSTR_TUI_FUZZ_CASES", "")
    if override.isdigit() and int(override) > 0:
        return int(override)
    return QUICK_BUDGET if quick else LONG_BUDGET


def run(quick: bool) -> list[Figure]:
    """One figure per fuzz target, then the total."""
    n = budget(quick)
    figures = []
    total_cases = total_failures = 0
    t_all = time.perf_counter()
    for target in all_targets():
        t0 = time.perf_counter()
        result = run_target(target, fuzz_settings(n, database=None))
        elapsed = time.perf_counter() - t0
        accepted = sum(c for label, c in result.labels.items() if not label.startswith("rejected"))
        missing = result.missing(target.reach + target.deep)
        detail = f"{result.cases:,} cases, {accepted:,} accepted, {elapsed:.1f} s"
        if missing:
            detail += f"; never reached: {', '.join(missing)}"
        if not quick:  # a long run takes minutes: show it is alive
            print(f"   {target.name}: {result.cases:,} cases in {elapsed:.0f} s", file=sys.stderr, flush=True)
        for failure in result.failures:
            print(f"  -- {target.name} failure:\n{failure}", flush=True)
        figures.append(Figure(f"fuzz {target.name}: failing cases found", len(result.failures), 0, False, detail))
        total_cases += result.cases
        total_failures += len(result.failures)
    figures.append(
        Figure(
            "fuzz, all targets: failing cases found",
            total_failures,
            0,
            False,
            f"{total_cases:,} cases in {time.perf_counter() - t_all:.0f} s ({n:,} per target asked)",
        )
    )
    return figures
