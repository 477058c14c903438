#!/usr/bin/env python3
"""Make the demo's signed events: the seed thread, its discussion, and everyday notes to scroll.

    python seeds/make_seeds.py            # writes src/nostr_tui/demo/seed_events.jsonl
    python seeds/make_seeds.py --check    # exit 1 if the shipped file differs from a fresh build

The output is reproducible byte for byte: the BIP-340 auxiliary randomness of each signature is derived
from the event id (BIP-340 allows any aux value; it only hardens against side channels).
The identities are throwaway demo keys derived from fixed labels; they are public by construction.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from filler import NoteSpec, filler_notes

from nostr_tui.demo import DEMO_RELAY_HINT
from nostr_tui.protocol.event import Event, compute_id, parse_event
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.protocol.nip19 import Nevent, encode, npub_encode

BASE = int(datetime(2026, 11, 27, 18, 0, tzinfo=UTC).timestamp())  # the everyday notes end about here
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "nostr_tui" / "demo" / "seed_events.jsonl"
HINT = DEMO_RELAY_HINT
MINUTE, HOUR, DAY = 60, 3600, 86400


@dataclass(frozen=True)
class Identity:
    label: str
    display_name: str
    about: str
    nip05: str | None = None


IDENTITIES = [
    Identity("peter", "Peter Alexander", "Markets, media and the occasional long walk."),
    Identity(
        "missive",
        "China Morning Missive",
        "A morning note on China, markets and technology. Read with coffee.",
        nip05="desk@morningmissive.example",
    ),
    Identity("sam", "Sam Okafor", "Builds things in a shed. Hardware, supply chains, open source."),
    Identity("lena", "Lena Fischer", "Economist by training, gardener by temperament."),
    Identity("diego", "Diego Ramos", "Software, cycling, strong opinions loosely held."),
    Identity("priya", "Priya Nair", "Product person. Reads everything twice."),
    Identity("kenji", "Kenji Watanabe", "UI/UX designer in Osaka. 日本語と英語で書きます。"),
    Identity("pleb", "Stacking Pleb", "Just a pleb. Running a node, reading the feed."),
    Identity("olivia", "Olivia Grant", "Privacy researcher. Ask me about data brokers."),
    Identity("tom", "Tom Becker", "Patent attorney turned open source maintainer."),
    Identity("ana", "Ana Sousa", "Lisbon. Photography, bread, trains. 🇵🇹"),
    Identity("chen", "陈静", "深圳 · hardware & 开源 · 中文/English"),
]

PETER_NOTE = (
    "Meta spent two years telling everyone that open weights were the future of AI. Now the new "
    "Superintelligence Lab is reportedly weighing a closed model instead of releasing Behemoth.\n\n"
    "Funny how \"open\" lasts right up until it might be worth something."
)

MISSIVE_NOTE = """\
For those following the pitched battle over AI, this update out of Meta is so very telling. After first deciding to prioritize an open architecture, it is now looking increasingly likely that the new team will shift to a closed model.

Quote from the linked TechCrunch article sums it all up.

“Top members of Meta’s new Superintelligence Lab discussed pivoting away from the company’s powerful open source AI model, Behemoth, and instead developing a closed model, reports the New York Times.”

The reason for bringing this shift by Meta up is given other developments in the AI space. There’s been yet another open source model released out of China over the weekend – Kimi K2 – released by a group called Moonshot (perfect name!). From the commentary, it would appear as though Kimi K2 has leaned heavily on the DeepSeek model. This! This! And This! The key feature of open source, as we here all know, is that you take what it is that others have created and then make the models perform better.

Competition in it rawest form. Demand and usage will only gravitate to the model that is iterative in the overall development.

American AI platforms are seeking a walled garden and I am old enough to remember how that turned out of America Online (AOL)

Chinese AI platforms see the threat posed by the American closed models and simply made the decision to commoditize the entire industry. Go big. Build strong. Make the American AI models obsolete in short order.

There was evidence of this approach with the launch of DeepSeek. Today, however, the writing is clearly on the wall. So long as the American AI players work within corporate silos, the Chinese are destined to win the global AI race. That fact is now far more evident than ever.

https://techcrunch.com/2025/07/14/meta-built-its-ai-reputation-on-openness-that-may-be-changing/"""  # noqa: E501

QUOTE_NOTE = """\
Remember when China just used to copy everything? That was called the shanzai model, everyone copied each other, but the part that the West missed was that they didn't just copy; they also made small incremental improvements.

Chinese manufacturers organically discovered and adopted an open source process for hardware development because those who didn't operate in the open got wiped out by the market.

An entire generation of Chinese engineers have grown up an an environment where openly copying and improving and sharing is the norm, and people working in secret is viewed as silly and somewhat suspicious, and doomed to failure.

So when Chinese see OpenAI etc going closed source, it's very confusing to them, because they know this approach is a dead end.

nostr:{nevent}"""  # noqa: E501

