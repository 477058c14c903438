"""Contract of the event cache on a real SQLite file: storing, rules, fast paths, persistence."""

from __future__ import annotations

from pathlib import Path

from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.store import AddStatus, EventCache, Relation
from nostr_tui.store.schema import CACHE_MIGRATIONS

from .conftest import Clock, make_event, pubkey_of, signed

A, B = pubkey_of(1), pubkey_of(2)


def ids(events: list) -> list[str]:
    return [e.id for e in events]


def test_events_survive_reopen_with_seen_relays(tmp_path: Path, clock: Clock, alice: SecretKey) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = EventCache.open(path, clock=clock)
    note = signed(alice, 1, "hello nostr", [["t", "intro"]])
    assert cache.add([note], relay="wss://one.example") == [AddStatus.STORED]
    assert cache.add([note], relay="wss://two.example") == [AddStatus.DUPLICATE]
    cache.close()
    again = EventCache.open(path, clock=clock)
    assert again.query(Filter.make(ids=[note.id])) == [note]
    assert again.seen_on(note.id) == ["wss://one.example", "wss://two.example"]
    assert again.query(Filter.make(tags={"t": ["intro"]})) == [note]
    again.close()


def test_newest_first_ties_by_lowest_id_and_limit(cache: EventCache) -> None:
    evs = [make_event(A, 100, 1, content=f"n{i}") for i in range(5)] + [make_event(A, 101, 1, content="new")]
    cache.add(evs)
    got = cache.query(Filter.make(kinds=[1]))
    assert got[0].content == "new"
    assert ids(got[1:]) == sorted(e.id for e in evs[:5])
    assert ids(cache.query(Filter.make(kinds=[1], limit=2))) == ids(got[:2])
    assert cache.query(Filter.make(kinds=[1], limit=0)) == []


def test_empty_sets_match_nothing_and_since_until_inclusive(cache: EventCache) -> None:
    evs = [make_event(A, t) for t in (10, 20, 30)]
    cache.add(evs)
    assert cache.query(Filter.make(ids=[])) == []
    assert cache.query(Filter.make(authors=[])) == []
    assert cache.query(Filter.make(tags={"e": []})) == []
    assert [e.created_at for e in cache.query(Filter.make(since=20, until=30))] == [30, 20]


def test_several_filters_are_ored_each_with_its_limit(cache: EventCache) -> None:
    evs = [make_event(A, t) for t in range(10)] + [make_event(B, t, 7, content="+") for t in range(10)]
    cache.add(evs)
    got = cache.query([Filter.make(authors=[A], limit=2), Filter.make(kinds=[7], limit=3)])
    want = [e for e in evs if (e.pubkey, e.created_at) in {(A, 9), (A, 8), (B, 9), (B, 8), (B, 7)}]
    assert got == sorted(want, key=lambda e: (-e.created_at, e.id))


def test_ephemeral_never_stored(cache: EventCache) -> None:
    assert cache.add([make_event(A, 1, 20001)]) == [AddStatus.EPHEMERAL]
    assert cache.query(Filter()) == []


def test_replaceable_keeps_newest_and_lowest_id_on_tie(cache: EventCache) -> None:
    old, new = make_event(A, 100, 0, content="old"), make_event(A, 200, 0, content="new")
    assert cache.add([new, old]) == [AddStatus.STORED, AddStatus.OLDER]
    assert cache.query(Filter.make(kinds=[0])) == [new]
    x, y = sorted([make_event(A, 300, 10002, content="x"), make_event(A, 300, 10002, content="y")], key=lambda e: e.id)
    assert cache.add([y, x]) == [AddStatus.STORED, AddStatus.STORED]
    assert cache.query(Filter.make(kinds=[10002])) == [x]
    assert cache.add([y]) == [AddStatus.OLDER]
    # another author's profile is a different slot
    cache.add([make_event(B, 50, 0)])
    assert len(cache.query(Filter.make(kinds=[0]))) == 2


