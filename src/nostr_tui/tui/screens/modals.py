"""Small modal dialogs: confirm a public action, ask a passphrase, ask one line of text."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


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