# The seed document's "Discussion", as a tree: (key, author, parent key, minutes after the quote, text).
DISCUSSION = [
    ("zero_sum", "lena", "quote", 21, "They’ve learned that the market is not a zero sum game."),
    ("forgotten", "diego", "zero_sum", 38, "And the Americans have forgotten it."),
    ("agree", "priya", "forgotten", 52, "Agree. 👍🏼"),
    ("jet_fuel", "kenji", "quote", 64,
     "And the Chinese have taken past approaches of small improvements on others work and poured jet "
     "fuel. The Chinese tech firms are fundamentally changing, at an aggressive speed, the UI and UX of "
     "various innovations first made elsewhere."),
    ("ip", "tom", "quote", 80, "\"Intellectual Property\" only serves to bankrupt a society off it's ideas."),
    ("tiktok", "olivia", "quote", 97,
     "Equally, when you look at how no TikTok user has ever even asked what it would mean if the Chinese "
     "Communist party is collecting data on them, you know that a superior AI product, even if being used "
     "to farm their data by the Chinese government, would happily be chosen by billions of people"),
    ("fascinating", "ana", "quote", 110, "Fascinating to watch play out"),
    ("pleb", "pleb", "tiktok", 126,
     "If I were a pleb living in the US I'd be far more concerned about the US government collecting my "
     "data than the Chinese government."),
    ("fair_point", "olivia", "pleb", 141, "Yeah fair point"),
    ("manufacturing", "sam", "quote", 150,
     "And don't forget, they've improved the manufacturing process so much so that in the west we can't "
     "build anything entirely in house without relying on china."),
    ("smarter", "sam", "manufacturing", 153,
     "Smarter every day tried building a BBQ scrubber entirely in America, not assembled in America but "
     "built entirely in America, and found it incredibly challenging, so much so that at the end of the "
     "day he didn't achieve the full goal after months. A BBQ scrubber!"),
    ("diminish", "sam", "smarter", 157,
     "Not trying to diminish the product at all, in fact from the looks of it, it's really nice and well "
     "worth the price, but if that was hard, the west is absolutely fucked when it comes to hardware, "
     "absolutely fucked."),
]

# (target key, reactor, content, minutes after the target)
THREAD_REACTIONS = [
    ("original", "missive", "+", 30), ("original", "lena", "+", 95),
    ("missive", "peter", "+", 12), ("missive", "sam", "+", 40), ("missive", "olivia", "🔥", 75),
    ("quote", "lena", "+", 15), ("quote", "diego", "🔥", 33), ("quote", "priya", "+", 50),
    ("quote", "kenji", "🤙", 61), ("quote", "ana", "+", 105), ("quote", "tom", "+", 118),
    ("quote", "chen", "👍", 240), ("quote", "missive", "+", 300),
    ("zero_sum", "diego", "+", 10), ("zero_sum", "priya", "+", 25),
    ("tiktok", "pleb", "+", 20), ("pleb", "olivia", "+", 9),
    ("diminish", "kenji", "💯", 14), ("diminish", "chen", "+", 70),
]


def secret_for(label: str) -> SecretKey:
    """The throwaway demo key for `label`."""
    return SecretKey(hashlib.sha256(b"nostr-tui demo identity: " + label.encode()).digest())


class Builder:
    """Signs events for the demo identities and keeps them."""

    def __init__(self) -> None:
        self.keys = {i.label: secret_for(i.label) for i in IDENTITIES}
        self.events: list[Event] = []

    def pk(self, label: str) -> str:
        return self.keys[label].public_key

    def sign(self, label: str, kind: int, ts: int, content: str, tags: Sequence[Sequence[str]] = ()) -> Event:
        key = self.keys[label]
        tag_list = [list(t) for t in tags]
        event_id = compute_id(key.public_key, ts, kind, tag_list, content)
        aux = hashlib.sha256(b"nostr-tui demo aux" + bytes.fromhex(event_id)).digest()
        sig = key.sign(bytes.fromhex(event_id), aux_rand=aux).hex()
        raw = {"id": event_id, "pubkey": key.public_key, "created_at": ts, "kind": kind}
        ev = parse_event({**raw, "tags": tag_list, "content": content, "sig": sig})  # checks id and signature
        self.events.append(ev)
        return ev

    def reply(self, label: str, ts: int, content: str, parent: Event, extra: Sequence[Sequence[str]] = ()) -> Event:
        """A NIP-10 reply: marked root (and reply, below the top level) `e` tags, `p` tags of the thread."""
        root = next((t for t in parent.tags if len(t) >= 4 and t[0] == "e" and t[3] == "root"), None)
        if root is None:
            tags = [["e", parent.id, HINT, "root", parent.pubkey]]
        else:
            root_pk = root[4] if len(root) >= 5 else ""
            tags = [["e", root[1], HINT, "root", root_pk], ["e", parent.id, HINT, "reply", parent.pubkey]]
        me = self.pk(label)
        people = [parent.pubkey, *parent.tag_values("p")]
        tags += [["p", p] for p in dict.fromkeys(people) if p != me]
        return self.sign(label, 1, ts, content, [*tags, *extra])

    def react(self, label: str, ts: int, target: Event, content: str) -> Event:
        """A NIP-25 reaction."""
        tags = [["e", target.id, HINT, target.pubkey], ["p", target.pubkey, HINT], ["k", str(target.kind)]]
        return self.sign(label, 7, ts, content, tags)

    def repost(self, label: str, ts: int, target: Event) -> Event:
        """A NIP-18 repost of a kind 1 note."""
        return self.sign(label, 6, ts, target.to_json(), [["e", target.id, HINT], ["p", target.pubkey]])


