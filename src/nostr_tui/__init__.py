"""nostr-tui: a terminal Nostr client."""

__version__ = "0.1.0"
