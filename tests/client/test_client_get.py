"""`nostr-tui get <reference>`: whatever a NIP-19 reference names, fetched with its relay hints and printed
signed (so `nostr-tui verify` accepts it); a secret key or a broken reference is refused in one line."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from nostr_tui.protocol import nip19
from nostr_tui.protocol.event import parse_event, sign_event
from nostr_tui.protocol.keys import SecretKey

from .test_client_cli import Cli

AUTHOR = SecretKey.generate()


async def verified(cli: Cli, line: str) -> str:
    """What `nostr-tui verify` says of one JSON line (it prints plain lines, not JSON)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "nostr_tui", "verify", env=cli.env,
                                                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(proc.communicate((line + "\n").encode()), 30)
    assert proc.returncode == 0
    return out.decode().strip()


async def test_get_fetches_what_each_reference_names_from_its_relay_hints(relays, tmp_path: Path) -> None:
    now = int(time.time())
    note = sign_event(AUTHOR, 1, "only on the hinted relay", [], now - 30)
    profile = sign_event(AUTHOR, 0, json.dumps({"name": "hinted"}), [], now - 40)
    article = sign_event(AUTHOR, 30023, "# An article", [["d", "first-hour"], ["title", "An article"]], now - 20)
    configured = await relays.start()
    hinted = await relays.start([note, profile, article])  # not in the config: reached only through the hints
    cli = Cli(tmp_path, [configured])

    references = {
        note.id: [nip19.encode(nip19.Nevent(note.id, (hinted,), AUTHOR.public_key, 1)),
                  "nostr:" + nip19.encode(nip19.Nevent(note.id, (hinted,)))],
        profile.id: [nip19.encode(nip19.Nprofile(AUTHOR.public_key, (hinted,)))],
        article.id: [nip19.encode(nip19.Naddr("first-hour", AUTHOR.public_key, 30023, (hinted,)))],
    }
    for wanted, refs in references.items():
        for ref in refs:
            status, lines, err = await cli("get", ref)
            assert status == 0, (ref, err)
            [got] = lines
            assert parse_event(got).id == wanted  # the signed event, unchanged (its signature checks)
            assert await verified(cli, json.dumps(got)) == f"ok {wanted}"

    # Once fetched it is in the cache: a plain note1 (no hints) finds it without the hinted relay.
    status, lines, err = await cli("get", nip19.note_encode(note.id))
    assert status == 0 and lines[0]["id"] == note.id, err


async def test_get_refuses_secrets_and_broken_references_and_says_what_is_missing(relays, tmp_path: Path) -> None:
    cli = Cli(tmp_path, [await relays.start()])
    status, out, err = await cli("get", nip19.nsec_encode(SecretKey.generate()))
    assert status == 1 and out == [] and "secret key" in err and len(err.splitlines()) == 1
    status, out, err = await cli("get", "npub1notarealkey")
    assert status == 1 and "not a Nostr reference" in err and len(err.splitlines()) == 1
    status, out, err = await cli("get", nip19.npub_encode(SecretKey.generate().public_key))
    assert status == 1 and "no profile of npub1" in err and len(err.splitlines()) == 1