def test_addressable_per_d_tag(cache: EventCache) -> None:
    a1 = make_event(A, 100, 30023, [["d", "post"]], "v1")
    a2 = make_event(A, 200, 30023, [["d", "post"]], "v2")
    other = make_event(A, 150, 30023, [["d", "other"]], "o")
    nod = make_event(A, 120, 30023, [], "no d")
    cache.add([a2, a1, other, nod])
    got = cache.query(Filter.make(kinds=[30023]))
    assert {e.content for e in got} == {"v2", "o", "no d"}
    assert cache.query(Filter.make(kinds=[30023], tags={"d": ["post"]})) == [a2]


def test_deletion_by_author_only_and_tombstone(cache: EventCache, alice: SecretKey, bob: SecretKey) -> None:
    mine = signed(alice, 1, "oops")
    theirs = signed(bob, 1, "bob's")
    later = signed(alice, 1, "deleted before it arrived", created_at=1_699_000_001)
    deletion = signed(alice, 5, "", [["e", mine.id], ["e", theirs.id], ["e", later.id], ["k", "1"]])
    cache.add([mine, theirs])
    cache.add([deletion])
    assert cache.get(mine.id) is None
    assert cache.get(theirs.id) == theirs  # another author's event is not deleted
    assert cache.get(deletion.id) == deletion
    # a deleted event cannot come back from another relay, nor arrive after its deletion
    assert cache.add([mine], relay="wss://other.example") == [AddStatus.DELETED]
    assert cache.add([later]) == [AddStatus.DELETED]
    assert cache.get(later.id) is None


def test_deleting_a_deletion_has_no_effect(cache: EventCache, alice: SecretKey) -> None:
    note = signed(alice, 1, "x")
    d1 = signed(alice, 5, "", [["e", note.id]])
    d2 = signed(alice, 5, "", [["e", d1.id]], created_at=1_699_000_100)
    cache.add([note, d1, d2])
    assert cache.get(d1.id) == d1
    assert cache.get(note.id) is None


def test_address_deletion_up_to_its_time(cache: EventCache, alice: SecretKey, bob: SecretKey) -> None:
    pk = alice.public_key
    v1 = signed(alice, 30023, "v1", [["d", "art"]], created_at=100)
    deletion = signed(alice, 5, "", [["a", f"30023:{pk}:art"], ["a", f"0:{bob.public_key}:"]], created_at=150)
    v2 = signed(alice, 30023, "v2", [["d", "art"]], created_at=200)
    v0 = signed(alice, 30023, "v0", [["d", "art"]], created_at=120)
    bobs = signed(bob, 0, "{}", created_at=100)
    cache.add([v1, bobs, deletion])
    assert cache.query(Filter.make(kinds=[30023])) == []
    assert cache.query(Filter.make(kinds=[0])) == [bobs]  # an address of another author is ignored
    assert cache.add([v0, v2]) == [AddStatus.DELETED, AddStatus.STORED]
    assert cache.query(Filter.make(kinds=[30023])) == [v2]


def test_expired_events_not_returned(cache: EventCache, clock: Clock) -> None:
    now = int(clock.now)
    soon = make_event(A, 1, 1, [["expiration", str(now + 60)]], "soon gone")
    past = make_event(A, 1, 1, [["expiration", str(now - 1)]], "already gone")
    bad = make_event(A, 1, 1, [["expiration", "tomorrow"]], "kept")
    assert cache.add([soon, past, bad]) == [AddStatus.STORED, AddStatus.EXPIRED, AddStatus.STORED]
    assert {e.content for e in cache.query(Filter())} == {"soon gone", "kept"}
    clock.now = now + 60
    assert {e.content for e in cache.query(Filter())} == {"kept"}
    assert cache.search("gone") == []
    assert cache.delete_expired() == 1


def test_search_is_case_insensitive_substring_newest_first(cache: EventCache) -> None:
    cache.add([
        make_event(A, 1, 1, content="Nostr is FUN"),
        make_event(A, 2, 1, content="nostrich fun times"),
        make_event(A, 3, 1, content="Ünïcode ok"),
        make_event(A, 4, 1, content="nothing here"),
    ])
    assert [e.created_at for e in cache.search("nostr fun")] == [2, 1]
    assert [e.created_at for e in cache.search("ÜNÏ")] == [3]
    assert [e.created_at for e in cache.search("ok")] == [3]  # short words still match
    assert [e.created_at for e in cache.search('"quoted')] == []


