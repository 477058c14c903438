"""Writing: notes, replies, quotes, reactions, reposts, deletions, follows; every event via the outbox."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..protocol import nip10, nip19
from ..protocol.content import tags_for_content
from ..protocol.event import Event, sign_event
from ..protocol.filters import Filter
from ..relay.notifications import RelayResult
from .events import Message
from .profiles import parse_profile
from .routing import RELAY_LIST_KIND, RelayList, parse_relay_list, reply_targets

if TYPE_CHECKING:
    from .core import NostrClient

_MENTION = re.compile(r"(?<![\w/:@])@([\w.\-]{1,64})")
_BARE_BECH32 = re.compile(r"(?<![\w:/])((?:npub|nprofile|note|nevent|naddr)1[02-9ac-hj-np-z]{6,})", re.IGNORECASE)


def expand_mentions(text: str, lookup: Callable[[str], str | None]) -> str:
    """`@name` of a known person becomes `nostr:npub...`; bare `npub1...`/`note1...` get the `nostr:` prefix."""

    def at(m: re.Match[str]) -> str:
        pubkey = lookup(m.group(1))
        return "nostr:" + nip19.npub_encode(pubkey) if pubkey else m.group(0)

    def bare(m: re.Match[str]) -> str:
        try:
            nip19.decode(m.group(1))
        except nip19.Nip19Error:
            return m.group(0)
        return "nostr:" + m.group(1)

    return _BARE_BECH32.sub(bare, _MENTION.sub(at, text))


def merge_tags(*groups: Sequence[Sequence[str]]) -> list[list[str]]:
    """Tags from several sources, each (name, value) once, first occurrence wins."""
    seen: set[tuple[str, str]] = set()
    out: list[list[str]] = []
    for group in groups:
        for tag in group:
            key = (tag[0], tag[1] if len(tag) > 1 else "")
            if key not in seen:
                seen.add(key)
                out.append(list(tag))
    return out


class FollowListUnavailable(Exception):
    """No relay returned the current follow list, so a new one could drop follows."""


async def _find(client: NostrClient, ref: str) -> Event:
    """The note a reference (hex id, note1, nevent1, nostr: URI) names: from the store, else from the
    read relays and the reference's relay hints."""
    from .conversation import BadReference, parse_note_ref
    from .core import ClientError

    try:
        event_id, hints = parse_note_ref(ref)
    except BadReference as exc:
        raise ClientError(str(exc)) from None
    found = await client.db.read_cache(lambda c: c.get(event_id))
    if found is None:
        relays = list(dict.fromkeys(client.pool.read_urls() + [h for h in hints if h.startswith(("ws://", "wss://"))]))
        got = await client.fetch([Filter.make(ids=[event_id])], relays=relays or None)
        found = next((e for e in got if e.id == event_id), None)
    if found is None:
        raise ClientError(f"note {event_id[:12]}… not found in the cache or on the relays")
    return found


async def compose_content(client: NostrClient, text: str) -> tuple[str, list[list[str]]]:
    """The content to sign (mentions expanded) and its `p`, `q` and `t` tags."""
    follows = sorted(client.follows)
    profiles = await client.db.read_cache(lambda c: c.profiles(follows)) if follows else {}
    names: dict[str, str] = {}
    for pk, ev in profiles.items():
        prof = parse_profile(ev)
        for n in (prof.name, prof.display_name):
            if n.strip():
                names.setdefault(n.strip().lower(), pk)
    content = expand_mentions(text, lambda n: names.get(n.lower()))
    return content, tags_for_content(content)


async def publish(client: NostrClient, kind: int, content: str, tags: Sequence[Sequence[str]],
                  relays: Sequence[str] | None = None, draft_key: str | None = None,
                  created_at: int | None = None) -> tuple[Event, list[RelayResult]]:
    """Sign, put in the outbox (before any relay sees it), store, and send; returns the event and results.

    Without `relays` it goes to the user's write relays (their kind 10002 list, else the configured ones).
    """
    from .core import ClientError

    secret = await client.unlock()
    event = sign_event(secret, kind, content, tags, int(client.clock()) if created_at is None else created_at)
    if relays is None:
        await client.wait_user_lists()
        relays = write_relays(client)
    targets = list(dict.fromkeys(relays))
    if not targets:
        raise ClientError("no relay to publish to: add one to the config or your relay list")
    for url in targets:
        client.use_relay(url)  # kept: the outbox retries there when it reconnects

    def save(state: Any) -> None:
        state.outbox_add(event, targets, draft_key=draft_key)

    await client.db.state(save)  # the outbox first: nothing is lost if the rest fails
    await client.db.write_cache(lambda c: c.add([event]))
    results = await client.deliver(event, targets)
    return event, results


