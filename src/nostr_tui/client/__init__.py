"""The client layer: `Client` and the value, notification and error types front ends use (see DESIGN.md).

The terminal interface and the command line import only from here (and protocol value types, config and
paths); the relay pool, the store and the key store stay behind the client.
"""

from __future__ import annotations

from ..relay.notifications import PublishStatus, RelayResult, RelayState
from ..relay.pool import RelayStatus
from ..store.prune import PruneReport
from ..store.reads import CacheStats
from .errors import (
    AccountError,
    BadReference,
    ClientError,
    ListShrinks,
    ListUnavailable,
    NoAccountError,
    NoPassphrase,
    NotFound,
    ReadOnlyError,
    StorageError,
    WrongPassphrase,
)
from .events import (
    AccountChanged,
    ClientEvent,
    FeedNew,
    ListsChanged,
    Message,
    Notifications,
    OutboxChanged,
    ProfileUpdated,
    PublishProgress,
    RelayStatusChanged,
    ThreadUpdated,
)
from .facade import Client
from .feeds import Feed
from .lists import ListUpdate, ListVersion
from .models import Author, NoteCounts, NoteItem, ThreadRow
from .moderation import MuteList
from .profiles import Profile
from .publisher import DeliveryState, OutboxItem, Sending
from .routing import RelayList
from .session import AccountInfo
from .signer import EventTemplate, Signer

__all__ = [
    "AccountChanged",
    "AccountError",
    "AccountInfo",
    "Author",
    "BadReference",
    "CacheStats",
    "Client",
    "ClientError",
    "ClientEvent",
    "DeliveryState",
    "EventTemplate",
    "Feed",
    "FeedNew",
    "ListShrinks",
    "ListUnavailable",
    "ListUpdate",
    "ListVersion",
    "ListsChanged",
    "Message",
    "MuteList",
    "NoAccountError",
    "NoPassphrase",
    "NotFound",
    "NoteCounts",
    "NoteItem",
    "Notifications",
    "OutboxChanged",
    "OutboxItem",
    "Profile",
    "ProfileUpdated",
    "PruneReport",
    "PublishProgress",
    "PublishStatus",
    "ReadOnlyError",
    "RelayList",
    "RelayResult",
    "RelayState",
    "RelayStatus",
    "RelayStatusChanged",
    "Sending",
    "Signer",
    "StorageError",
    "ThreadRow",
    "ThreadUpdated",
    "WrongPassphrase",
]