def _profiles(b: Builder, rng: random.Random) -> None:
    for n, ident in enumerate(IDENTITIES):
        meta = {"name": ident.label, "display_name": ident.display_name, "about": ident.about}
        if ident.nip05:
            meta["nip05"] = ident.nip05
        b.sign(ident.label, 0, BASE - 30 * DAY + n * MINUTE, json.dumps(meta, ensure_ascii=False))
    labels = [i.label for i in IDENTITIES]
    for n, ident in enumerate(IDENTITIES):
        others = [x for x in labels if x != ident.label]
        follows = {x for x in ("peter", "missive", "sam") if x != ident.label}
        follows |= set(rng.sample(others, rng.randint(4, 8)))
        tags = [["p", b.pk(x), HINT, x] for x in labels if x in follows]
        b.sign(ident.label, 3, BASE - 29 * DAY + n * MINUTE, "", tags)


def _thread(b: Builder) -> dict[str, Event]:
    # The thread is the newest thing the demo holds (after the everyday notes and their reactions), and its
    # last event is a repost of the quote: the demo's home feed opens on the quote note.
    t0 = BASE + 3 * HOUR
    topics = [["t", "ai"], ["t", "opensource"], ["t", "china"]]
    ev: dict[str, Event] = {}
    ev["original"] = b.sign("peter", 1, t0, PETER_NOTE, [["t", "ai"], ["t", "meta"]])
    ev["missive"] = b.reply("missive", t0 + 47 * MINUTE, MISSIVE_NOTE, ev["original"], topics)
    m = ev["missive"]
    nevent = encode(Nevent(m.id, (HINT,), m.pubkey, m.kind))
    quote_tags = [["q", m.id, HINT, m.pubkey], ["p", m.pubkey], *topics]
    ev["quote"] = b.sign("sam", 1, t0 + 2 * HOUR + 10 * MINUTE, QUOTE_NOTE.format(nevent=nevent), quote_tags)
    q_time = ev["quote"].created_at
    for key, author, parent, minutes, text in DISCUSSION:
        ev[key] = b.reply(author, q_time + minutes * MINUTE, text, ev[parent])
    for key, who, content, minutes in THREAD_REACTIONS:
        b.react(who, ev[key].created_at + minutes * MINUTE, ev[key], content)
    b.repost("kenji", m.created_at + 3 * HOUR, m)
    b.repost("lena", q_time + 50 * MINUTE, ev["quote"])
    b.repost("chen", q_time + 6 * HOUR, ev["quote"])
    return ev


def _everyday(b: Builder, rng: random.Random) -> None:
    labels = [i.label for i in IDENTITIES]
    specs: list[NoteSpec] = filler_notes(rng, labels, BASE - 6 * DAY, BASE - 10 * MINUTE, 200)
    notes: list[Event] = []
    for spec in specs:
        tags = [["t", t.lower()] for t in spec.hashtags]
        content = spec.content
        for other in spec.mentions:
            content = content.replace("{mention}", "nostr:" + npub_encode(b.pk(other)), 1)
            tags.append(["p", b.pk(other)])
        if spec.parent is not None:
            notes.append(b.reply(spec.author, spec.created_at, content, notes[spec.parent], tags))
        else:
            notes.append(b.sign(spec.author, 1, spec.created_at, content, tags))
    latest = BASE + 2 * HOUR
    for note in rng.sample(notes, 60):
        for who in rng.sample([x for x in labels if b.pk(x) != note.pubkey], rng.randint(1, 3)):
            content = rng.choice(["+", "+", "+", "🤙", "🔥", "🧡", "😂", "⚡"])
            b.react(who, min(note.created_at + rng.randint(1, 600) * MINUTE, latest), note, content)
    for note in rng.sample([n for n in notes if not n.first_tag("e")], 5):
        who = rng.choice([x for x in labels if b.pk(x) != note.pubkey])
        b.repost(who, min(note.created_at + rng.randint(30, 900) * MINUTE, latest), note)


def build_events() -> list[Event]:
    """Every demo event, sorted by created_at (ties by kind, then id)."""
    rng = random.Random("nostr-tui demo seeds, version 1")
    b = Builder()
    _profiles(b, rng)
    _thread(b)
    _everyday(b, rng)
    return sorted(b.events, key=lambda e: (e.created_at, e.kind, e.id))


def main(argv: Sequence[str] | None = None) -> int:
    """Write the events file, or with --check compare a fresh build's ids to it."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from a fresh build")
    args = parser.parse_args(argv)
    events = build_events()
    text = "".join(e.to_json() + "\n" for e in events)
    if args.check:
        shipped = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if shipped != text:
            print(f"{args.output} is out of date: run python seeds/make_seeds.py", file=sys.stderr)
            return 1
        print(f"{args.output}: {len(events)} events, up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {len(events)} events to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
