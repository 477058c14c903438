"""Compose: count, send, cancel, @ completion inserting a mention, preview, read-only, relay results."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from nostr_tui.client.models import Author
from nostr_tui.protocol.nip19 import npub_encode
from nostr_tui.tui.widgets import Compose

from .apps import ComposeApp
from .factory import author, note

PEOPLE = [author("alice"), author("alan"), author("bob"), author("al\x1b[31mevil")]
SIZE = (80, 30)


def complete(prefix: str) -> Sequence[Author]:
    return [a for a in PEOPLE if a.name.lower().startswith(prefix.lower())]


def shown(app: ComposeApp, wid: str) -> str:
    widget = app.query_one(f"#{wid}", Static)
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


async def test_counts_characters_and_sends_the_text() -> None:
    app = ComposeApp(Compose())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"hello")
        await pilot.pause()
        assert shown(app, "compose-info").startswith("5 characters")
        assert app.of(Compose.Changed)[-1].text == "hello"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        (send,) = app.of(Compose.Send)
        assert send.text == "hello"  # type: ignore[attr-defined]


async def test_empty_text_is_not_sent_and_escape_cancels() -> None:
    app = ComposeApp(Compose())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "ctrl+s", "escape")
        await pilot.pause()
        assert not app.of(Compose.Send)
        assert len(app.of(Compose.Cancel)) == 1


async def test_header_tells_what_is_replied_to() -> None:
    target = note("alice", "first line\nsecond", 60)
    app = ComposeApp(Compose(mode="reply", target=target))
    async with app.run_test(size=SIZE):
        assert shown(app, "compose-header") == "Replying to @alice: first line"
        app.widget.set_target("quote", target)  # type: ignore[attr-defined]
        assert shown(app, "compose-header").startswith("Quoting @alice")
        app.widget.set_target("new")  # type: ignore[attr-defined]
        assert shown(app, "compose-header") == "New note"


async def test_at_completion_inserts_a_mention_and_the_preview_reads_it() -> None:
    app = ComposeApp(Compose(complete=complete))
    async with app.run_test(size=SIZE) as pilot:
        compose = app.widget
        assert isinstance(compose, Compose)
        await pilot.press(*"hi @al")
        await pilot.pause()
        assert compose.completing
        options = shown(app, "compose-completions").splitlines()
        assert [o[2:] for o in options] == ["alice", "alan", "alevil"]  # inert name
        await pilot.press("tab")
        await pilot.pause()
        mention = "nostr:" + npub_encode(PEOPLE[0].pubkey)
        assert compose.text == f"hi {mention} "
        assert not compose.completing
        assert shown(app, "compose-preview").rstrip() == "Reads as: hi @alice"
        await pilot.press(*"and @al", "down", "enter")
        await pilot.pause()
        assert compose.text == f"hi {mention} and nostr:{npub_encode(PEOPLE[1].pubkey)} "
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.of(Compose.Send)[0].text == compose.text  # type: ignore[attr-defined]


async def test_escape_closes_completions_before_cancelling() -> None:
    app = ComposeApp(Compose(complete=complete))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("@", "b")
        await pilot.pause()
        assert app.widget.completing  # type: ignore[attr-defined]
        await pilot.press("escape")
        assert not app.widget.completing  # type: ignore[attr-defined]
        assert not app.of(Compose.Cancel)
        await pilot.press("enter")  # a new line, since no completion is open
        assert app.widget.text == "@b\n"  # type: ignore[attr-defined]


async def test_read_only_shows_the_login_message_and_does_not_send() -> None:
    app = ComposeApp(Compose("draft", read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        compose = app.widget
        assert isinstance(compose, Compose)
        assert shown(app, "compose-readonly") == "Log in with a key to reply."
        assert compose.query_one("#compose-readonly").display
        assert not compose.editor.display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.of(Compose.Send)
        compose.set_read_only(False)
        await pilot.pause()
        assert compose.editor.display


async def test_results_per_relay_are_shown_inert() -> None:
    app = ComposeApp(Compose())
    async with app.run_test(size=SIZE):
        compose = app.widget
        assert isinstance(compose, Compose)
        compose.show_result("wss://one.example", "ok")
        compose.show_result("wss://two.example", "failed", "blocked: \x1b[31m[bold]spam[/]")
        compose.show_result("wss://one.example", "ok", "duplicate")
        lines = shown(app, "compose-status").splitlines()
        assert lines == [
            "✓ wss://one.example ok: duplicate",
            "✗ wss://two.example failed: blocked: [bold]spam[/]",
        ]
        compose.clear_results()
        assert shown(app, "compose-status") == ""
