"""Reusable widgets of the terminal client, driven by plain data (client.models)."""

from __future__ import annotations

from .compose import Compose
from .note_list import NoteList
from .status_bar import StatusBar
from .thread_view import ThreadView

__all__ = ["Compose", "NoteList", "StatusBar", "ThreadView"]
