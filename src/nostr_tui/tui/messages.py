"""Textual messages the app's pump makes from client notifications."""

from __future__ import annotations

from textual.message import Message

from ..client.events import ClientEvent


class ClientNotice(Message):
    """One notification from the headless client, delivered on the UI thread."""

    def __init__(self, event: ClientEvent) -> None:
        super().__init__()
        self.event = event
