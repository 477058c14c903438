"""The offline commands as a person runs them: decode, encode, verify, event."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nostr_tui.protocol import nip19
from nostr_tui.protocol.event import parse_event, sign_event
from nostr_tui.protocol.keys import SecretKey


def run(args: list[str], stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "NOSTR_SECRET_KEY"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "nostr_tui", *args], input=stdin, capture_output=True, text=True, env=full_env,
        timeout=60,
    )


def test_event_signs_with_env_key_and_verify_accepts_it(tmp_path: Path) -> None:
    secret = SecretKey.generate()
    out = run(["event", "-k", "1", "-c", "hi\n\u2028 ✓", "-t", "t=nostr", "-t", "e=" + "a" * 64 + ";wss://r;root",
               "--created-at", "1700000000"], env={"NOSTR_SECRET_KEY": nip19.nsec_encode(secret)})
    assert out.returncode == 0, out.stderr
    event = parse_event(json.loads(out.stdout))
    assert event.pubkey == secret.public_key
    assert event.tags == (("t", "nostr"), ("e", "a" * 64, "wss://r", "root"))
    assert event.created_at == 1700000000
    assert secret.hex() not in out.stdout + out.stderr
    checked = run(["verify"], stdin=out.stdout)
    assert checked.returncode == 0
    assert checked.stdout == f"ok {event.id}\n"


def test_event_without_a_key_is_one_clear_line(tmp_path: Path) -> None:
    out = run(["event", "-k", "1", "-c", "x"], env={"NOSTR_TUI_DATA_DIR": str(tmp_path)})
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "NOSTR_SECRET_KEY" in out.stderr
    bad = run(["event", "-k", "1", "-c", "x"], env={"NOSTR_SECRET_KEY": "nsec1notakey"})
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_verify_reports_each_bad_line_and_exits_1() -> None:
    secret = SecretKey.generate()
    good = sign_event(secret, 1, "fine")
    tampered = dict(good.to_dict(), content="changed")
    bad_sig = dict(good.to_dict(), sig="0" * 128)
    lines = [good.to_json(), json.dumps(tampered), json.dumps(bad_sig), "{not json", json.dumps({"kind": True})]
    out = run(["verify"], stdin="\n".join(lines) + "\n")
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        f"ok {good.id}",
        f"invalid {good.id} id does not match content",
        f"invalid {good.id} bad signature",
        "invalid - not valid JSON",
        "invalid - id must be 64 lower-case hex characters",
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["npub", "ab" * 32], {"type": "npub", "pubkey": "ab" * 32}),
        (["note", "cd" * 32], {"type": "note", "id": "cd" * 32}),
        (["nprofile", "ab" * 32, "--relay", "wss://a", "--relay", "wss://b"],
         {"type": "nprofile", "pubkey": "ab" * 32, "relays": ["wss://a", "wss://b"]}),
        (["nevent", "cd" * 32], {"type": "nevent", "id": "cd" * 32, "relays": []}),
        (["nevent", "cd" * 32, "--author", "ab" * 32, "--kind", "1", "--relay", "wss://a"],
         {"type": "nevent", "id": "cd" * 32, "relays": ["wss://a"], "author": "ab" * 32, "kind": 1}),
        (["naddr", "--author", "ab" * 32, "--kind", "30023", "--identifier", "x" * 120],
         {"type": "naddr", "identifier": "x" * 120, "author": "ab" * 32, "kind": 30023, "relays": []}),
    ],
)
def test_encode_then_decode_round_trips(args: list[str], expected: dict[str, object]) -> None:
    enc = run(["encode", *args])
    assert enc.returncode == 0, enc.stderr
    text = enc.stdout.strip()
    assert text.startswith(args[0] + "1")
    dec = run(["decode", "nostr:" + text])
    assert dec.returncode == 0, dec.stderr
    assert json.loads(dec.stdout) == expected


def test_nsec_is_read_from_stdin_never_from_arguments() -> None:
    secret = SecretKey.generate()
    refused = run(["encode", "nsec", secret.hex()])
    assert refused.returncode == 1 and "never taken from the command line" in refused.stderr
    enc = run(["encode", "nsec"], stdin=secret.hex() + "\n")
    assert enc.returncode == 0
    dec = run(["decode", enc.stdout.strip()])
    assert json.loads(dec.stdout) == {"type": "nsec", "secret": secret.hex()}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("npub1sg6plzptd64u62a878hep2kev88swjh3tw00gjsfl8f237lmu63q0uf63n", "bad checksum"),
        ("hello", "not bech32"),
    ],
)
def test_decode_errors_are_one_line(value: str, reason: str) -> None:
    out = run(["decode", value])
    assert out.returncode == 1
    assert reason in out.stderr and out.stderr.count("\n") == 1 and out.stdout == ""


def test_version_and_help_on_every_command() -> None:
    from nostr_tui import __version__

    assert run(["--version"]).stdout.strip() == f"nostr-tui {__version__}"
    for cmd in ("decode", "encode", "verify", "event"):
        out = run([cmd, "--help"])
        assert out.returncode == 0 and "usage: nostr-tui " + cmd in out.stdout
