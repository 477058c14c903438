"""Where passphrases come from: a no-echo terminal prompt, an environment variable, or a command.

Every source is an `AskPassphrase`: `ask(prompt, confirm) -> passphrase`. `confirm` asks for a new passphrase
twice where a person types it. A TUI modal can be passed in the same shape.
"""

from __future__ import annotations

import getpass
import shlex
import subprocess
from collections.abc import Callable, Mapping

from ..config import KeysConfig
from ..environment import child_environ
from .errors import PassphraseError

AskPassphrase = Callable[[str, bool], str]

ENV_PASSPHRASE = "NOSTR_TUI_PASSPHRASE"
ENV_NEW_PASSPHRASE = "NOSTR_TUI_NEW_PASSPHRASE"
TTY_PATH = "/dev/tty"
COMMAND_TIMEOUT = 300.0  # a password manager may wait for the person to unlock it


def has_tty(tty_path: str = TTY_PATH) -> bool:
    """True when a controlling terminal can be opened to ask the person something."""
    try:
        with open(tty_path, "rb"):
            return True
    except OSError:
        return False


def tty_prompt(
    prompt: str,
    confirm: bool,
    *,
    tty_path: str = TTY_PATH,
    read_hidden: Callable[[str], str] = getpass.getpass,
) -> str:
    """Ask on the terminal without echo; with `confirm`, ask twice and require the same answer."""
    if not has_tty(tty_path):
        raise PassphraseError(
            f"no terminal to ask for the passphrase: set {ENV_PASSPHRASE} or [keys] passphrase_command"
        )
    try:
        first = read_hidden(prompt)
        if confirm and read_hidden("Repeat to confirm: ") != first:
            raise PassphraseError("the two passphrases did not match; nothing was changed")
    except EOFError:
        raise PassphraseError("no passphrase entered") from None
    return first


def fixed(passphrase: str) -> AskPassphrase:
    """A source that always answers `passphrase` (for scripts, tests and the environment variable)."""

    def ask(prompt: str, confirm: bool) -> str:
        return passphrase

    return ask


def command_source(command: str, timeout: float = COMMAND_TIMEOUT) -> AskPassphrase:
    """A source running `command` (split like a shell would, but without a shell); the passphrase is the
    first line of its output. The passphrase never appears in any process's arguments."""
    argv = shlex.split(command)
    if not argv:
        raise PassphraseError("[keys] passphrase_command is empty")

    def ask(prompt: str, confirm: bool) -> str:
        try:
            done = subprocess.run(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, timeout=timeout, check=False,
                env=child_environ(),
            )
        except FileNotFoundError:
            raise PassphraseError(f"passphrase_command not found: {argv[0]}") from None
        except PermissionError:
            raise PassphraseError(f"passphrase_command cannot be run: {argv[0]}") from None
        except subprocess.TimeoutExpired:
            raise PassphraseError(f"passphrase_command did not answer within {timeout:g} s") from None
        if done.returncode != 0:
            raise PassphraseError(f"passphrase_command exited with status {done.returncode}")
        try:
            text = done.stdout.decode("utf-8")
        except UnicodeDecodeError:
            raise PassphraseError("passphrase_command printed something that is not UTF-8") from None
        lines = text.splitlines()
        if not lines or not lines[0]:
            raise PassphraseError("passphrase_command printed no passphrase on its first line")
        return lines[0]

    return ask


def passphrase_source(
    keys: KeysConfig, environ: Mapping[str, str], prompt: AskPassphrase = tty_prompt
) -> AskPassphrase:
    """The passphrase source to use: NOSTR_TUI_PASSPHRASE if set, else the configured passphrase_command,
    else `prompt` (the terminal, or a TUI modal)."""
    if ENV_PASSPHRASE in environ:
        return fixed(environ[ENV_PASSPHRASE])
    if keys.passphrase_command.strip():
        return command_source(keys.passphrase_command)
    return prompt


def new_passphrase_source(environ: Mapping[str, str], prompt: AskPassphrase = tty_prompt) -> AskPassphrase:
    """Where a replacement passphrase comes from when changing it: NOSTR_TUI_NEW_PASSPHRASE, else `prompt`."""
    if ENV_NEW_PASSPHRASE in environ:
        return fixed(environ[ENV_NEW_PASSPHRASE])
    if prompt is not tty_prompt:
        return prompt

    def ask(text: str, confirm: bool) -> str:
        if not has_tty():
            raise PassphraseError(f"no terminal to ask for the new passphrase: set {ENV_NEW_PASSPHRASE}")
        return tty_prompt(text, confirm)

    return ask
