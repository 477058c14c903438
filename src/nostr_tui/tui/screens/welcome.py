"""Adding an account: generate a key, import one, or read with an npub only (the first run, or K then g/i)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...client import ClientError
from ..safe_text import single_line
from .modals import InputModal

if TYPE_CHECKING:
    from ..app import NostrApp

FIRST_RUN = "Welcome to nostr-tui.\n\nYou have no account yet. Choose one:"
MORE = "Add an account (you have {count}: {names}). Choose:"
CHOICES = """

  g   generate a new key (encrypted with a passphrase you choose)
  i   import a key you have (nsec, hex or ncryptsec)
  r   read only: enter an npub to read a feed without posting
  esc {later}

Your secret key is stored only encrypted (NIP-49) in your data directory."""
NAME_PROMPT = "A name for this account (letters, digits, '.', '_' or '-'; Enter for {default!r}):"


class WelcomeScreen(ModalScreen[None]):
    """The choices to add an account; each asks for a name, then the key or the passphrase."""

    # priority: each dialog opens as its key arrives, so what is typed or pasted right after goes into its field
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "generate", "Generate key", id="welcome.generate", priority=True),
        Binding("i", "import_key", "Import key", id="welcome.import", priority=True),
        Binding("r", "read_only", "Read only (npub)", id="welcome.read_only", priority=True),
        Binding("escape", "close", "Later", id="welcome.close"),
    ]

    @property
    def nostr(self) -> NostrApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def intro(self) -> str:
        """What the dialog says first: a welcome on the first run, else the accounts there are."""
        names = [a.name for a in self.nostr.client.session.accounts()]
        if not names:
            return FIRST_RUN + CHOICES.format(later="look around first (Global feed)")
        shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
        return MORE.format(count=len(names), names=single_line(shown, 60)) + CHOICES.format(later="back")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(Text(self.intro()), id="welcome-text")
            written = self.nostr.config_written
            relays = ", ".join(r.url for r in self.nostr.config.relays[:3])
            if written is not None:
                yield Static(Text(f"\nA config was written to {written} with public relays ({relays}); "
                                  "edit it any time.", style="dim"))
            yield Static("", id="welcome-status")

    def action_close(self) -> None:
        """Later."""
        self.dismiss(None)

    def _status(self, text: str | Text) -> None:
        self.query_one("#welcome-status", Static).update(text)

    def _ask_name(self, then: str | None) -> None:
        """Ask the account's name, then add it (`then`: the key typed, None to generate one)."""
        default = self.nostr.client.session.suggested_name()

        def named(name: str | None) -> None:
            if name is None:
                self._status("Cancelled: no account was added.")
                return
            self.add_account(then, name.strip() or default)

        self.app.push_screen(InputModal(NAME_PROMPT.format(default=default), placeholder=default), named)

    def action_generate(self) -> None:
        """A fresh key, protected by a new passphrase."""
        self._ask_name(None)

    def action_import_key(self) -> None:
        """Paste an nsec, hex or ncryptsec (never stored unencrypted)."""
        self.app.push_screen(InputModal("Paste your nsec, hex key or ncryptsec:", password=True), self._entered)

    def action_read_only(self) -> None:
        """An npub to read as."""
        self.app.push_screen(InputModal("Your npub (read only):"), self._entered)

    def _entered(self, text: str | None) -> None:
        if text is None:
            return
        if not text.strip():
            self._status("Nothing entered.")
            return
        if self.nostr.client.session.upgraded_by(text.strip()) is not None:
            self.add_account(text.strip(), None)  # a read-only account's key: it keeps its name, and signs
            return
        self._ask_name(text.strip())

    def _encrypting(self) -> None:
        """Called from the key store's thread once the passphrase is known: the slow part starts."""
        self.app.call_from_thread(self._status, "Working… (encrypting the key takes a moment)")

    @work(exit_on_error=False)
    async def add_account(self, text: str | None, name: str | None) -> None:
        """Create or import the account in a thread (scrypt is slow on purpose), then switch to it."""
        session = self.nostr.client.session
        self._status("")
        try:
            if text is None:
                account = await session.generate(name, on_encrypting=self._encrypting)
            else:
                account = await session.import_key(text, name, on_encrypting=self._encrypting)
            await session.use(account.name)
        except ClientError as exc:
            self._status(Text(str(exc), style="red"))
            return
        self.nostr.update_status()
        self.notify(f"Logged in as {account.name} ({account.npub[:16]}…)", markup=False)
        self.dismiss(None)