def test_feed_pages_with_keyset(cache: EventCache) -> None:
    followed = [pubkey_of(i) for i in range(60)]
    evs = [make_event(pk, 1000 + (i * 7 + j * 13) % 97, k, content=f"{i}-{j}")
           for i, pk in enumerate(followed) for j, k in enumerate((1, 6, 7, 1))]
    evs += [make_event(pubkey_of(999), 5000, 1)]  # not followed
    cache.add(evs)
    want = sorted([e for e in evs if e.pubkey in followed and e.kind in (1, 6)], key=lambda e: (-e.created_at, e.id))
    pages, before = [], None
    while True:
        page = cache.feed(followed, limit=50, before=before)
        if not page:
            break
        pages += page
        before = (page[-1].created_at, page[-1].id)
    assert pages == want
    few = cache.feed(followed[:3], limit=50)  # fewer authors than the page size
    assert few == [e for e in want if e.pubkey in followed[:3]]


def test_thread_related_and_counts(cache: EventCache) -> None:
    root = make_event(A, 1, 1, content="root")
    r1 = make_event(B, 2, 1, [["e", root.id, "", "root"]], "reply 1")
    r2 = make_event(A, 3, 1, [["e", root.id, "", "root"], ["e", r1.id, "", "reply"]], "reply to reply")
    like = make_event(B, 4, 7, [["e", root.id], ["e", r1.id]], "+")  # a reaction to r1 (last e tag)
    like_root = make_event(pubkey_of(3), 5, 7, [["e", root.id]], "+")
    repost = make_event(B, 6, 6, [["e", root.id]], "")
    quote = make_event(B, 7, 1, [["q", root.id]], "look at this")
    unrelated = make_event(B, 8, 1, content="elsewhere")
    cache.add([root, r1, r2, like, like_root, repost, quote, unrelated])
    assert ids(cache.thread(root.id)) == ids([root, r1, r2, like, like_root, repost])
    assert ids(cache.thread(root.id, kinds=[1])) == ids([root, r1, r2])
    assert ids(cache.related(root.id, Relation.REPLY)) == [r1.id]
    assert ids(cache.related(r1.id, Relation.REACTION)) == [like.id]
    counts = cache.counts([root.id, r1.id, unrelated.id, "f" * 64])
    assert (counts[root.id].replies, counts[root.id].reactions, counts[root.id].reposts, counts[root.id].quotes) == (
        1, 1, 1, 1)
    assert (counts[r1.id].replies, counts[r1.id].reactions) == (1, 1)
    assert counts["f" * 64].replies == 0


def test_profiles_many_at_once(cache: EventCache) -> None:
    profs = [make_event(pubkey_of(i), 10, 0, content=f'{{"name":"u{i}"}}') for i in range(5)]
    cache.add([*profs, make_event(pubkey_of(0), 5, 0, content="older")])
    got = cache.profiles([pubkey_of(i) for i in (0, 2, 4, 77)])
    assert {pk: e.content for pk, e in got.items()} == {pubkey_of(i): f'{{"name":"u{i}"}}' for i in (0, 2, 4)}


def test_sync_state_per_relay_and_key(cache: EventCache, clock: Clock) -> None:
    now = int(clock.now)
    cache.add([make_event(A, 100), make_event(A, 300)], relay="wss://r1", sync_key="home")
    cache.add([make_event(A, 200)], relay="wss://r1", sync_key="home")
    cache.add([make_event(A, now + 10_000)], relay="wss://r2", sync_key="home")  # from the future
    assert cache.get_sync("wss://r1", "home") == 300
    assert cache.get_sync("wss://r2", "home") == now
    assert cache.get_sync("wss://r1", "other") is None
    cache.set_sync("wss://r1", "other", 42)
    assert cache.get_sync("wss://r1", "other") == 42


def test_stats_counts_by_kind(cache: EventCache) -> None:
    cache.add([make_event(A, 1), make_event(A, 2), make_event(A, 3, 7, content="+")])
    st = cache.stats()
    assert (st.events, st.by_kind, st.schema_version) == (3, {1: 2, 7: 1}, len(CACHE_MIGRATIONS))
    assert st.disk_bytes > 0 and st.used_bytes > 0
