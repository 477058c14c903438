"""Small modal dialogs: confirm a public action, ask a passphrase, ask one line of text."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ...client import passphrase_strength


class ConfirmModal(ModalScreen[bool]):
    """Yes or no: y/enter confirms, n/esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question))
            yield Label("[b]y[/b] yes   [b]n[/b] no")

    def action_answer(self, value: bool) -> None:
        """Close with the answer."""
        self.dismiss(value)


class InputModal(ModalScreen[str | None]):
    """One line of input; Enter submits, Esc cancels. `password` hides what is typed."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="input.cancel")]

    def __init__(self, prompt: str, *, password: bool = False, placeholder: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.password = password
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.prompt))
            yield Input(password=self.password, placeholder=self.placeholder, id="modal-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Close with the text."""
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


WEAK_WARNING = ("This passphrase is weak: whoever copies your key file could guess it. Press Enter again to use "
                "it anyway, or make it longer (a few unrelated words are easy to remember and hard to guess).")


class NewPassphraseModal(InputModal):
    """A new passphrase, with a strength estimate as it is typed; a weak one needs a second Enter."""

    def __init__(self, prompt: str, *, user_inputs: tuple[str, ...] = ()) -> None:
        super().__init__(prompt, password=True)
        self.user_inputs = user_inputs
        self._warned: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.prompt))
            yield Input(password=True, id="modal-input")
            yield Static("", id="passphrase-strength")

    def on_input_changed(self, event: Input.Changed) -> None:
        """Estimate the strength of what is typed so far."""
        line = self.query_one("#passphrase-strength", Static)
        if not event.value:
            line.update("")
            return
        strength = passphrase_strength(event.value, self.user_inputs)
        line.update(Text(strength.summary(), style="yellow" if strength.weak else "green"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Close with the passphrase; a weak one is taken on the second Enter, after a warning."""
        event.prevent_default()  # InputModal's handler would close at once
        value = event.value
        if value and passphrase_strength(value, self.user_inputs).weak and self._warned != value:
            self._warned = value
            self.query_one("#passphrase-strength", Static).update(Text(WEAK_WARNING, style="bold red"))
            return
        self.dismiss(value)
