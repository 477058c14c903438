"""tui layer of nostr-tui (see DESIGN.md)."""
