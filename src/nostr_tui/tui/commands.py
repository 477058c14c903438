"""Command palette (ctrl+p): open a note or profile from any reference, a hashtag, an account, a search."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import Hit, Hits, Provider

from ..protocol import nip19

if TYPE_CHECKING:
    from .app import NostrApp


def classify(text: str) -> tuple[str, str] | None:
    """("thread", ref) or ("profile", hex) for a note/nevent/npub/nprofile/nostr: string, else None."""
    try:
        ent = nip19.decode(text.strip())
    except nip19.Nip19Error:
        return None
    if isinstance(ent, nip19.Note | nip19.Nevent):
        return "thread", text.strip().removeprefix("nostr:")
    if isinstance(ent, nip19.Npub | nip19.Nprofile):
        return "profile", ent.pubkey
    return None


class NostrCommands(Provider):
    """Commands that take what was typed: a reference, `#tag`, an account name, or text to search."""

    @property
    def nostr(self) -> NostrApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    async def search(self, query: str) -> Hits:
        q = query.strip()
        if not q:
            return
        target = classify(q)
        if target is not None:
            kind, value = target
            if kind == "thread":
                yield Hit(1.0, f"Open note {q[:30]}…", partial(self.nostr.open_thread, value))
            else:
                yield Hit(1.0, f"Open profile {q[:30]}…", partial(self.nostr.open_profile, value))
        if q.startswith("#") and len(q) > 1:
            yield Hit(0.9, f"Open hashtag {q}", partial(self.nostr.open_hashtag, q[1:]))
        for acc in self.nostr.client.session.accounts():
            if q.lower() in acc.name.lower():
                yield Hit(0.8, f"Switch account to {acc.name}", partial(self.nostr.switch_account, acc.name))
        yield Hit(0.5, f"Search the local store for “{q[:40]}”", partial(self.nostr.open_search, q))
