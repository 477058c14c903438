"""NIP-01 filters: build, serialise, parse, and match events with a relay's semantics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .event import Event


class FilterError(ValueError):
    """A filter object that does not follow NIP-01."""


def _frozen(values: Iterable[Any] | None) -> frozenset[Any] | None:
    return None if values is None else frozenset(values)


@dataclass(frozen=True, slots=True)
class Filter:
    """One NIP-01 filter. `None` means "no condition"; an empty set matches nothing.

    `tags` maps a single letter (without `#`) to the accepted values.
    """

    ids: frozenset[str] | None = None
    authors: frozenset[str] | None = None
    kinds: frozenset[int] | None = None
    tags: tuple[tuple[str, frozenset[str]], ...] = ()
    since: int | None = None
    until: int | None = None
    limit: int | None = None
    search: str | None = field(default=None, compare=True)

    @classmethod
    def make(
        cls,
        *,
        ids: Iterable[str] | None = None,
        authors: Iterable[str] | None = None,
        kinds: Iterable[int] | None = None,
        tags: Mapping[str, Iterable[str]] | None = None,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
        search: str | None = None,
    ) -> Filter:
        """Build a filter from ordinary iterables."""
        tag_items: tuple[tuple[str, frozenset[str]], ...] = ()
        if tags:
            for name in tags:
                if len(name) != 1:
                    raise FilterError(f"tag filter names are single letters, not {name!r}")
            tag_items = tuple(sorted((k, frozenset(v)) for k, v in tags.items()))
        return cls(
            _frozen(ids), _frozen(authors), _frozen(kinds), tag_items, since, until, limit, search
        )

    def tag_map(self) -> dict[str, frozenset[str]]:
        """The tag conditions as a dict from letter to accepted values."""
        return dict(self.tags)

    def matches(self, event: Event) -> bool:
        """True when the event passes every condition (limit is not a condition)."""
        if self.ids is not None and event.id not in self.ids:
            return False
        if self.authors is not None and event.pubkey not in self.authors:
            return False
        if self.kinds is not None and event.kind not in self.kinds:
            return False
        if self.since is not None and event.created_at < self.since:
            return False
        if self.until is not None and event.created_at > self.until:
            return False
        for name, values in self.tags:
            if not any(len(t) >= 2 and t[0] == name and t[1] in values for t in event.tags):
                return False
        if self.search is not None:
            words = self.search.lower().split()
            text = event.content.lower()
            if not all(w in text for w in words):
                return False
        return True

    def with_since(self, since: int | None) -> Filter:
        """A copy with `since` replaced."""
        return Filter(self.ids, self.authors, self.kinds, self.tags, since, self.until, self.limit, self.search)

    def with_until(self, until: int | None) -> Filter:
        """A copy with `until` replaced."""
        return Filter(self.ids, self.authors, self.kinds, self.tags, self.since, until, self.limit, self.search)

    def with_limit(self, limit: int | None) -> Filter:
        """A copy with `limit` replaced."""
        return Filter(self.ids, self.authors, self.kinds, self.tags, self.since, self.until, limit, self.search)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object a relay expects (lists sorted so equal filters serialise equally)."""
        out: dict[str, Any] = {}
        if self.ids is not None:
            out["ids"] = sorted(self.ids)
        if self.authors is not None:
            out["authors"] = sorted(self.authors)
        if self.kinds is not None:
            out["kinds"] = sorted(self.kinds)
        for name, values in self.tags:
            out["#" + name] = sorted(values)
        if self.since is not None:
            out["since"] = self.since
        if self.until is not None:
            out["until"] = self.until
        if self.limit is not None:
            out["limit"] = self.limit
        if self.search is not None:
            out["search"] = self.search
        return out

    @classmethod
    def from_dict(cls, obj: object) -> Filter:
        """Parse a filter JSON object. Raises FilterError with a reason."""
        if not isinstance(obj, Mapping):
            raise FilterError("a filter must be a JSON object")
        kwargs: dict[str, Any] = {}
        tags: dict[str, list[str]] = {}
        for key, value in obj.items():
            if key in ("ids", "authors"):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise FilterError(f"{key} must be a list of strings")
                kwargs[key] = value
            elif key == "kinds":
                if not isinstance(value, list) or not all(type(v) is int for v in value):
                    raise FilterError("kinds must be a list of integers")
                kwargs[key] = value
            elif key in ("since", "until", "limit"):
                if type(value) is not int or value < 0:
                    raise FilterError(f"{key} must be a non-negative integer")
                kwargs[key] = value
            elif key == "search":
                if not isinstance(value, str):
                    raise FilterError("search must be a string")
                kwargs[key] = value
            elif isinstance(key, str) and len(key) == 2 and key[0] == "#" and key[1].isascii() and key[1].isalpha():
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise FilterError(f"{key} must be a list of strings")
                tags[key[1]] = value
            else:
                raise FilterError(f"unknown filter field {key!r}")
        return cls.make(tags=tags or None, **kwargs)


def matches_any(filters: Iterable[Filter], event: Event) -> bool:
    """True when the event passes at least one of the filters (a REQ's filters are OR-ed)."""
    return any(f.matches(event) for f in filters)
