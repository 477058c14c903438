"""Command palette (ctrl+p): open a note or profile from any reference, a person by name, a hashtag, an
account, a search of the local store. A string that looks like a reference but is not one says so."""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING

from textual.command import Hit, Hits, Provider

from ..client import ClientError
from ..protocol import nip19
from .safe_text import single_line

if TYPE_CHECKING:
    from .app import NostrApp

_LOOKS_LIKE_REF = re.compile(r"^(?:nostr:)?(npub|nsec|note|nprofile|nevent|naddr|ncryptsec)1\S*$", re.IGNORECASE)
KIND_NAMES = {"npub": "npub", "nprofile": "nprofile", "note": "note id", "nevent": "nevent", "naddr": "naddr",
              "nsec": "nsec", "ncryptsec": "ncryptsec"}


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


def not_openable(text: str) -> str | None:
    """Why a string that looks like a NIP-19 reference cannot be opened (None: it can, or it is plain text).
    A secret key is never echoed back."""
    found = _LOOKS_LIKE_REF.match(text.strip())
    if found is None:
        return None
    prefix = found.group(1).lower()
    if prefix in ("nsec", "ncryptsec"):
        return (f"That is a secret key ({prefix}): never paste it here or share it. To log in with it, "
                "use the accounts screen (K, then i).")
    if classify(text) is not None:
        return None
    try:
        nip19.decode(text.strip())
    except nip19.Nip19Error as exc:
        return f"Not a valid {KIND_NAMES[prefix]}: {exc.reason}."
    return f"An {prefix} (an article, a list, …) cannot be opened here yet."


class NostrCommands(Provider):
    """Commands that take what was typed: a reference, a name, `#tag`, an account name, or text to search."""

    @property
    def nostr(self) -> NostrApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def _say(self, text: str) -> None:
        self.nostr.notify(text, severity="warning", markup=False)

    async def search(self, query: str) -> Hits:
        q = query.strip()
        if not q:
            return
        problem = not_openable(q)
        if problem is not None:  # not a text search: the string is a broken (or secret) reference
            yield Hit(1.0, problem, partial(self._say, problem))
            return
        target = classify(q)
        if target is not None:
            kind, value = target
            if kind == "thread":
                yield Hit(1.0, f"Open note {q[:30]}…", partial(self.nostr.open_thread, value))
            else:
                yield Hit(1.0, f"Open profile {q[:30]}…", partial(self.nostr.open_profile, value))
            return
        if q.startswith("#") and len(q) > 1:
            yield Hit(0.9, f"Open hashtag {q}", partial(self.nostr.open_hashtag, q[1:]))
        for acc in self.nostr.client.session.accounts():
            if q.lower() in acc.name.lower():
                yield Hit(0.8, f"Switch account to {acc.name}", partial(self.nostr.switch_account, acc.name))
        if len(q) >= 3 and not q.startswith("#"):
            try:
                people = await self.nostr.client.search.people(q, limit=5)
            except ClientError:
                people = []
            for author in people:
                label = single_line(author.name, 40)
                extra = f" · {single_line(author.nip05, 40)}" if author.nip05 else ""
                yield Hit(0.7, f"Open profile {label}{extra}", partial(self.nostr.open_profile, author.pubkey))
        yield Hit(0.5, f"Search the local store for “{q[:40]}”", partial(self.nostr.open_search, q))
