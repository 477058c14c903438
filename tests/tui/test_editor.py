"""In a real terminal (tmux): ctrl+e in the compose pane opens $VISUAL/$EDITOR (the app suspends for it) and, back
in the app, the text is the editor's and the cursor is at its end; keys typed ahead of the compose pane, or of a
dialog asking for a line of text, go into it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
ROOT = Path(__file__).resolve().parents[2]


class Tmux:
    """One tmux server of its own (its own socket) running one command in a window of a fixed size."""

    def __init__(self, command: str, env: dict[str, str], size: tuple[int, int] = (100, 32)) -> None:
        self.socket = f"nostr-tui-test-{uuid.uuid4().hex[:8]}"
        self.run("new-session", "-d", "-s", "t", "-x", str(size[0]), "-y", str(size[1]), command, env=env)

    def run(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=env,
                              timeout=30, check=False)
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "t", *(["-l"] if literal else []), *keys)

    def wait_for(self, text: str, timeout: float = 30.0, *, gone: str | None = None) -> str:
        """The screen once it shows `text` (and, with `gone`, no longer shows that)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            shown = self.screen()
            if text in shown and (gone is None or gone not in shown):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never showed{f' without {gone!r}' if gone else ''}; the screen was:\n"
                             f"{self.screen()}")

    def close(self) -> None:
        self.run("kill-server")


@pytest.fixture
def tmux_app(tmp_path: Path) -> Iterator[Tmux]:
    editor = tmp_path / "editor"
    # The "editor": appends to the file it is given, as a person would, then exits.
    editor.write_text('#!/bin/sh\nprintf "%s and more from the editor" "$(cat "$1")" > "$1"\n')
    editor.chmod(0o700)
    env = {**os.environ, "EDITOR": str(editor), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("VISUAL", None)
    session = Tmux(f"{sys.executable} -m nostr_tui --demo", env)
    try:
        yield session
    finally:
        session.close()


def test_ctrl_e_in_the_text_area_runs_the_editor_and_the_cursor_ends_up_at_the_end(tmux_app: Tmux) -> None:
    tmux_app.wait_for("relays 1/1 connected")
    tmux_app.keys("c")
    tmux_app.wait_for("New note")
    tmux_app.keys("hello", literal=True)
    tmux_app.wait_for("5 characters")
    tmux_app.keys("C-e")  # the focus is in the text area
    tmux_app.wait_for("hello and more from the editor")
    tmux_app.keys("!", literal=True)  # typed where the cursor is: at the end
    tmux_app.wait_for("hello and more from the editor!")
    tmux_app.wait_for("31 characters")  # the count under the editor agrees: the "!" went at the end


def test_what_is_typed_at_once_after_c_goes_into_the_pane(tmux_app: Tmux) -> None:
    """A paste, or a fast typist over SSH: the terminal hands over "3chello" in one read. 3 goes to the Global
    tab, c opens the pane, and "hello" is written in it (not taken as the feed's h, l and o keys)."""
    tmux_app.wait_for("relays 1/1 connected")
    tmux_app.keys("3chello", literal=True)
    shown = tmux_app.wait_for("5 characters")
    assert "▊ hello" in shown


def test_a_relay_url_typed_at_once_after_a_goes_into_the_dialog(tmux_app: Tmux) -> None:
    """On the relays screen, "awss://typed.example" in one read: a opens the dialog and the URL is in its field
    (not lost, nor taken as the screen's w, d and r keys, which would toggle or remove the relay)."""
    tmux_app.wait_for("relays 1/1 connected")
    tmux_app.keys("R")
    tmux_app.wait_for("Toggle write")
    tmux_app.keys("awss://typed.example", literal=True)
    shown = tmux_app.wait_for("▊  wss://typed.example")
    assert "Relay URL" in shown
    tmux_app.keys("Enter")
    shown = tmux_app.wait_for("wss://typed.example  ")  # a row of the relays table
    assert "ws://127.0.0.1" in shown  # the demo relay is still there, with its flags
    assert " rw " in shown


def test_a_key_pasted_at_once_after_i_goes_into_the_hidden_field(tmux_app: Tmux) -> None:
    """On the accounts screen, i opens the choices; there "i" and a pasted key in one read open the key dialog
    with the whole paste in its field (shown as dots)."""
    tmux_app.wait_for("relays 1/1 connected")
    tmux_app.keys("K")
    tmux_app.wait_for("Generate/import")
    tmux_app.keys("i")
    tmux_app.wait_for("import a key you have")
    tmux_app.keys("i" + "x" * 20, literal=True)
    shown = tmux_app.wait_for("•" * 20)
    assert "Paste your nsec" in shown
    assert "▊  " + "•" * 20 + " " in shown  # all twenty, and nothing else


def test_what_is_typed_at_once_after_R_or_K_goes_to_the_screen_it_opens(tmux_app: Tmux) -> None:
    """From the feed, R and the relays screen's a with a URL in one read: the relays screen opens, then the dialog,
    with the URL whole in its field. K then i in one read: the accounts screen opens its add choices."""
    tmux_app.wait_for("relays 1/1 connected")
    tmux_app.keys("Rawss://typed.example", literal=True)
    shown = tmux_app.wait_for("▊  wss://typed.example")
    assert "Relay URL" in shown
    tmux_app.keys("/RKO", literal=True)  # in a text field they are letters
    tmux_app.wait_for("▊  wss://typed.example/RKO")
    tmux_app.keys("Escape")
    tmux_app.wait_for("Toggle write")
    tmux_app.keys("Escape")
    tmux_app.wait_for("Compose")
    tmux_app.keys("Ki", literal=True)
    tmux_app.wait_for("import a key you have")
    tmux_app.keys("Escape")
    tmux_app.wait_for("Generate/import", gone="import a key you have")
    tmux_app.keys("?")
    tmux_app.wait_for("Keys (remap")  # the help dialog's heading
    tmux_app.keys("R")  # a dialog keeps its keys: no relays screen opens over it
    tmux_app.keys("Escape")  # so this closes the help, not a relays screen over it
    shown = tmux_app.wait_for("Generate/import", gone="Keys (remap")
    assert "Toggle write" not in shown
