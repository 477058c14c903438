"""Fuzz every decoder of hostile input with a short budget: only its own typed error may escape.

The targets are shared with `python -m benchmarks fuzz`, which runs the same ones with a long budget.
NOSTR_TUI_FUZZ_CASES=<n> runs n cases per target here too.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from benchmarks.fuzz_targets import FuzzTarget, all_targets, fuzz_settings, run_target, target_named
from benchmarks.fuzz_targets.config_targets import check_config_dict, check_config_file
from benchmarks.fuzz_targets.hostile import hostile_text
from hypothesis import settings

from nostr_tui.config import ConfigError, load_config, parse_config
from nostr_tui.protocol import nip49
from nostr_tui.protocol.keys import SecretKey

CI_CASES = 200
_env = os.environ.get("NOSTR_TUI_FUZZ_CASES", "")
settings.register_profile("nostr-tui-fuzz", fuzz_settings(int(_env) if _env.isdigit() and int(_env) else CI_CASES))
TARGET_NAMES = [t.name for t in all_targets()]


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_only_typed_errors_escape(name: str) -> None:
    target = target_named(name)
    result = run_target(target, settings.get_profile("nostr-tui-fuzz"))
    assert not result.failures, "\n\n".join(result.failures)
    assert result.cases >= 50
    # The inputs are not all refused at the door: valid and invalid ones reach the decoder's depths.
    assert not result.missing(target.reach), dict(result.labels)


def test_a_failing_case_is_reported_not_swallowed() -> None:
    def check(text: str) -> str:
        if "\ud800" in text:
            raise UnicodeEncodeError("utf-8", text, 0, 1, "surrogates not allowed")
        return "accepted"

    result = run_target(FuzzTarget("demo", hostile_text(), check), fuzz_settings(500, database=None))
    assert len(result.failures) == 1
    assert "UnicodeEncodeError" in result.failures[0]
    assert "\\ud800" in result.failures[0]  # the shrunk input is shown


# --- the bugs the fuzz suite found, kept as plain regression tests -----------------------------


def test_lone_surrogate_passphrase_is_a_wrong_passphrase() -> None:
    enc = nip49.encrypt(SecretKey.generate(), "correct horse", log_n=1)
    with pytest.raises(nip49.Nip49Error) as info:
        nip49.decrypt(enc, "correct horse\udc80")
    assert info.value.reason == "wrong-passphrase"
    assert "memory" not in str(info.value)


@pytest.mark.parametrize("data_dir", ["~nosuchuser-nostr-tui/data", "~a\x00b/c"])
def test_unknown_home_in_data_dir_is_a_config_error(data_dir: str) -> None:
    with pytest.raises(ConfigError, match="data_dir"):
        parse_config({"data_dir": data_dir})
    assert check_config_dict({"data_dir": data_dir}) == "rejected"


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_network_values_must_be_finite(value: float) -> None:
    with pytest.raises(ConfigError, match="connect_timeout must be positive"):
        parse_config({"network": {"connect_timeout": value}})


def test_keymap_error_stays_on_one_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"keymap": {"feed\n\x1b[2Jreply": 3}})
    assert "\n" not in str(info.value) and "\x1b" not in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["x = " + "9" * 5000, "x = " + "[" * 3000 + "]" * 3000, "x = " + "{a=" * 2000 + "1" + "}" * 2000],
    ids=["huge-integer", "deep-array", "deep-table"],
)
def test_config_file_that_breaks_tomllib_is_a_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
    assert check_config_file(text.encode()) == "rejected"
