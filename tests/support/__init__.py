"""Helpers shared by the test directories (import as `tests.support.<module>`); each lives here once.

- `ports`: ports on 127.0.0.1 held by the test (a URL that refuses connections, a port kept during an outage).
- `network`: the fast network settings the tests use.
- `keys`: the test passphrase and cheap key stores.
- `relays`: nostr-sdk LocalRelays in this process and in a child process (SIGKILL, restart on the same port),
  and asking a relay what it holds.
- `waiting`: bounded waits on what can be observed (a condition, a client notification, a screen).
"""
