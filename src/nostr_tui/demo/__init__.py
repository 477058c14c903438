"""Demo data for `nostr-tui --demo`: the seed thread and other notes as signed events, and who wrote them.

The events are made by `seeds/make_seeds.py` and shipped as `seed_events.jsonl` (one event per line).
`relay.start_demo_relay()` serves them from a local relay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from ..protocol.event import Event, EventError, parse_event_json

SEED_FILE_NAME = "seed_events.jsonl"
# The port written into the relay hints of the seed events (`e`/`q` tags, the quote's nevent).
# start_demo_relay(DEMO_PORT) makes those hints resolve; any other port works as well.
DEMO_PORT = 7447
DEMO_RELAY_HINT = f"ws://127.0.0.1:{DEMO_PORT}"


class DemoDataError(RuntimeError):
    """The shipped demo data is missing or damaged (reinstall nostr-tui)."""


@dataclass(frozen=True, slots=True)
class DemoIdentity:
    """A demo author as its kind 0 profile shows it. No secret key: those stay in the seed script."""

    name: str
    display_name: str
    pubkey: str
    nip05: str | None


@dataclass(frozen=True, slots=True)
class SeedThread:
    """Ids of the notes of the seed document's thread."""

    original: str  # Peter Alexander's note, the one being replied to
    missive: str  # the "China Morning Missive" note replying to it
    quote: str  # the note quoting the Missive by nevent; root of the discussion
    discussion: tuple[str, ...]  # every reply below the quote, oldest first


def seed_lines() -> list[str]:
    """The raw lines of the shipped seed file (one event JSON each)."""
    try:
        text = resources.files(__name__).joinpath(SEED_FILE_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DemoDataError(f"cannot read the demo data {SEED_FILE_NAME}: {exc}; reinstall nostr-tui") from None
    return [line for line in text.splitlines() if line.strip()]


def load_seed_events(*, verify_sig: bool = True) -> list[Event]:
    """Every seed event, parsed strictly (ids and, unless told otherwise, signatures checked), oldest first."""
    events = []
    for number, line in enumerate(seed_lines(), start=1):
        try:
            events.append(parse_event_json(line, verify_sig=verify_sig))
        except EventError as exc:
            raise DemoDataError(f"demo data line {number} is not a valid event: {exc.reason}") from None
    return events


def demo_identities(events: list[Event] | None = None) -> list[DemoIdentity]:
    """The demo authors (from their kind 0 profiles in the seed data), in the order they appear."""
    out = []
    for ev in events if events is not None else load_seed_events(verify_sig=False):
        if ev.kind != 0:
            continue
        meta = json.loads(ev.content)
        nip05 = meta.get("nip05")
        out.append(
            DemoIdentity(
                name=str(meta.get("name", "")),
                display_name=str(meta.get("display_name", "")),
                pubkey=ev.pubkey,
                nip05=str(nip05) if nip05 else None,
            )
        )
    return out


def demo_follows(events: list[Event] | None = None) -> list[str]:
    """Pubkeys the demo account should follow: every demo author."""
    return [ident.pubkey for ident in demo_identities(events)]


def _marked(ev: Event, marker: str) -> str | None:
    for tag in ev.tags:
        if len(tag) >= 4 and tag[0] == "e" and tag[3] == marker:
            return tag[1]
    return None


def seed_thread(events: list[Event] | None = None) -> SeedThread:
    """Find the seed document's thread in the seed data: the original, the Missive, the quote, the replies."""
    evs = events if events is not None else load_seed_events(verify_sig=False)
    notes = {ev.id: ev for ev in evs if ev.kind == 1}
    quote = next(
        (ev for ev in notes.values() if ev.first_tag("q") and ev.content.startswith("Remember when China")),
        None,
    )
    if quote is None:
        raise DemoDataError("the demo data has no seed thread; reinstall nostr-tui")
    q_tag = quote.first_tag("q")
    assert q_tag is not None
    missive = notes.get(q_tag[1])
    original_id = _marked(missive, "root") if missive is not None else None
    if missive is None or original_id is None:
        raise DemoDataError("the demo data's seed thread is incomplete; reinstall nostr-tui")
    discussion = tuple(
        ev.id for ev in sorted(notes.values(), key=lambda e: e.created_at) if _marked(ev, "root") == quote.id
    )
    return SeedThread(original=original_id, missive=missive.id, quote=quote.id, discussion=discussion)


__all__ = [
    "DEMO_PORT",
    "DEMO_RELAY_HINT",
    "SEED_FILE_NAME",
    "DemoDataError",
    "DemoIdentity",
    "SeedThread",
    "demo_follows",
    "demo_identities",
    "load_seed_events",
    "seed_lines",
    "seed_thread",
]
