"""Event checking: parse_event + check against a bare json/sha256/schnorr loop, and `nostr-tui verify`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from nostr_tui.protocol.event import Event, parse_event, sign_event
from nostr_tui.protocol.keys import SecretKey

from .common import Figure, interleaved

BARE_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, sys
    from secp256k1 import PublicKey
    ok = True
    out = []
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            ser = json.dumps([0, e["pubkey"], e["created_at"], e["kind"], e["tags"], e["content"]],
                             separators=(",", ":"), ensure_ascii=False).encode()
            h = hashlib.sha256(ser).digest()
            good = h.hex() == e["id"] and PublicKey(b"\\x02" + bytes.fromhex(e["pubkey"]), raw=True).schnorr_verify(
                h, bytes.fromhex(e["sig"]), None, raw=True)
            out.append(("ok " if good else "invalid ") + e["id"])
            ok = ok and good
    sys.stdout.write("\\n".join(out) + "\\n")
    sys.exit(0 if ok else 1)
    """
)


def make_events(n: int, authors: int = 50) -> list[Event]:
    """`n` signed notes by `authors` keys with varied content."""
    keys = [SecretKey.generate() for _ in range(authors)]
    base = 1_780_000_000
    return [
        sign_event(keys[i % authors], 1, f"note {i} with some text ✓ {'x' * (i % 200)}", [["t", "bench"]], base + i)
        for i in range(n)
    ]


def _bare_loop(dicts: list[dict[str, object]]) -> None:
    import hashlib

    from secp256k1 import PublicKey

    for e in dicts:
        ser = json.dumps(
            [0, e["pubkey"], e["created_at"], e["kind"], e["tags"], e["content"]],
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        h = hashlib.sha256(ser).digest()
        assert h.hex() == e["id"]
        pub = PublicKey(b"\x02" + bytes.fromhex(str(e["pubkey"])), raw=True)
        assert pub.schnorr_verify(h, bytes.fromhex(str(e["sig"])), None, raw=True)


def _ours(dicts: list[dict[str, object]]) -> None:
    for d in dicts:
        parse_event(d)


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {proc.stderr.decode()[-300:]}")


def run(quick: bool) -> list[Figure]:
    """Both figures of the Foundation issue."""
    n = 2_000 if quick else 20_000
    events = make_events(n)
    dicts = [e.to_dict() for e in events]
    t_bare, t_ours = interleaved(lambda: _bare_loop(dicts), lambda: _ours(dicts), repeat=3)
    figs = [
        Figure(
            f"check {n} events: bare loop time / parse_event time",
            t_bare / t_ours,
            0.8,
            True,
            f"{n / t_ours:,.0f} events/s vs bare {n / t_bare:,.0f}/s",
        )
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dicts), encoding="utf-8")
        script = Path(tmp) / "bare_verify.py"
        script.write_text(BARE_SCRIPT)
        env = dict(os.environ)
        cli = [sys.executable, "-m", "nostr_tui", "verify"]

        def ours() -> None:
            with open(path, "rb") as f:
                proc = subprocess.run(cli, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.decode()[-300:])

        t_script, t_cli = interleaved(lambda: _run([sys.executable, str(script), str(path)]), ours, repeat=3)
        figs.append(
            Figure(
                f"`nostr-tui verify` on {n} events / bare script",
                t_cli / t_script,
                1.5,
                False,
                f"cli {t_cli:.2f}s, script {t_script:.2f}s",
            )
        )
    return figs
