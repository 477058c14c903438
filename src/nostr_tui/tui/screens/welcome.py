"""First run: generate a key, import one, or read with an npub only."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ...client import ClientError
from .modals import InputModal

if TYPE_CHECKING:
    from ..app import NostrApp

WELCOME = """Welcome to nostr-tui.

You have no account yet. Choose one:

  g   generate a new key (encrypted with a passphrase you choose)
  i   import a key you have (nsec, hex or ncryptsec)
  r   read only: enter an npub to read a feed without posting
  esc look around first (Global feed)

Your secret key is stored only encrypted (NIP-49) in your data directory."""


class WelcomeScreen(ModalScreen[None]):
    """The first-run choices."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "generate", "Generate key", id="welcome.generate"),
        Binding("i", "import_key", "Import key", id="welcome.import"),
        Binding("r", "read_only", "Read only (npub)", id="welcome.read_only"),
        Binding("escape", "close", "Later", id="welcome.close"),
    ]

    @property
    def nostr(self) -> NostrApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text(WELCOME))
            written = self.nostr.config_written
            relays = ", ".join(r.url for r in self.nostr.config.relays[:3])
            if written is not None:
                yield Static(Text(f"\nA config was written to {written} with public relays ({relays}); "
                                  "edit it any time.", style="dim"))
            yield Static("", id="welcome-status")

    def action_close(self) -> None:
        """Later."""
        self.dismiss(None)

    def action_generate(self) -> None:
        """A fresh key, protected by a new passphrase."""
        self.add_account(None)

    def action_import_key(self) -> None:
        """Paste an nsec, hex or ncryptsec (never stored unencrypted)."""
        self.app.push_screen(InputModal("Paste your nsec, hex key or ncryptsec:", password=True), self._entered)

    def action_read_only(self) -> None:
        """An npub to read as."""
        self.app.push_screen(InputModal("Your npub (read only):"), self._entered)

    def _entered(self, text: str | None) -> None:
        if text is not None:
            self.add_account(text)

    @work(exit_on_error=False)
    async def add_account(self, text: str | None) -> None:
        """Create or import the account in a thread (scrypt is slow on purpose), then switch to it."""
        session = self.nostr.client.session
        status = self.query_one("#welcome-status", Static)
        status.update("Working… (encrypting the key takes a moment)")
        try:
            if text is None:
                account = await session.generate(None)
            elif not text.strip():
                status.update("Nothing entered.")
                return
            else:
                account = await session.import_key(text.strip(), None)
            await session.use(account.name)
        except ClientError as exc:
            status.update(Text(str(exc), style="red"))
            return
        self.nostr.update_status()
        self.notify(f"Logged in as {account.name} ({account.npub[:16]}…)", markup=False)
        self.dismiss(None)
