"""The network settings of the tests: short timeouts and backoff, so outages and reconnects take moments."""

from __future__ import annotations

from nostr_tui.config import NetworkConfig

FAST_NETWORK = NetworkConfig(
    connect_timeout=2.0,
    ping_interval=5.0,
    eose_timeout=3.0,
    publish_timeout=3.0,
    backoff_initial=0.05,
    backoff_max=0.3,
    healthy_after=30.0,
    nip11_timeout=2.0,
)
"""Every test directory's client and pool settings; a test that needs one value different says so with
`dataclasses.replace(FAST_NETWORK, ...)` next to the reason."""
