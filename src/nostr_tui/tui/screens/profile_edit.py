"""The profile editor: the fields a client shows, edited in place; fields it does not know are kept."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ...client import Profile

FIELDS = (
    ("name", "Name"),
    ("display_name", "Display name"),
    ("about", "About"),
    ("picture", "Picture URL"),
    ("website", "Website"),
    ("nip05", "NIP-05 identifier (name@domain)"),
    ("lud16", "Lightning address (lud16)"),
)


class ProfileEditor(ModalScreen[dict[str, str] | None]):
    """Dismissed with the fields that changed (an emptied field: ""), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="profile_edit.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="profile_edit.cancel"),
    ]

    def __init__(self, profile: Profile | None) -> None:
        super().__init__()
        self.before = {name: getattr(profile, name, "") if profile is not None else "" for name, _ in FIELDS}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="profile-editor"):
            yield Static(Text("Your profile (kind 0) · ctrl+s publish · esc cancel", style="bold"))
            for name, label in FIELDS:
                yield Label(label)
                yield Input(self.before[name], id=f"field-{name}")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field (publishing is ctrl+s)."""
        self.focus_next()

    def action_save(self) -> None:
        """Close with what changed."""
        changed = {}
        for name, _ in FIELDS:
            value = self.query_one(f"#field-{name}", Input).value.strip()
            if value != self.before[name]:
                changed[name] = value
        self.dismiss(changed or None)

    def action_cancel(self) -> None:
        """Close without changes."""
        self.dismiss(None)
