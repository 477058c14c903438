"""Changes to the user's replaceable lists, as data: applied to whichever version is newest, checked so that a
change can only drop what it names, and kept (as JSON) so a queued change can be applied again on top of a
newer version found on a relay."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..protocol.event import Event
from .errors import ClientError, ListShrinks

FOLLOWS, PROFILE, MUTES, RELAY_LIST = 3, 0, 10000, 10002
LISTS = {"follows": FOLLOWS, "mutes": MUTES, "relays": RELAY_LIST, "profile": PROFILE}
"""The lists a person can change, by the name the command line uses."""
NAMES = {kind: name for name, kind in LISTS.items()}
WHAT = {FOLLOWS: "follow list", MUTES: "mute list", RELAY_LIST: "relay list", PROFILE: "profile"}
ENTRY_TAGS = {FOLLOWS: ("p",), MUTES: ("p", "t", "word", "e"), RELAY_LIST: ("r",)}
"""The tags that are the entries of each tag list (others, if any, are carried along untouched)."""

Key = tuple[str, str]


def newer(a: Event, b: Event) -> bool:
    """True when replaceable event `a` wins over `b` (NIP-01: later created_at, then the lower id)."""
    return (a.created_at, b.id) > (b.created_at, a.id)


def entries(kind: int, content: str, tags: Iterable[Sequence[str]]) -> set[Key]:
    """The entries of a list version: (tag, value) pairs of its entry tags, or (field, value) of a profile."""
    if kind == PROFILE:
        return {(k, json.dumps(v, sort_keys=True)) for k, v in profile_fields(content).items()}
    names = ENTRY_TAGS.get(kind, ())
    return {(t[0], t[1]) for t in tags if len(t) >= 2 and t[0] in names and t[1]}


def profile_fields(content: str) -> dict[str, Any]:
    """A kind 0 content's JSON object (malformed content reads as no fields)."""
    try:
        obj = json.loads(content) if content.strip() else {}
    except (ValueError, RecursionError):
        return {}
    return obj if isinstance(obj, dict) else {}


@dataclass(frozen=True, slots=True)
class ListChange:
    """One change to one list: tags to add (replacing a tag with the same name and value), entries to remove
    by (name, value), profile fields to set ("" removes one), or a whole version to go back to."""

    kind: int
    add: tuple[tuple[str, ...], ...] = ()
    remove: tuple[Key, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    restore: tuple[str, tuple[tuple[str, ...], ...]] | None = None  # (content, tags) of a version

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (kept in the state file with the event it produced)."""
        return {"kind": self.kind, "add": [list(t) for t in self.add], "remove": [list(k) for k in self.remove],
                "fields": [list(f) for f in self.fields],
                "restore": None if self.restore is None else [self.restore[0], [list(t) for t in self.restore[1]]]}

    @classmethod
    def from_json(cls, obj: Any) -> ListChange:
        """The inverse of `to_json`. Raises ClientError for something that is not a change."""
        try:
            restore = obj.get("restore")
            return cls(
                int(obj["kind"]),
                tuple(tuple(str(x) for x in t) for t in obj.get("add", [])),
                tuple((str(k[0]), str(k[1])) for k in obj.get("remove", [])),
                tuple((str(f[0]), str(f[1])) for f in obj.get("fields", [])),
                None if restore is None else (str(restore[0]), tuple(tuple(str(x) for x in t) for t in restore[1])),
            )
        except (AttributeError, KeyError, IndexError, TypeError, ValueError):
            raise ClientError("a saved list change is damaged; it cannot be applied again") from None

    def apply(self, base: Event | None) -> tuple[str, list[list[str]]]:
        """The (content, tags) of the version this change makes from `base` (None: no list yet)."""
        if self.restore is not None:
            return self.restore[0], [list(t) for t in self.restore[1]]
        content = base.content if base is not None else ""
        tags = [list(t) for t in base.tags] if base is not None else []
        if self.kind == PROFILE:
            fields = profile_fields(content)
            for name, value in self.fields:
                if value:
                    fields[name] = value
                else:
                    fields.pop(name, None)
            return json.dumps(fields, ensure_ascii=False), tags
        gone = set(self.remove)
        tags = [t for t in tags if not (len(t) >= 2 and (t[0], t[1]) in gone)]
        index = {(t[0], t[1]): i for i, t in enumerate(tags) if len(t) >= 2}
        for tag in self.add:
            key = (tag[0], tag[1])
            if key in index:
                tags[index[key]] = list(tag)
            else:
                index[key] = len(tags)
                tags.append(list(tag))
        return content, tags

    def inverse(self, base: Event | None) -> ListChange:
        """The change that undoes this one when it was applied to `base`."""
        before = entries(self.kind, *((base.content, base.tags) if base is not None else ("", ())))
        if self.restore is not None:
            return ListChange(self.kind, restore=(base.content, base.tags) if base is not None else ("", ()))
        if self.kind == PROFILE:
            old = profile_fields(base.content) if base is not None else {}
            return ListChange(self.kind, fields=tuple(
                (name, old[name] if isinstance(old.get(name), str) else "") for name, _ in self.fields))
        old_tags = {(t[0], t[1]): t for t in (base.tags if base is not None else ()) if len(t) >= 2}
        back = tuple(old_tags[k] for k in self.remove if k in before)
        added = tuple((t[0], t[1]) for t in self.add if (t[0], t[1]) not in before)
        replaced = tuple(old_tags[(t[0], t[1])] for t in self.add if (t[0], t[1]) in before)
        return ListChange(self.kind, add=back + replaced, remove=added)


def check(kind: int, base: Event | None, content: str, tags: Sequence[Sequence[str]], change: ListChange,
          force: bool) -> None:
    """Refuse a version that loses entries the change does not name, or that shrinks by more than one entry
    (or to nothing) unless `force`. Raises ListShrinks."""
    if base is None:
        return
    old = entries(kind, base.content, base.tags)
    new = entries(kind, content, tags)
    what = WHAT.get(kind, "list")
    if change.restore is None and kind != PROFILE:
        named = set(change.remove) | {(t[0], t[1]) for t in change.add}
        lost = {k for k in old - new if k not in named}
        if lost:  # cannot happen by construction; a guard, never a publish
            raise ListShrinks(f"this change would drop {len(lost)} entries of your {what} it does not name")
    if force:
        return
    if old and not new:
        entries_word = "entry" if len(old) == 1 else "entries"
        raise ListShrinks(f"this would empty your {what} ({len(old)} {entries_word}); confirm it (--force)")
    if kind == PROFILE:
        dropped = {k for k, _ in old} - {k for k, _ in new}
        if len(dropped) > 1:
            raise ListShrinks(f"this would remove {len(dropped)} fields of your profile; confirm it (--force)")
    elif len(new) < len(old) - 1:
        raise ListShrinks(f"this would leave {len(new)} of the {len(old)} entries of your {what}; confirm it "
                          "(--force)")
