"""client layer of nostr-tui (see DESIGN.md)."""
