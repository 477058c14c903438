"""Benchmarks for nostr-tui: each figure is a ratio measured side by side in one run."""
