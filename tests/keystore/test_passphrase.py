"""Passphrase sources: environment, a real command, the terminal prompt."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
from tests.support.keys import never

from nostr_tui.config import KeysConfig
from nostr_tui.keystore import PassphraseError
from nostr_tui.keystore.passphrase import (
    ENV_NEW_PASSPHRASE,
    ENV_PASSPHRASE,
    command_source,
    new_passphrase_source,
    passphrase_source,
    tty_prompt,
)


def py_command(code: str) -> str:
    return shlex.join([sys.executable, "-c", code])


def test_command_gives_its_first_output_line() -> None:
    ask = command_source(py_command("print('pass with  spaces ✓'); print('second line')"))
    assert ask("Passphrase: ", False) == "pass with  spaces ✓"


def test_command_does_not_read_our_stdin() -> None:
    ask = command_source(py_command("import sys; print(sys.stdin.read() or 'nothing on stdin')"))
    assert ask("p", False) == "nothing on stdin"


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (py_command("import sys; sys.exit(3)"), "exited with status 3"),
        (py_command("pass"), "no passphrase"),
        (py_command("print()"), "no passphrase"),
        ("/nonexistent/pass-manager show nostr", "not found: /nonexistent/pass-manager"),
        (py_command("import sys; sys.stdout.buffer.write(bytes([255]))"), "not UTF-8"),
    ],
)
def test_command_failures_are_clear(command: str, words: str) -> None:
    with pytest.raises(PassphraseError, match=words):
        command_source(command)("p", False)


def test_command_timeout() -> None:
    with pytest.raises(PassphraseError, match="did not answer"):
        command_source(py_command("import time; time.sleep(5)"), timeout=0.3)("p", False)


def test_precedence_env_then_command_then_prompt() -> None:
    keys = KeysConfig(passphrase_command=py_command("print('from command')"))
    assert passphrase_source(keys, {ENV_PASSPHRASE: "from env"}, never)("p", False) == "from env"
    assert passphrase_source(keys, {}, never)("p", False) == "from command"
    assert passphrase_source(KeysConfig(), {}, lambda p, c: "from prompt")("p", False) == "from prompt"


def test_new_passphrase_source() -> None:
    assert new_passphrase_source({ENV_NEW_PASSPHRASE: "n", ENV_PASSPHRASE: "o"}, never)("p", True) == "n"
    assert new_passphrase_source({ENV_PASSPHRASE: "o"}, lambda p, c: "typed")("p", True) == "typed"


def test_prompt_without_a_terminal_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(PassphraseError, match=ENV_PASSPHRASE):
        tty_prompt("p", False, tty_path=str(tmp_path / "no-tty"), read_hidden=lambda p: "x")


def test_prompt_asks_twice_for_a_new_passphrase(tmp_path: Path) -> None:
    tty = tmp_path / "tty"
    tty.write_text("")
    asked: list[str] = []

    def typed(*replies: str):  # type: ignore[no-untyped-def]
        queue = list(replies)

        def read(prompt: str) -> str:
            asked.append(prompt)
            return queue.pop(0)

        return read

    assert tty_prompt("New: ", True, tty_path=str(tty), read_hidden=typed("s3cret", "s3cret")) == "s3cret"
    assert asked == ["New: ", "Repeat to confirm: "]
    with pytest.raises(PassphraseError, match="did not match"):
        tty_prompt("New: ", True, tty_path=str(tty), read_hidden=typed("s3cret", "s3cre"))
    assert tty_prompt("Old: ", False, tty_path=str(tty), read_hidden=typed("once")) == "once"
