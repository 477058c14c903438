"""Fuzz targets shared by tests/fuzz (a short budget) and `python -m benchmarks fuzz` (a long one).

A target is a hypothesis strategy of hostile inputs and a check that feeds one input to one decoder.
The check lets the decoder's own typed error through as a "rejected" outcome, asserts what must hold
of an accepted input, and lets anything else propagate: that is a failure. It returns a short label
(e.g. "accepted:EventMessage", "rejected:bad signature") so a run can show which paths it reached.
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@dataclass(frozen=True)
class FuzzTarget:
    """One decoder under fuzz: its inputs, its check, and the labels a run should reach.

    Each entry of `reach` and `deep` is a substring that at least one label of a run should contain:
    `reach` even in a short run, `deep` (rarer paths) in a long one.
    """

    name: str
    strategy: st.SearchStrategy[Any]
    check: Callable[[Any], str]
    reach: tuple[str, ...] = ("accepted", "rejected")
    deep: tuple[str, ...] = ()


@dataclass
class FuzzResult:
    """What one run of a target did: how many cases, which labels, which failures."""

    name: str
    cases: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def missing(self, wanted: tuple[str, ...]) -> list[str]:
        """The entries of `wanted` (a target's `reach` or `deep`) that no label of this run contains."""
        return [r for r in wanted if not any(r in label for label in self.labels)]


def fuzz_settings(max_examples: int, **overrides: Any) -> settings:
    """Hypothesis settings for a fuzz run: no deadline, slow or large inputs are fine."""
    values: dict[str, Any] = {
        "max_examples": max_examples,
        "deadline": None,
        "derandomize": False,
        "suppress_health_check": list(HealthCheck),
        "print_blob": True,
    }
    values.update(overrides)
    return settings(**values)


def run_target(target: FuzzTarget, config: settings) -> FuzzResult:
    """Run `target` under the hypothesis settings `config`; failures are collected, not raised."""
    result = FuzzResult(target.name)

    def case(value: Any) -> None:
        result.cases += 1
        result.labels[target.check(value)] += 1

    # Keep each target's saved examples apart in the hypothesis database (they share `case`'s source).
    case._hypothesis_internal_add_digest = target.name.encode()  # type: ignore[attr-defined]
    test = config(given(target.strategy)(case))
    try:
        test()
    except BaseException as exc:  # a failing case is the result, whatever it raised
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
        for error in found:
            text = "".join(traceback.format_exception(error))
            result.failures.append(text[-4000:])
    return result


def all_targets() -> list[FuzzTarget]:
    """Every fuzz target, in a stable order."""
    from .bech32_targets import content_target, nip19_target, nip49_target
    from .config_targets import config_dict_target, config_file_target
    from .protocol_targets import event_target, filter_target, relay_message_target

    return [
        relay_message_target(),
        event_target(),
        filter_target(),
        nip19_target(),
        nip49_target(),
        content_target(),
        config_dict_target(),
        config_file_target(),
    ]


def target_named(name: str) -> FuzzTarget:
    """The target called `name`."""
    for target in all_targets():
        if target.name == name:
            return target
    raise KeyError(name)