def write_relays(client: NostrClient) -> list[str]:
    """Where the user's events go: the write relays of their kind 10002 list, else the pool's write relays."""
    return reply_targets(client.relay_list, client.pool.write_urls(), None)


async def relay_list_of(client: NostrClient, pubkey: str) -> RelayList | None:
    """Someone's NIP-65 relay list: from the store, else asked of the read relays (bounded by the EOSE timeout)."""
    lists = await client.db.read_cache(lambda c: c.profiles_of_kind([pubkey], RELAY_LIST_KIND))
    if not lists:
        await client.fetch([Filter.make(authors=[pubkey], kinds=[RELAY_LIST_KIND])])
        lists = await client.db.read_cache(lambda c: c.profiles_of_kind([pubkey], RELAY_LIST_KIND))
    return parse_relay_list(lists[0]) if lists else None


async def post(client: NostrClient, text: str, draft_key: str | None = "new") -> tuple[Event, list[RelayResult]]:
    """Publish a new note."""
    content, tags = await compose_content(client, text)
    return await publish(client, 1, content, tags, draft_key=draft_key)


async def reply(client: NostrClient, parent_id: str, text: str) -> tuple[Event, list[RelayResult]]:
    """Publish a reply with NIP-10 tags, to my write relays plus the parent author's read relays.

    `parent_id` is a hex id or any note reference (note1, nevent1 with relay hints, nostr: URI).
    """
    await client.unlock()  # a read-only account gets its answer before any network work
    parent = await _find(client, parent_id)
    content, tags = await compose_content(client, text)
    thread_tags = await _thread_tags(client, parent)
    all_tags = merge_tags(thread_tags, tags)
    theirs = await relay_list_of(client, parent.pubkey)
    await client.wait_user_lists()
    targets = reply_targets(client.relay_list, client.pool.write_urls(), theirs)
    return await publish(client, 1, content, all_tags, targets, draft_key=f"reply:{parent.id}")


async def _thread_tags(client: NostrClient, parent: Event) -> list[list[str]]:
    """NIP-10 tags for a reply to `parent`, with relay hints where each note was seen and the root's author."""
    hints = await client.db.read_cache(lambda c: c.seen_on(parent.id))
    tags = nip10.reply_tags(parent, hints[0] if hints else "")
    root = tags[0] if tags and tags[0][0] == "e" and tags[0][3] == "root" else None
    if root is not None and root[1] != parent.id:
        root_event = await client.db.read_cache(lambda c: c.get(root[1]))
        root_hints = await client.db.read_cache(lambda c: c.seen_on(root[1]))
        given = nip10.parse(parent.tags).root
        if root_hints and (given is None or not given.relay):
            root[2] = root_hints[0]  # where the root was seen beats where its reply was
        if len(root) < 5 and root_event is not None:
            root.append(root_event.pubkey)
    return tags


async def quote(client: NostrClient, note_id: str, text: str) -> tuple[Event, list[RelayResult]]:
    """Publish a note quoting another: a `nostr:nevent` reference in the text and a `q` tag."""
    await client.unlock()  # a read-only account gets its answer before any network work
    target = await _find(client, note_id)
    hints = await client.db.read_cache(lambda c: c.seen_on(target.id))
    ref = nip19.encode(nip19.Nevent(target.id, tuple(hints[:2]), target.pubkey, target.kind))
    body = text.rstrip() + "\n\nnostr:" + ref
    content, tags = await compose_content(client, body)
    return await publish(client, 1, content, tags, draft_key=f"quote:{note_id}")


async def react(client: NostrClient, note_id: str, content: str = "+") -> tuple[Event, list[RelayResult]]:
    """Publish a NIP-25 reaction."""
    await client.unlock()  # a read-only account gets its answer before any network work
    target = await _find(client, note_id)
    tags = [["e", target.id], ["p", target.pubkey], ["k", str(target.kind)]]
    return await publish(client, 7, content, tags)


