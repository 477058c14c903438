"""Pure Nostr protocol: events, keys, NIP-19, NIP-10, filters, relay messages. No I/O."""
