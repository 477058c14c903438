"""Profiles (kind 0): display names for pubkeys, and NIP-05 identifiers checked over HTTP."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..protocol import nip19
from ..protocol.event import Event

NIP05_TTL = 6 * 3600.0
_NIP05_NAME = re.compile(r"^[a-z0-9._-]+$")


@dataclass(frozen=True, slots=True)
class Profile:
    """The fields of a kind 0 event that a client shows; all optional."""

    pubkey: str
    name: str = ""
    display_name: str = ""
    about: str = ""
    picture: str = ""
    nip05: str = ""
    lud16: str = ""
    website: str = ""
    created_at: int = 0


def _text(obj: dict[str, Any], key: str, limit: int = 2000) -> str:
    value = obj.get(key)
    return value[:limit] if isinstance(value, str) else ""


def parse_profile(event: Event) -> Profile:
    """Read a kind 0 event's JSON content; malformed content gives an empty profile, never an error."""
    try:
        obj = json.loads(event.content)
    except (ValueError, RecursionError):
        obj = {}
    if not isinstance(obj, dict):
        obj = {}
    display = _text(obj, "display_name", 200) or _text(obj, "displayName", 200)
    return Profile(
        event.pubkey,
        _text(obj, "name", 200),
        display,
        _text(obj, "about"),
        _text(obj, "picture"),
        _text(obj, "nip05", 320),
        _text(obj, "lud16", 320),
        _text(obj, "website"),
        event.created_at,
    )


def short_npub(pubkey: str) -> str:
    """`npub1abcd…wxyz`: enough to tell people apart, short enough for a feed."""
    try:
        full = nip19.npub_encode(pubkey)
    except nip19.Nip19Error:
        return pubkey[:12]
    return f"{full[:10]}…{full[-4:]}"


def display_name(pubkey: str, profile: Profile | None) -> str:
    """name > display_name > short npub."""
    if profile is not None:
        if profile.name.strip():
            return profile.name.strip()
        if profile.display_name.strip():
            return profile.display_name.strip()
    return short_npub(pubkey)


def split_nip05(identifier: str) -> tuple[str, str] | None:
    """(local part, domain) of a NIP-05 identifier (`_@domain` for a bare domain), or None if malformed."""
    ident = identifier.strip().lower()
    if "@" not in ident:
        ident = "_@" + ident
    local, _, domain = ident.rpartition("@")
    if not local or not _NIP05_NAME.match(local) or not domain or "/" in domain or " " in domain or "." not in domain:
        return None
    return local, domain


Fetch = Callable[[str, float], Awaitable[Any]]


async def _httpx_fetch(url: str, timeout: float) -> Any:
    import httpx

    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        resp = await client.get(url, headers={"Accept": "application/json"})
        resp.raise_for_status()
        if len(resp.content) > 256 * 1024:
            raise ValueError("nostr.json too large")
        return resp.json()


class Nip05Checker:
    """Checks `name@domain` against `https://domain/.well-known/nostr.json?name=name`, with a cache.

    `fetch(url, timeout)` is injectable (tests serve nostr.json on 127.0.0.1); the clock too.
    """

    def __init__(self, fetch: Fetch | None = None, timeout: float = 5.0, clock: Callable[[], float] = time.monotonic,
                 scheme: str = "https") -> None:
        self._fetch = fetch or _httpx_fetch
        self._timeout = timeout
        self._clock = clock
        self._scheme = scheme
        self._cache: dict[tuple[str, str], tuple[bool, float]] = {}

    def cached(self, identifier: str, pubkey: str) -> bool | None:
        """The cached verdict, or None when not checked (or expired)."""
        hit = self._cache.get((identifier.lower(), pubkey))
        if hit is None or self._clock() - hit[1] > NIP05_TTL:
            return None
        return hit[0]

    async def verify(self, identifier: str, pubkey: str) -> bool:
        """True when the domain lists `pubkey` for the name. Network failures count as not verified."""
        known = self.cached(identifier, pubkey)
        if known is not None:
            return known
        parts = split_nip05(identifier)
        ok = False
        if parts is not None:
            local, domain = parts
            url = f"{self._scheme}://{domain}/.well-known/nostr.json?name={local}"
            try:
                doc = await self._fetch(url, self._timeout)
                names = doc.get("names") if isinstance(doc, dict) else None
                ok = isinstance(names, dict) and names.get(local) == pubkey
            except Exception:  # any network or format failure: not verified, never fatal
                ok = False
        self._cache[(identifier.lower(), pubkey)] = (ok, self._clock())
        return ok
