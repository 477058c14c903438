"""How hard a passphrase is to guess, estimated by zxcvbn (patterns, common words and passwords, dates,
keyboard walks), for the offline attack a NIP-49 key file faces: someone who copied the file tries
passphrases against it at their own pace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LABELS = ("very weak", "weak", "fair", "strong", "very strong")
MAX_CHARS = 72  # zxcvbn refuses longer input; a longer passphrase is at least as strong as its start
WEAK_BELOW = 3  # zxcvbn's 3: "safely unguessable" against an offline attack on a slow hash


@dataclass(frozen=True, slots=True)
class PassphraseStrength:
    """An estimate: zxcvbn's `score` (0 to 4), how long an offline guesser would need, and its advice."""

    score: int
    crack_time: str
    warning: str = ""
    suggestions: tuple[str, ...] = ()

    @property
    def weak(self) -> bool:
        """True when the passphrase would not hold against someone who copied the key file."""
        return self.score < WEAK_BELOW

    @property
    def label(self) -> str:
        """"very weak" to "very strong"."""
        return LABELS[max(0, min(self.score, len(LABELS) - 1))]

    def summary(self) -> str:
        """One line: the label, the guessing time and the advice."""
        text = f"Strength: {self.label} ({self.score} of 4); guessed offline in {self.crack_time}."
        advice = " ".join(a for a in (self.warning, *self.suggestions) if a)
        return f"{text} {advice}" if advice else text

    def __repr__(self) -> str:  # never the passphrase itself, which is not kept anyway
        return f"PassphraseStrength(score={self.score})"


def passphrase_strength(passphrase: str, user_inputs: Sequence[str] = ()) -> PassphraseStrength:
    """Estimate how hard `passphrase` is to guess; `user_inputs` are words an attacker would try first
    (the account name, "nostr")."""
    from zxcvbn import zxcvbn

    if not passphrase:
        return PassphraseStrength(0, "no time at all", "An empty passphrase does not protect the key.")
    words = [w for w in (*user_inputs, "nostr", "nostr-tui") if w]
    result = zxcvbn(passphrase[:MAX_CHARS], user_inputs=words)
    feedback = result.get("feedback") or {}
    return PassphraseStrength(
        int(result["score"]),
        str(result["crack_times_display"]["offline_slow_hashing_1e4_per_second"]),
        str(feedback.get("warning") or ""),
        tuple(str(s) for s in feedback.get("suggestions") or ()),
    )
