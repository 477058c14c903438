"""The tests' passphrase, passphrase sources and key stores with a cheap NIP-49 work factor."""

from __future__ import annotations

from pathlib import Path

from nostr_tui.keystore.passphrase import AskPassphrase, fixed
from nostr_tui.keystore.store import KeyStore
from nostr_tui.protocol import nip19
from nostr_tui.protocol.keys import SecretKey

PASSPHRASE = "correct horse battery staple"
"""The passphrase of every key store made by `keystore_with` (child processes use it too)."""
TEST_LOG_N = 4
"""A NIP-49 scrypt cost that takes no time (real keys use 16 or more)."""
PW: AskPassphrase = fixed("correct horse")
"""A passphrase source for the key store tests (another passphrase than PASSPHRASE on purpose)."""


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


def keystore_with(base: Path, secret: SecretKey | None = None, *, read_only: bool = False) -> KeyStore:
    """A key store in `base`/keys (cheap work factor) whose active account "me" has `secret` (or a new key),
    encrypted with PASSPHRASE; `read_only` keeps only the public key. An existing store is returned as it is."""
    ks = KeyStore(base / "keys", log_n=TEST_LOG_N)
    if ks.active() is not None:
        return ks
    key = secret or SecretKey.generate()
    text = nip19.npub_encode(key.public_key) if read_only else key.hex()
    ks.import_key(text, "me", fixed(PASSPHRASE))
    ks.use("me")
    return ks
