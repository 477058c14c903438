"""Relay layer: websocket connections to relays (`Relay`) and the pool that spans them (`RelayPool`)."""

from __future__ import annotations

from .connection import AuthSigner, ConnectFn, Relay, default_connect, describe_error
from .nip11 import RelayInfo, RelayInfoError, RelayLimits, fetch_relay_info, http_url
from .notifications import (
    AuthRequired,
    AuthResult,
    EndOfStored,
    Notice,
    Notification,
    NotificationQueue,
    PublishFinished,
    PublishStatus,
    RelayInfoFetched,
    RelayResult,
    RelayState,
    StateChanged,
    SubscriptionClosed,
)
from .pool import RelayPool, RelayStatus
from .stats import RelayStats
from .subscription import Received, Subscription

__all__ = [
    "AuthRequired",
    "AuthResult",
    "AuthSigner",
    "ConnectFn",
    "EndOfStored",
    "Notice",
    "Notification",
    "NotificationQueue",
    "PublishFinished",
    "PublishStatus",
    "Received",
    "Relay",
    "RelayInfo",
    "RelayInfoError",
    "RelayInfoFetched",
    "RelayLimits",
    "RelayPool",
    "RelayResult",
    "RelayState",
    "RelayStats",
    "RelayStatus",
    "StateChanged",
    "Subscription",
    "SubscriptionClosed",
    "default_connect",
    "describe_error",
    "fetch_relay_info",
    "http_url",
]
