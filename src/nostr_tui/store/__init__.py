"""store layer of nostr-tui (see DESIGN.md)."""
