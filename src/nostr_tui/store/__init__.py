"""store layer of nostr-tui: the SQLite event cache, the outbox and drafts (see DESIGN.md).

`Store` is the async facade the client uses; `EventCache` and `StateStore` are the synchronous
cores that tests and the command line use directly.
"""

from __future__ import annotations

from .aio import Store
from .cache import EventCache
from .debounce import Debouncer
from .errors import CacheCorruptError, StateCorruptError, StoreError
from .prune import PruneReport
from .reads import CacheStats, Counts
from .rules import Relation
from .state import Delivery, Draft, OutboxEntry, RelayDelivery, StateStore
from .writes import AddStatus

__all__ = [
    "AddStatus",
    "CacheCorruptError",
    "CacheStats",
    "Counts",
    "Debouncer",
    "Delivery",
    "Draft",
    "EventCache",
    "OutboxEntry",
    "PruneReport",
    "Relation",
    "RelayDelivery",
    "StateCorruptError",
    "StateStore",
    "Store",
    "StoreError",
]
