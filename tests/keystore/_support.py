"""Helpers for the key store tests: passphrase sources and a low scrypt cost."""

from __future__ import annotations

from nostr_tui.keystore.passphrase import AskPassphrase, fixed

TEST_LOG_N = 4
PW: AskPassphrase = fixed("correct horse")


def answers(*replies: str) -> AskPassphrase:
    """A source giving `replies` in order; it fails the test if asked more often."""
    queue = list(replies)

    def ask(prompt: str, confirm: bool) -> str:
        assert queue, f"asked once too often: {prompt}"
        return queue.pop(0)

    return ask


def never(prompt: str, confirm: bool) -> str:
    """A source for operations that must not need a passphrase."""
    raise AssertionError(f"no passphrase should be needed, but was asked: {prompt}")
