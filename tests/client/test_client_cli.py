"""The client commands run as real processes against a LocalRelay, with their files in tmp_path."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from nostr_tui.protocol import nip19
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey

from .conftest import PASSPHRASE, keystore_with, nostr_sdk, query_relay

ME, ALICE, BOB = (SecretKey.generate() for _ in range(3))


class Cli:
    """Runs `python -m nostr_tui ...` with a config naming `relays` and data under tmp_path."""

    def __init__(self, tmp_path: Path, relays: list[str], read_only: bool = False) -> None:
        self.data = tmp_path / "data"
        conf_dir = tmp_path / "config" / "nostr-tui"
        conf_dir.mkdir(parents=True)
        lines = [f'[[relays]]\nurl = "{u}"\n' for u in relays]
        lines.append("[network]\nconnect_timeout = 2.0\neose_timeout = 3.0\npublish_timeout = 3.0\n")
        lines.append("[keys]\nlog_n = 16\n")
        (conf_dir / "config.toml").write_text("\n".join(lines))
        keystore_with(self.data, ME, read_only=read_only)
        self.env = {
            **os.environ,
            "NOSTR_TUI_DATA_DIR": str(self.data),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "NOSTR_TUI_PASSPHRASE": PASSPHRASE,
        }

    async def __call__(self, *args: str, stdin: str = "") -> tuple[int, list[dict[str, Any]], str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "nostr_tui", *args, env=self.env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise AssertionError(f"nostr-tui {' '.join(args)} did not finish within 30 s") from None
        lines = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
        assert proc.returncode is not None
        return proc.returncode, lines, err.decode()


async def test_post_reply_react_repost_from_the_command_line(relays, down_url, tmp_path: Path) -> None:
    now = int(time.time())
    note = sign_event(ALICE, 1, "alice says", [], now - 60)
    a = await relays.start([note])
    cli = Cli(tmp_path, [a, down_url])

    status, lines, err = await cli("post", stdin="hello from stdin #cli\n")
    assert status == 0, err
    assert {(line["relay"], line["status"]) for line in lines} == {(a, "accepted"), (down_url, "unreachable")}
    posted = (await query_relay(a, {"ids": [lines[0]["id"]]}))[0]
    assert posted["content"] == "hello from stdin #cli" and ["t", "cli"] in posted["tags"]

    ref = nip19.encode(nip19.Nevent(note.id, (a,), ALICE.public_key, 1))
    status, lines, err = await cli("reply", ref, "nice one")
    assert status == 0, err
    reply = (await query_relay(a, {"ids": [lines[0]["id"]]}))[0]
    sdk = nostr_sdk.Event.from_json(json.dumps(reply))
    assert sdk.verify()
    assert [list(t.to_vec()) for t in sdk.tags()][:2] == [["e", note.id, a, "root", ALICE.public_key],
                                                         ["p", ALICE.public_key]]

    status, lines, err = await cli("react", nip19.note_encode(note.id), "--content", "🤙")
    assert status == 0, err
    reaction = (await query_relay(a, {"ids": [lines[0]["id"]]}))[0]
    assert reaction["kind"] == 7 and reaction["content"] == "🤙" and ["e", note.id] in reaction["tags"]

    status, lines, err = await cli("repost", note.id)
    assert status == 0, err
    repost = (await query_relay(a, {"ids": [lines[0]["id"]]}))[0]
    assert repost["kind"] == 6 and json.loads(repost["content"])["id"] == note.id

    # the store has what the commands received and sent
    status, lines, err = await cli("thread", note.id)
    assert status == 0, err
    assert [(line["depth"], line["content"]) for line in lines] == [(0, "alice says"), (1, "nice one")]
    assert lines[0]["reactions"] == 1 and lines[0]["reposts"] == 1 and lines[1]["parent_id"] == note.id


async def test_follow_unfollow_and_feeds(relays, tmp_path: Path) -> None:
    now = int(time.time())
    notes = [sign_event(ALICE, 1, f"alice {i}", [], now - 100 + i) for i in range(3)]
    notes.append(sign_event(BOB, 1, "bob mentions me", [["p", ME.public_key]], now - 50))
    a = await relays.start([*notes, sign_event(ME, 3, "", [["p", BOB.public_key]], now - 500)])
    cli = Cli(tmp_path, [a])

    status, lines, err = await cli("follow", nip19.npub_encode(ALICE.public_key))
    assert status == 0 and lines[0]["status"] == "accepted", err
    lists = await query_relay(a, {"authors": [ME.public_key], "kinds": [3]})
    assert {t[1] for t in lists[0]["tags"]} == {ALICE.public_key, BOB.public_key}

    status, lines, err = await cli("feed", "home", "-l", "3")
    assert status == 0, err
    assert [line["content"] for line in lines] == ["bob mentions me", "alice 2", "alice 1"]
    status, lines, err = await cli("feed", "mentions")
    assert [line["content"] for line in lines] == ["bob mentions me"]

    nprofile = nip19.encode(nip19.Nprofile(BOB.public_key, (a,)))
    status, lines, err = await cli("unfollow", nprofile)
    assert status == 0, err
    lists = await query_relay(a, {"authors": [ME.public_key], "kinds": [3]})
    assert {t[1] for t in lists[0]["tags"]} == {ALICE.public_key}


async def test_errors_are_one_line_and_exit_1(relays, down_url, tmp_path: Path) -> None:
    a = await relays.start()
    cli = Cli(tmp_path / "ro", [a], read_only=True)
    status, lines, err = await cli("post", "hi")
    assert status == 1 and lines == []
    assert err.strip().splitlines() == ["nostr-tui: error: this account has no key (read-only): log in with a key "
                                        "to post or reply"]

    down = Cli(tmp_path / "down", [down_url])
    status, lines, err = await down("post", "into the void")
    assert status == 1 and [line["status"] for line in lines] == ["unreachable"]
    assert "stays in the outbox" in err and "Traceback" not in err
    status, lines, err = await down("follow", nip19.npub_encode(ALICE.public_key))
    assert status == 1 and f"your follow list could not be read from {down_url}" in err
    status, lines, err = await down("thread", "note1nope")
    assert status == 1 and err.startswith("nostr-tui: error: not a note reference")


async def test_req_saves_what_it_receives_and_req_local_reads_it_back_offline(relays, tmp_path: Path) -> None:
    now = int(time.time())
    notes = [sign_event(ALICE, 1, f"note {i}", [], now - i) for i in range(3)]
    a = await relays.start([*notes, sign_event(BOB, 7, "+", [["e", notes[0].id]], now)])
    cli = Cli(tmp_path, [a])
    status, fetched, err = await cli("req", "-k", "1")
    assert status == 0, err
    assert {e["id"] for e in fetched} == {n.id for n in notes}

    await relays.stop(a)
    status, local, err = await cli("req", "--local", "-k", "1", "-a", nip19.npub_encode(ALICE.public_key))
    assert status == 0, err
    assert [e["id"] for e in local] == [n.id for n in notes]  # newest first, no network needed
    status, local, err = await cli("req", "--local", "-k", "7")
    assert status == 0 and local == []  # only what was received is there


async def _verify(cli: Cli, lines: list[dict[str, Any]]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nostr_tui", "verify", env=cli.env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    text = "".join(json.dumps(line) + "\n" for line in lines)
    out, _ = await asyncio.wait_for(proc.communicate(text.encode()), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_feed_and_thread_print_signed_events_that_verify(relays, tmp_path: Path) -> None:
    now = int(time.time())
    root = sign_event(ALICE, 1, "a root, ünïcode and \u2028 a separator", [], now - 60)
    reply = sign_event(BOB, 1, "a reply", [["e", root.id, "", "root"], ["p", ALICE.public_key]], now - 30)
    a = await relays.start([root, reply, sign_event(ME, 3, "", [["p", ALICE.public_key], ["p", BOB.public_key]],
                                                    now - 500)])
    cli = Cli(tmp_path, [a])
    status, feed, err = await cli("feed", "home")
    assert status == 0 and len(feed) == 2, err
    assert {line["event"]["id"] for line in feed} == {root.id, reply.id}
    assert all(line["event"]["sig"] and "tags" in line["event"] for line in feed)
    status, out = await _verify(cli, feed)
    assert status == 0, out
    assert sorted(out.split()) == sorted(["ok", root.id, "ok", reply.id])

    status, thread, err = await cli("thread", reply.id)
    assert status == 0 and [line["depth"] for line in thread] == [0, 1], err
    status, out = await _verify(cli, thread)
    assert status == 0 and out.count("ok ") == 2, out


async def test_feed_and_thread_read_where_the_authors_write(relays, tmp_path: Path) -> None:
    now = int(time.time())
    carol = SecretKey.generate()
    notes = [sign_event(carol, 1, f"carol {i}, written elsewhere", [], now - 100 + i) for i in range(6)]
    elsewhere = await relays.start(notes)
    configured = await relays.start([
        sign_event(ME, 3, "", [["p", carol.public_key]], now - 500),
        sign_event(carol, 10002, "", [["r", elsewhere, "write"]], now - 500),
    ])
    cli = Cli(tmp_path, [configured])
    status, feed, err = await cli("feed", "home", "-l", "10")
    assert status == 0, err
    assert [line["content"] for line in feed] == [n.content for n in reversed(notes)]

    # a reference naming the author but no relay: the note is looked for on the author's write relays
    other = Cli(tmp_path / "other", [configured])
    ref = nip19.encode(nip19.Nevent(notes[2].id, (), carol.public_key, 1))
    status, thread, err = await other("thread", ref)
    assert status == 0, err
    assert [line["content"] for line in thread] == [notes[2].content]
    status, lines, err = await other("reply", ref, "found you")
    assert status == 0, err
    assert {line["relay"] for line in lines} >= {configured}
