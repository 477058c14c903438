"""keystore layer of nostr-tui (see DESIGN.md)."""
