"""Text for the demo's everyday notes: deterministic, from templates and word lists.

`filler_notes(rng, authors, start, end, count)` returns note specs (author, time, text, hashtags, parent);
make_seeds.py turns them into signed events.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

THOUGHTS = [
    "Coffee first, opinions later.",
    "The best code I wrote this week was the code I deleted.",
    "Every protocol is simple until you try to sync two phones.",
    "Reading old mailing list archives is better than most novels.",
    "Unpopular opinion: terminals are the most humane interface we have.",
    "My relay list is longer than my grocery list now.",
    "Spent the afternoon fixing a bug that turned out to be a typo in a config file.",
    "Nothing humbles you like a timezone bug.",
    "I keep coming back to the idea that boring technology wins.",
    "Took the long way home and found a bakery I never knew existed.",
    "Rain all day. Perfect excuse to read.",
    "The garden survived the first frost. Mostly.",
    "If your app needs an account to show me a text file, it is not for me.",
    "Small tools, sharp edges, clear manuals.",
    "Today I learned that my kettle has a firmware version.",
    "Sourdough attempt number four: edible.",
    "Someone asked me what a relay is and I drew a post office on a napkin.",
    "Keys, not accounts. That sentence took me a year to understand.",
    "The quiet part of the internet is still the best part.",
    "Learning to say no to meetings has given me back two afternoons a week.",
    "A good README is an act of kindness.",
    "The train was late, the book was good, so it evened out.",
    "Markets are just people with spreadsheets and feelings.",
    "Long walk, no phone. Recommended.",
    "Debugging by explaining it to the cat works every time.",
    "Three weeks without a social media app on my phone. I read two books.",
    "Every supply chain story is really a story about trust.",
    "Open standards age better than clever products.",
]

FOLLOW_UPS = [
    "Anyway, back to work.",
    "Curious what you all think.",
    "More on this later.",
    "Change my mind.",
    "That's it, that's the post.",
    "Not sure what to make of it yet.",
    "Happy to be proven wrong.",
    "Small wins.",
]

EMOJI = ["☕", "🌧️", "🔥", "🤙", "🧡", "🚀", "🌱", "📚", "👩‍💻", "🧑‍🔧", "🇵🇹", "🇯🇵", "👍🏼", "🙏🏽", "⚡", "🍞", "🐈"]

HASHTAG_LINES = [
    ("Morning walk by the river, fog everywhere.", ["photography", "walk"]),
    ("Finally moved all my notes into plain text files.", ["plaintext", "productivity"]),
    ("New relay up and running on a spare laptop.", ["nostr", "selfhosting"]),
    ("Chip export rules changed again this week.", ["semiconductors", "china"]),
    ("Open weights models are getting good enough for daily work.", ["ai", "opensource"]),
    ("Grid storage is the least glamorous and most important part of the energy story.", ["energy"]),
    ("Trying a new bread recipe with rye flour.", ["baking"]),
    ("Zapped my first podcast today, what a feeling.", ["nostr", "bitcoin"]),
    ("Reading about the history of shipping containers.", ["books", "logistics"]),
    ("The factory tour was eye-opening: everything is modular.", ["manufacturing", "hardware"]),
    ("Writing Python on a train with no signal. Bliss.", ["python", "offline"]),
    ("Repaired the bike myself instead of buying a new part.", ["repair", "diy"]),
]

URL_LINES = [
    ("Worth reading if you care about protocols:", "https://github.com/nostr-protocol/nips"),
    ("Nice write-up on running your own relay:", "https://blog.example.com/2026/11/running-a-tiny-relay"),
    ("This chart explains the whole semiconductor fight:", "https://news.example.org/charts/chips-2026"),
    ("Long but good:", "https://essays.example.net/the-case-for-boring-software"),
    ("Slides from the meetup:", "https://example.com/slides/open-hardware-meetup.pdf"),
    (
        "The full report, with all the footnotes:",
        "https://reports.example.org/2026/supply-chains/open-source-hardware-in-shenzhen-a-field-study"
        "?section=appendix-b&lang=en#table-7",
    ),
]

CJK_LINES = [
    "今天早上去菜市场，买了新鲜的豆腐和青菜。天气很好 ☀️",
    "开源不是慈善，而是一种更快的学习方式。",
    "深圳的电子市场真的什么都有,一天逛不完。",
    "今日はとても寒いです。ストーブの前でコーヒーを飲みながらノストルを読んでいます ☕",
    "新しいキーボードが届きました。打鍵感が最高です。",
    "오늘은 비가 와서 집에서 책을 읽었어요 📚",
    "小さなツールを組み合わせるのが一番強い。",
    "这周读完了《三体》第二部，还在想黑暗森林那一章。",
]

REPLIES = [
    "Agreed, and it's not even close.",
    "Hard disagree, but I see where you're coming from.",
    "Ha! {emoji}",
    "Do you have a link for that?",
    "This is the way {emoji}",
    "Same here. Took me years to notice.",
    "Saving this one.",
    "I tried that last year, it didn't go well 😅",
    "Underrated take.",
    "How long did that take you?",
    "なるほど、面白いですね。",
    "说得对 👍",
    "Wait until you see the winter version of this.",
    "Thanks, needed to read this today.",
]

MENTION_LINES = [
    "Thanks {mention} for the tip about plain text notes, it changed my week.",
    "If you like hardware teardowns, follow {mention}. Always worth it.",
    "Had a great call with {mention} about relays and spam. Notes soon.",
    "{mention} was right about the sourdough. Lower temperature, longer proof. 🍞",
]

LONG_LINE = (
    "Here is the whole argument in one breath because I do not have time to format it properly: "
    + " ".join(
        f"point {i} is that the tools we rely on should keep working when the company behind them loses "
        "interest, which means open formats, portable identities and servers anyone can run,"
        for i in range(1, 7)
    )
    + " and that is why I keep posting here."
)


@dataclass
class NoteSpec:
    """One generated note: who, when, what, and (for replies) the index of the note it answers."""

    author: str
    created_at: int
    content: str
    hashtags: list[str] = field(default_factory=list)
    parent: int | None = None
    mentions: list[str] = field(default_factory=list)  # author labels mentioned with nostr:npub


def _root_text(rng: random.Random, i: int) -> tuple[str, list[str], list[str]]:
    """Text, hashtags and mentioned author labels (filled in later) for one top-level note."""
    roll = rng.random()
    if i == 17:
        return LONG_LINE, [], []
    if roll < 0.22:
        line, tags = rng.choice(HASHTAG_LINES)
        shown = [t.capitalize() if rng.random() < 0.3 else t for t in tags]
        return f"{line} " + " ".join(f"#{t}" for t in shown), tags, []
    if roll < 0.34:
        lead, url = rng.choice(URL_LINES)
        return f"{lead}\n\n{url}", [], []
    if roll < 0.46:
        return rng.choice(CJK_LINES), [], []
    if roll < 0.52:
        return rng.choice(MENTION_LINES), [], ["?"]
    if roll < 0.60:
        items = rng.sample(THOUGHTS, 3)
        return "Three things from today:\n\n" + "\n".join(f"- {t}" for t in items), [], []
    text = rng.choice(THOUGHTS)
    if rng.random() < 0.4:
        text += " " + rng.choice(FOLLOW_UPS)
    if rng.random() < 0.35:
        text += " " + rng.choice(EMOJI)
    return text, [], []


def filler_notes(rng: random.Random, authors: list[str], start: int, end: int, count: int) -> list[NoteSpec]:
    """`count` notes by `authors` between `start` and `end` (unix seconds), about a fifth of them replies."""
    times = sorted(rng.sample(range(start, end), count))
    notes: list[NoteSpec] = []
    for i, ts in enumerate(times):
        author = rng.choice(authors)
        if notes and rng.random() < 0.22:
            recent = [j for j, n in enumerate(notes) if ts - n.created_at < 2 * 86400 and n.author != author]
            if recent:
                parent = rng.choice(recent)
                text = rng.choice(REPLIES).format(emoji=rng.choice(EMOJI))
                notes.append(NoteSpec(author, ts, text, parent=parent))
                continue
        text, tags, mentions = _root_text(rng, i)
        if mentions:
            other = rng.choice([a for a in authors if a != author])
            mentions = [other]
        notes.append(NoteSpec(author, ts, text, hashtags=tags, mentions=mentions))
    return notes