async def repost(client: NostrClient, note_id: str) -> tuple[Event, list[RelayResult]]:
    """Publish a NIP-18 repost (kind 6 with the note's JSON)."""
    await client.unlock()  # a read-only account gets its answer before any network work
    target = await _find(client, note_id)
    hints = await client.db.read_cache(lambda c: c.seen_on(target.id))
    tags = [["e", target.id, hints[0] if hints else ""], ["p", target.pubkey]]
    return await publish(client, 6, target.to_json(), tags)


async def delete(client: NostrClient, note_id: str, reason: str = "") -> tuple[Event, list[RelayResult]]:
    """Ask relays to delete one of the user's own notes (NIP-09)."""
    from .core import ClientError

    await client.unlock()  # a read-only account gets its answer before any network work
    target = await _find(client, note_id)
    if target.pubkey != client.pubkey:
        raise ClientError("only your own notes can be deleted")
    return await publish(client, 5, reason, [["e", target.id], ["k", str(target.kind)]])


async def newest_follow_list(client: NostrClient) -> Event | None:
    """The newest kind 3 of the user among the cache and the relays; raises FollowListUnavailable when no
    relay answered (so publishing a new list could drop follows)."""
    me = client.pubkey
    assert me is not None
    await client.wait_user_lists()
    sub_relays = list(dict.fromkeys(client.pool.read_urls() + write_relays(client)))
    sub = client.pool.subscribe([Filter.make(authors=[me], kinds=[3])], relays=sub_relays, close_on_eose=True)
    try:
        received = [r async for r in sub]
    finally:
        sub.close()
    if received:
        await client.store_received(received)
    if not sub.eose_relays:
        raise FollowListUnavailable()
    await client.refresh_user_state()
    return client.follow_list


def _after(current: Event | None, now: float) -> int:
    """A created_at that makes a new replaceable event win over `current` (strictly newer)."""
    return max(int(now), current.created_at + 1) if current is not None else int(now)


async def change_follows(
    client: NostrClient, add: Sequence[str] = (), remove: Sequence[str] = ()
) -> tuple[Event, list[RelayResult]]:
    """Follow or unfollow without losing follows: start from the newest list any relay holds.

    Refuses with ClientError when no relay could be asked. The change is kept in the state file
    (setting "last_follow_change:<pubkey>") so `undo_follow_change` can reverse it.
    """
    from .core import ClientError

    if client.pubkey is None:
        raise ClientError("no account: add one with `nostr-tui keys generate` or `keys import`")
    await client.unlock()  # fail early for read-only accounts, before any network work
    try:
        current = await newest_follow_list(client)
    except FollowListUnavailable:
        raise ClientError(
            "could not fetch your current follow list from any relay; not publishing a new one that could drop "
            "follows (check your relays and try again)"
        ) from None
    tags = [list(t) for t in current.tags] if current else []
    content = current.content if current else ""
    have = {t[1] for t in tags if len(t) > 1 and t[0] == "p"}
    added = [pk for pk in dict.fromkeys(add) if pk not in have and pk not in remove]
    tags += [["p", pk] for pk in added]
    drop = set(remove) & have
    tags = [t for t in tags if not (t[0] == "p" and len(t) > 1 and t[1] in drop)]
    change = {
        "previous": current.to_dict() if current else None,
        "added": added,
        "removed": sorted(drop),
    }
    result = await publish(client, 3, content, tags, created_at=_after(current, client.clock()))
    await client.db.state(lambda s: s.set_setting(f"last_follow_change:{client.pubkey}", change))
    await client.refresh_user_state()
    client.events.put(Message(f"following {len(client.follows)} people"))
    return result


async def undo_follow_change(client: NostrClient) -> tuple[Event, list[RelayResult]]:
    """Reverse the last follow change (re-follow whom it dropped, unfollow whom it added) on the newest list."""
    from .core import ClientError

    key = f"last_follow_change:{client.pubkey}"
    change = await client.db.state(lambda s: s.get_setting(key))
    if not change or not (change.get("added") or change.get("removed")):
        raise ClientError("there is no follow change to undo")
    result = await change_follows(client, add=change["removed"], remove=change["added"])
    await client.db.state(lambda s: s.set_setting(key, None))
    return result
