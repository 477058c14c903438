"""Small apps that host one widget each and record the messages it posts, for Pilot tests."""

from __future__ import annotations

from collections.abc import Sequence

from tests.support.waiting import wait_for
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from nostr_tui.client.models import NoteItem, ThreadRow
from nostr_tui.tui.widgets import Compose, NoteList, StatusBar, ThreadView

from .factory import clock

__all__ = ["ComposeApp", "FeedApp", "Recorder", "StatusApp", "ThreadApp", "screen_lines", "screen_text", "wait_for"]


class Recorder(App[None]):
    """Hosts one widget; keeps every message of interest in `seen`."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_mount(self) -> None:
        self.widget.focus()

    def of(self, kind: type[Message]) -> list[Message]:
        """The recorded messages of one type."""
        return [m for m in self.seen if type(m) is kind]

    def _keep(self, message: Message) -> None:
        self.seen.append(message)

    on_note_opened = on_note_list_need_older = on_note_list_new_shown = _keep
    on_thread_view_open_quoted = _keep
    on_compose_send = on_compose_cancel = on_compose_changed = _keep


class FeedApp(Recorder):
    """A NoteList with the key a feed screen binds for the held-back notes."""

    BINDINGS = [Binding("n,full_stop", "feed('show_new')", "New notes")]  # noqa: RUF012

    def __init__(self, items: Sequence[NoteItem], **kw: object) -> None:
        kw.setdefault("clock", clock)
        super().__init__(NoteList(items, **kw))  # type: ignore[arg-type]

    @property
    def feed(self) -> NoteList:
        assert isinstance(self.widget, NoteList)
        return self.widget

    def action_feed(self, name: str) -> None:
        getattr(self.feed, f"action_{name}")()


class ThreadApp(Recorder):
    """A ThreadView, with `Q` bound to open the quoted note."""

    BINDINGS = [Binding("Q", "open_quoted", "Open quoted")]  # noqa: RUF012

    def __init__(self, rows: Sequence[ThreadRow], **kw: object) -> None:
        kw.setdefault("clock", clock)
        super().__init__(ThreadView(rows, **kw))  # type: ignore[arg-type]

    @property
    def thread(self) -> ThreadView:
        assert isinstance(self.widget, ThreadView)
        return self.widget

    def action_open_quoted(self) -> None:
        self.thread.action_open_quoted()


class ComposeApp(Recorder):
    """A Compose pane with its editor focused."""

    def __init__(self, compose: Compose) -> None:
        super().__init__(compose)

    def on_mount(self) -> None:
        assert isinstance(self.widget, Compose)
        self.widget.focus_editor()


class StatusApp(Recorder):
    """A StatusBar alone."""

    def __init__(self) -> None:
        super().__init__(StatusBar())


def screen_lines(widget: NoteList | ThreadView) -> list[str]:
    """The text of every row the widget shows now."""
    return [widget.render_line(y).text for y in range(widget.scrollable_content_region.height)]


def screen_text(widget: NoteList | ThreadView) -> str:
    """The widget's rows joined by newlines."""
    return "\n".join(screen_lines(widget))
