"""NIP-11 relay information documents, fetched over HTTP(S) from the relay's own URL."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

MAX_DOCUMENT_BYTES = 256 * 1024


class RelayInfoError(Exception):
    """The relay information could not be fetched or read. The message says why, in one line."""


@dataclass(frozen=True, slots=True)
class RelayLimits:
    """The `limitation` object: what the relay says it refuses."""

    max_message_length: int | None = None
    max_subscriptions: int | None = None
    max_limit: int | None = None
    max_event_tags: int | None = None
    max_content_length: int | None = None
    min_pow_difficulty: int | None = None
    auth_required: bool = False
    payment_required: bool = False
    restricted_writes: bool = False


@dataclass(frozen=True, slots=True)
class RelayInfo:
    """A relay's self-description. Missing or ill-typed fields read as None/empty."""

    name: str | None = None
    description: str | None = None
    pubkey: str | None = None
    contact: str | None = None
    software: str | None = None
    version: str | None = None
    icon: str | None = None
    supported_nips: tuple[int, ...] = ()
    limitation: RelayLimits = RelayLimits()

    def supports(self, nip: int) -> bool:
        """True when the relay lists `nip` as supported."""
        return nip in self.supported_nips


def http_url(ws_url: str) -> str:
    """The HTTP(S) URL serving a relay's information: ws -> http, wss -> https."""
    if ws_url.startswith("wss://"):
        return "https://" + ws_url[len("wss://") :]
    if ws_url.startswith("ws://"):
        return "http://" + ws_url[len("ws://") :]
    raise RelayInfoError(f"not a relay URL: {ws_url[:100]!r}")


def _str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value[:2000] if isinstance(value, str) else None


def _int(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    return value if type(value) is int else None


def parse_relay_info(obj: object) -> RelayInfo:
    """Read a decoded NIP-11 document, ignoring unknown fields. Raises RelayInfoError if not an object."""
    if not isinstance(obj, Mapping):
        raise RelayInfoError("relay information is not a JSON object")
    nips_raw = obj.get("supported_nips")
    nips = tuple(n for n in nips_raw if type(n) is int) if isinstance(nips_raw, list) else ()
    lim_raw = obj.get("limitation")
    limits = RelayLimits()
    if isinstance(lim_raw, Mapping):
        limits = RelayLimits(
            _int(lim_raw, "max_message_length"),
            _int(lim_raw, "max_subscriptions"),
            _int(lim_raw, "max_limit"),
            _int(lim_raw, "max_event_tags"),
            _int(lim_raw, "max_content_length"),
            _int(lim_raw, "min_pow_difficulty"),
            lim_raw.get("auth_required") is True,
            lim_raw.get("payment_required") is True,
            lim_raw.get("restricted_writes") is True,
        )
    return RelayInfo(
        _str(obj, "name"),
        _str(obj, "description"),
        _str(obj, "pubkey"),
        _str(obj, "contact"),
        _str(obj, "software"),
        _str(obj, "version"),
        _str(obj, "icon"),
        nips,
        limits,
    )


async def fetch_relay_info(
    url: str, *, timeout: float = 5.0, client: httpx.AsyncClient | None = None
) -> RelayInfo:
    """Fetch and parse the NIP-11 document of the relay at `url` (ws:// or wss://).

    Raises RelayInfoError with a one-line reason on any failure (network, status, size, JSON).
    `client` lets the caller share or replace the HTTP client.
    """
    import httpx  # imported when a document is fetched: about 0.1 s at start-up otherwise

    target = http_url(url)
    headers = {"Accept": "application/nostr+json"}
    own = client is None
    http = client if client is not None else httpx.AsyncClient(timeout=timeout, follow_redirects=True)
    try:
        async with http.stream("GET", target, headers=headers, timeout=timeout) as response:
            if response.status_code != 200:
                raise RelayInfoError(f"{url}: no relay information (HTTP {response.status_code})")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise RelayInfoError(f"{url}: relay information larger than {MAX_DOCUMENT_BYTES} bytes")
    except httpx.TimeoutException:
        raise RelayInfoError(f"{url}: relay information timed out after {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise RelayInfoError(f"{url}: cannot fetch relay information ({type(exc).__name__})") from None
    finally:
        if own:
            await http.aclose()
    try:
        obj = json.loads(bytes(body))
    except (ValueError, RecursionError):
        raise RelayInfoError(f"{url}: relay information is not JSON") from None
    return parse_relay_info(obj)
