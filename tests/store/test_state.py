"""The state file: outbox delivery states, drafts, settings; the draft debouncer."""

from __future__ import annotations

from pathlib import Path

from nostr_tui.protocol.keys import SecretKey
from nostr_tui.store import Debouncer, Delivery, EventCache, StateStore

from .conftest import Clock, signed

R1, R2 = "wss://r1.example", "wss://r2.example"


def test_outbox_until_every_relay_accepts(tmp_path: Path, clock: Clock, alice: SecretKey) -> None:
    path = tmp_path / "state.sqlite3"
    state = StateStore.open(path, clock=clock)
    note = signed(alice, 1, "hello")
    state.outbox_add(note, [R1, R2])
    assert state.outbox_pending(R1) == [note] and state.outbox_pending(R2) == [note]
    state.outbox_attempt(note.id, R1)
    assert state.outbox_result(note.id, R1, True, "") is False
    assert state.outbox_pending(R1) == []
    assert state.outbox_result(note.id, R2, False, "blocked: not allowed") is False
    state.close()

    state = StateStore.open(path, clock=clock)  # survives a restart
    (entry,) = state.outbox_entries()
    assert entry.event == note
    by_relay = {d.relay: d for d in entry.deliveries}
    assert by_relay[R1].state is Delivery.ACCEPTED and by_relay[R1].attempts == 1
    assert by_relay[R1].last_try == clock.now
    assert (by_relay[R2].state, by_relay[R2].message) == (Delivery.REJECTED, "blocked: not allowed")
    assert state.outbox_pending(R2) == []
    state.outbox_retry(note.id, R2)
    assert state.outbox_pending(R2) == [note]
    assert state.outbox_result(note.id, R2, True) is True
    assert state.outbox_entries() == []
    state.close()


def test_give_up_removes_the_event(state: StateStore, alice: SecretKey) -> None:
    a, b = signed(alice, 1, "a"), signed(alice, 1, "b", created_at=1_699_000_001)
    state.outbox_add(a, [R1, R2])
    state.outbox_add(b, [R1])
    state.outbox_give_up(a.id, R2)
    assert [d.relay for d in state.outbox_get(a.id).deliveries] == [R1]  # type: ignore[union-attr]
    state.outbox_give_up(a.id)
    assert [e.event for e in state.outbox_entries()] == [b]
    state.outbox_result(b.id, R1, False, "invalid: too big")
    state.outbox_give_up(b.id, R1)
    assert state.outbox_entries() == []


def test_sending_deletes_the_draft_atomically(state: StateStore, alice: SecretKey) -> None:
    state.save_draft("reply:abc", "half written")
    state.save_draft("new", "other")
    note = signed(alice, 1, "half written, now done")
    state.outbox_add(note, [R1], draft_key="reply:abc")
    assert state.get_draft("reply:abc") is None
    assert [d.key for d in state.drafts()] == ["new"]


def test_drafts_and_settings(state: StateStore, clock: Clock) -> None:
    state.save_draft("new", "first")
    clock.now += 5
    state.save_draft("quote:x", "q")
    state.save_draft("new", "second")
    assert [(d.key, d.text) for d in state.drafts()] == [("new", "second"), ("quote:x", "q")]
    state.save_draft("quote:x", "")
    assert state.get_draft("quote:x") is None
    state.delete_draft("new")
    assert state.drafts() == []
    state.set_setting("follows.previous", ["a", "b"])
    assert state.get_setting("follows.previous") == ["a", "b"]
    assert state.get_setting("missing", 7) == 7
    state.set_setting("follows.previous", None)
    assert state.get_setting("follows.previous") is None


def test_rebuilding_the_cache_leaves_the_state_file_alone(tmp_path: Path, clock: Clock, alice: SecretKey) -> None:
    state = StateStore.open(tmp_path / "state.sqlite3", clock=clock)
    state.save_draft("new", "keep me")
    state.close()
    before = (tmp_path / "state.sqlite3").read_bytes()
    cache = EventCache.open(tmp_path / "cache.sqlite3", clock=clock)
    cache.close()
    EventCache.rebuild(tmp_path / "cache.sqlite3", clock=clock).close()
    assert (tmp_path / "state.sqlite3").read_bytes() == before
    assert StateStore.open(tmp_path / "state.sqlite3").get_draft("new").text == "keep me"  # type: ignore[union-attr]


def test_debouncer_waits_for_a_pause_and_caps_the_wait(clock: Clock) -> None:
    deb: Debouncer[str, str] = Debouncer(delay=0.5, max_wait=2.0, clock=clock)
    assert deb.next_deadline() is None
    deb.push("new", "h")
    clock.now += 0.3
    deb.push("new", "he")
    assert deb.due() == []
    assert deb.next_deadline() == clock.now + 0.5
    clock.now += 0.5
    assert deb.due() == [("new", "he")]
    for _ in range(10):  # typing without pause still saves within max_wait
        deb.push("new", "typing")
        clock.now += 0.3
        saved = deb.due()
        if saved:
            break
    assert saved == [("new", "typing")]
    deb.push("a", "1")
    deb.push("b", "2")
    deb.cancel("a")
    assert deb.flush() == [("b", "2")] and len(deb) == 0
