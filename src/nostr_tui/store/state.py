"""The user's own state file: the outbox of signed events, compose drafts and local settings.

Unlike the cache it is never moved, rebuilt or deleted by the program.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..protocol.event import Event, parse_event_json
from .db import Database, connect, migrate
from .errors import StateCorruptError, StoreError, StoreUnwritableError, describe, translated, unwritable_reason
from .schema import STATE_MIGRATIONS

Clock = Callable[[], float]


class Delivery(StrEnum):
    """Where one outbox event stands with one relay."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class RelayDelivery:
    """One target relay of an outbox event: its state, the relay's message, tries so far."""

    relay: str
    state: Delivery
    message: str = ""
    attempts: int = 0
    last_try: float | None = None


@dataclass(frozen=True)
class OutboxEntry:
    """A signed event waiting in the outbox and its per-relay delivery states."""

    event: Event
    added_at: float
    deliveries: tuple[RelayDelivery, ...]


@dataclass(frozen=True)
class Draft:
    """Saved compose text under a key such as "new", "reply:<id>" or "quote:<id>"."""

    key: str
    text: str
    updated_at: float


class StateStore:
    """The synchronous core of the state file; every write is its own durable transaction."""

    def __init__(self, db: Database, clock: Clock = time.time) -> None:
        self._db = db
        self._clock = clock
        self.path = db.path

    @classmethod
    def open(cls, path: Path, *, clock: Clock = time.time) -> StateStore:
        """Open or create the state file. A damaged file raises StateCorruptError and is left as it is."""
        db: Database | None = None
        try:
            db = connect(path, synchronous="FULL")
            migrate(db, STATE_MIGRATIONS, "state file")
            return cls(db, clock)
        except sqlite3.Error as exc:
            if db is not None:
                db.close()
            if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                raise StoreError(f"state file {path} is busy (is another nostr-tui writing it?)") from None
            why = unwritable_reason(exc)
            if why is not None:
                raise StoreUnwritableError("state file", path, why) from None
            raise StateCorruptError(path, describe(exc)) from None
        except OSError as exc:
            if db is not None:
                db.close()
            why = unwritable_reason(exc)
            if why is not None:
                raise StoreUnwritableError("state file", path, why) from None
            raise StoreError(f"state file {path}: {describe(exc)}") from None

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection, for integrity checks."""
        return self._db.conn

    def _guard(self) -> AbstractContextManager[None]:
        return translated(self.path, StateCorruptError, "state file")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group writes into one transaction (nested calls become savepoints)."""
        with self._guard(), self._db.transaction() as conn:
            yield conn

    # -- outbox ---------------------------------------------------------------------------------

    def outbox_add(self, event: Event, relays: Iterable[str], *, draft_key: str | None = None) -> None:
        """Put a signed event in the outbox, pending for each relay; the draft it came from is
        deleted in the same transaction. Adding it again adds only the relays not yet targeted."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO outbox VALUES (?, ?, ?)", (event.id, event.to_json(), self._clock())
            )
            conn.executemany(
                "INSERT OR IGNORE INTO deliveries(id, relay, state) VALUES (?, ?, 'pending')",
                [(event.id, r) for r in dict.fromkeys(relays)],
            )
            if draft_key is not None:
                conn.execute("DELETE FROM drafts WHERE key = ?", (draft_key,))

    def outbox_attempt(self, event_id: str, relay: str) -> None:
        """Record a send attempt to `relay` now."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_try = ? WHERE id = ? AND relay = ?",
                (self._clock(), event_id, relay),
            )

    def outbox_result(self, event_id: str, relay: str, accepted: bool, message: str = "") -> bool:
        """Record the relay's OK answer. Returns True when every target has now accepted, in which
        case the event leaves the outbox."""
        state = Delivery.ACCEPTED if accepted else Delivery.REJECTED
        with self.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET state = ?, message = ? WHERE id = ? AND relay = ?",
                (state.value, message, event_id, relay),
            )
            return self._finish_if_done(conn, event_id)

    def outbox_retry(self, event_id: str, relay: str) -> None:
        """Put a rejected delivery back to pending."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET state = 'pending' WHERE id = ? AND relay = ? AND state = 'rejected'",
                (event_id, relay),
            )

    def outbox_give_up(self, event_id: str, relay: str | None = None) -> None:
        """Stop delivering to `relay` (or to every relay: the event leaves the outbox)."""
        with self.transaction() as conn:
            if relay is None:
                conn.execute("DELETE FROM deliveries WHERE id = ?", (event_id,))
            else:
                conn.execute("DELETE FROM deliveries WHERE id = ? AND relay = ?", (event_id, relay))
            self._finish_if_done(conn, event_id)

    def _finish_if_done(self, conn: sqlite3.Connection, event_id: str) -> bool:
        left = conn.execute(
            "SELECT count(*) FROM deliveries WHERE id = ? AND state != 'accepted'", (event_id,)
        ).fetchone()[0]
        if left:
            return False
        conn.execute("DELETE FROM deliveries WHERE id = ?", (event_id,))
        conn.execute("DELETE FROM outbox WHERE id = ?", (event_id,))
        return True

    def outbox_pending(self, relay: str) -> list[Event]:
        """Events still pending for `relay`, oldest first."""
        with self._guard():
            rows = self._db.conn.execute(
                "SELECT o.event FROM deliveries d JOIN outbox o ON o.id = d.id "
                "WHERE d.relay = ? AND d.state = 'pending' ORDER BY o.added_at, o.id",
                (relay,),
            ).fetchall()
        return [parse_event_json(r[0], verify_sig=False) for r in rows]

    def outbox_entries(self) -> list[OutboxEntry]:
        """Everything in the outbox with its delivery states, oldest first."""
        with self._guard():
            conn = self._db.conn
            outbox = conn.execute("SELECT id, event, added_at FROM outbox ORDER BY added_at, id").fetchall()
            per: dict[str, list[RelayDelivery]] = {}
            for id_, relay, state, message, attempts, last_try in conn.execute(
                "SELECT id, relay, state, message, attempts, last_try FROM deliveries ORDER BY relay"
            ):
                per.setdefault(id_, []).append(RelayDelivery(relay, Delivery(state), message, attempts, last_try))
        return [
            OutboxEntry(parse_event_json(ev, verify_sig=False), added, tuple(per.get(id_, ())))
            for id_, ev, added in outbox
        ]

    def outbox_get(self, event_id: str) -> OutboxEntry | None:
        """One outbox entry by event id."""
        return next((e for e in self.outbox_entries() if e.event.id == event_id), None)

    # -- drafts ---------------------------------------------------------------------------------

    def save_draft(self, key: str, text: str) -> None:
        """Save compose text under `key` (empty text deletes the draft)."""
        with self.transaction() as conn:
            if text:
                conn.execute(
                    "INSERT INTO drafts VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                    "text = excluded.text, updated_at = excluded.updated_at",
                    (key, text, self._clock()),
                )
            else:
                conn.execute("DELETE FROM drafts WHERE key = ?", (key,))

    def get_draft(self, key: str) -> Draft | None:
        """The draft saved under `key`, if any."""
        with self._guard():
            row = self._db.conn.execute("SELECT key, text, updated_at FROM drafts WHERE key = ?", (key,)).fetchone()
        return None if row is None else Draft(*row)

    def drafts(self) -> list[Draft]:
        """Every saved draft, most recently edited first."""
        with self._guard():
            rows = self._db.conn.execute("SELECT key, text, updated_at FROM drafts ORDER BY updated_at DESC").fetchall()
        return [Draft(*r) for r in rows]

    def delete_draft(self, key: str) -> None:
        """Forget the draft under `key` (after it was sent or discarded)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM drafts WHERE key = ?", (key,))

    # -- settings -------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A local setting (any JSON value), e.g. the previous follow list kept for undo."""
        with self._guard():
            row = self._db.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        """Store a local setting (a JSON-serialisable value); None deletes it."""
        with self.transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                conn.execute(
                    "INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value, ensure_ascii=False)),
                )

    # -- list history ---------------------------------------------------------------------------

    def history_add(self, pubkey: str, kind: int, event: Event, keep: int = 20) -> None:
        """Keep a version of the user's list that a change replaces (the newest `keep` per list stay)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO list_history(pubkey, kind, id, event, replaced_at) VALUES (?, ?, ?, ?, ?)",
                (pubkey, kind, event.id, event.to_json(), self._clock()),
            )
            conn.execute(
                "DELETE FROM list_history WHERE pubkey = ? AND kind = ? AND n NOT IN (SELECT n FROM list_history "
                "WHERE pubkey = ? AND kind = ? ORDER BY n DESC LIMIT ?)",
                (pubkey, kind, pubkey, kind, keep),
            )

    def history(self, pubkey: str, kind: int) -> list[tuple[Event, float]]:
        """The replaced versions of one list with when each was replaced, the most recently replaced first."""
        with self._guard():
            rows = self._db.conn.execute(
                "SELECT event, replaced_at FROM list_history WHERE pubkey = ? AND kind = ? ORDER BY n DESC",
                (pubkey, kind),
            ).fetchall()
        return [(parse_event_json(ev, verify_sig=False), at) for ev, at in rows]

    def change_put(self, event_id: str, change: Any) -> None:
        """Remember what a published list event changed (a JSON value)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO list_changes VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET change = excluded.change",
                (event_id, json.dumps(change, ensure_ascii=False), self._clock()),
            )

    def change_get(self, event_id: str) -> Any:
        """What a published list event changed, or None."""
        with self._guard():
            row = self._db.conn.execute("SELECT change FROM list_changes WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else json.loads(row[0])
