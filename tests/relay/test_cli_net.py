"""`nostr-tui req` and `nostr-tui publish` as a user runs them, against LocalRelays on 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from nostr_tui.cli.common import CliError, json_line
from nostr_tui.cli.net_cmds import add_filter_arguments, filter_from_args
from nostr_tui.protocol import nip19
from nostr_tui.protocol.keys import SecretKey

from .conftest import note

StartRelay = Callable[..., Awaitable[str]]


async def nostr_tui(*args: str, config: Path, stdin: str = "") -> tuple[int, list[dict[str, object]], str]:
    env = dict(os.environ, NOSTR_TUI_DATA_DIR=str(config.parent / "data"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nostr_tui", "--config", str(config), *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 30)
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert proc.returncode is not None
    return proc.returncode, lines, err.decode()


def write_config(tmp_path: Path, relays: list[str]) -> Path:
    path = tmp_path / "config.toml"
    entries = "".join(f'[[relays]]\nurl = "{u}"\n' for u in relays)
    path.write_text(
        entries + "[network]\nconnect_timeout = 2\neose_timeout = 3\npublish_timeout = 2\nbackoff_initial = 0.1\n"
    )
    return path


async def test_publish_then_req_prints_each_event_once(
    local_relay: StartRelay, tmp_path: Path, secret: SecretKey, down_url: str
) -> None:
    urls = [await local_relay(), await local_relay()]
    down = down_url
    config = write_config(tmp_path, [*urls, down])
    events = [note(secret, f"cli {i}", 1_700_000_000 + i) for i in range(3)]
    for e in events:
        status, lines, err = await nostr_tui("publish", config=config, stdin=e.to_json())
        assert status == 0, err
        by_relay = {line["relay"]: line for line in lines}
        assert {by_relay[u]["status"] for u in urls} == {"accepted"}
        assert by_relay[down]["status"] == "unreachable" and by_relay[down]["message"]

    npub = nip19.npub_encode(secret.public_key)
    status, lines, err = await nostr_tui("req", "-a", npub, "-k", "1", config=config)
    assert status == 0, err
    assert sorted(line["id"] for line in lines) == sorted(e.id for e in events)  # once each, from 3 relays
    assert down in err  # the unreachable relay is named on stderr
    status, lines, _ = await nostr_tui(
        "req", "--relay", urls[0], "-a", secret.public_key, "-l", "1", "--since", "1700000001", config=config
    )
    assert status == 0 and [line["id"] for line in lines] == [events[2].id]
    note_id = nip19.note_encode(events[0].id)
    status, lines, _ = await nostr_tui("req", "--relay", urls[1], "-e", note_id, config=config)
    assert [line["content"] for line in lines] == ["cli 0"]


async def test_publish_errors_are_one_line(
    local_relay: StartRelay, tmp_path: Path, secret: SecretKey, down_url: str
) -> None:
    url = await local_relay()
    config = write_config(tmp_path, [url])
    status, lines, err = await nostr_tui("publish", config=config, stdin='{"id": "nope"}')
    assert status == 1 and lines == []
    assert err.startswith("nostr-tui: error: stdin: not a valid signed event") and err.count("\n") == 1
    status, _, err = await nostr_tui("publish", "--relay", "http://x", config=config, stdin=note(secret, "x").to_json())
    assert status == 1 and "ws://" in err and "Traceback" not in err
    down = down_url
    status, lines, _ = await nostr_tui("publish", "--relay", down, config=config, stdin=note(secret, "x").to_json())
    assert status == 1 and [line["status"] for line in lines] == ["unreachable"]


async def test_req_with_no_reachable_relay_fails_clearly(tmp_path: Path, down_url: str) -> None:
    config = write_config(tmp_path, [down_url])
    status, lines, err = await nostr_tui("req", "-k", "1", config=config)
    assert status == 1 and lines == []
    assert "no relay answered" in err and "Traceback" not in err


async def test_req_stream_prints_live_events(local_relay: StartRelay, tmp_path: Path, secret: SecretKey) -> None:
    url = await local_relay()
    config = write_config(tmp_path, [url])
    env = dict(os.environ, NOSTR_TUI_DATA_DIR=str(tmp_path / "data"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nostr_tui", "--config", str(config), "req", "--stream", "-a", secret.public_key,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        live = note(secret, "live")
        for _ in range(50):  # publish until the streaming process has subscribed and prints it
            await nostr_tui("publish", config=config, stdin=live.to_json())
            assert proc.stdout is not None
            try:
                line = await asyncio.wait_for(proc.stdout.readline(), 0.5)
            except TimeoutError:
                continue
            assert json.loads(line)["id"] == live.id
            break
        else:
            pytest.fail("the streamed event never arrived")
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_filter_arguments(parser)
    return parser.parse_args(argv)


def test_filter_from_args_builds_the_filter() -> None:
    pk = SecretKey.from_hex("11" * 32).public_key
    flt = filter_from_args(
        parse("-k", "1", "-k", "7", "-a", nip19.npub_encode(pk), "-t", "t=nostr", "-t", "t=tui", "-l", "5",
              "--since", "2024-01-01", "--until", "1704153600")
    )  # fmt: skip
    assert flt.to_dict() == {
        "authors": [pk],
        "kinds": [1, 7],
        "#t": ["nostr", "tui"],
        "since": 1704067200,
        "until": 1704153600,
        "limit": 5,
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("-a", "bob"), "-a bob: not a hex public key or npub"),
        (("-e", "ab"), "-e ab: not a hex event id"),
        (("-t", "tag=x"), "one-letter tag name"),
        (("--since", "yesterday"), "--since 'yesterday': expected unix seconds"),
        (("-k", "70000"), "kinds are between 0 and 65535"),
    ],
)
def test_filter_from_args_rejects_bad_values(argv: tuple[str, ...], message: str) -> None:
    with pytest.raises(CliError, match=message):
        filter_from_args(parse(*argv))


async def test_publish_and_req_log_in_only_where_the_config_allows(
    local_relay: StartRelay, tmp_path: Path, secret: SecretKey
) -> None:
    url = await local_relay(auth=True)
    event = note(secret, "members only")
    env_key = {"NOSTR_SECRET_KEY": nip19.nsec_encode(secret)}

    async def run(*args: str, allowed: bool, stdin: str = "") -> tuple[int, list[dict[str, object]], str]:
        cfg = write_config(tmp_path, [url])
        if allowed:
            cfg.write_text(cfg.read_text().replace(f'url = "{url}"\n', f'url = "{url}"\nauth = true\n'))
        env = dict(os.environ, NOSTR_TUI_DATA_DIR=str(tmp_path / "data"), **env_key)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "nostr_tui", "--config", str(cfg), *args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 30)
        assert proc.returncode is not None
        return proc.returncode, [json.loads(x) for x in out.decode().splitlines()], err.decode()

    code, lines, err = await run("publish", allowed=False, stdin=event.to_json())
    assert code == 1 and lines[0]["status"] != "accepted"
    assert "relay requires login" in str(lines[0]["message"])
    code, lines, err = await run("publish", allowed=True, stdin=event.to_json())
    assert code == 0 and lines[0]["status"] == "accepted", (lines, err)
    code, lines, err = await run("req", "-a", secret.public_key, allowed=True)
    assert code == 0 and [line["id"] for line in lines] == [event.id]
    assert secret.hex() not in err and nip19.nsec_encode(secret) not in err


async def test_req_whose_relay_drops_before_eose_reconnects_and_finishes(tmp_path: Path, secret: SecretKey) -> None:
    from websockets.asyncio.server import ServerConnection

    from .hostile import Hostile, send_json

    events = [note(secret, f"part {i}", 1_700_000_000 + i) for i in range(6)]

    async def script(relay: Hostile, ws: ServerConnection, frame: list[object]) -> None:
        if frame[0] != "REQ":
            return
        sub = frame[1]
        if relay.connections == 1:  # half of the stored events, then a frame over the size limit: dropped
            for e in events[:3]:
                await send_json(ws, ["EVENT", sub, e.to_dict()])
            await ws.send(json.dumps(["NOTICE", "x" * 300_000]))
            return
        for e in events:  # after the reconnect: everything, resumed with `since`, then EOSE
            await send_json(ws, ["EVENT", sub, e.to_dict()])
        await send_json(ws, ["EOSE", sub])

    async with Hostile(script) as relay:
        config = write_config(tmp_path, [relay.url])
        config.write_text(config.read_text() + "max_frame_bytes = 100000\n")
        status, lines, err = await nostr_tui("req", "-k", "1", config=config)
    assert status == 0, err
    assert sorted(line["content"] for line in lines) == [e.content for e in events]  # each once
    assert relay.connections == 2


async def test_req_prints_each_event_as_its_json_line(local_relay: StartRelay, tmp_path: Path,
                                                      secret: SecretKey) -> None:
    url = await local_relay()
    config = write_config(tmp_path, [url])
    contents = ["line\u2028separator\u2029paragraph", "ctrl \x01\x1f \t\n \"quoted\" \\", "日本語 😀 ünï", "plain"]
    events = [note(secret, c, 1_700_000_000 + i) for i, c in enumerate(contents)]
    for e in events:
        status, _, err = await nostr_tui("publish", config=config, stdin=e.to_json())
        assert status == 0, err
    env = dict(os.environ, NOSTR_TUI_DATA_DIR=str(tmp_path / "data"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nostr_tui", "--config", str(config), "req", "-k", "1",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err
    expected = {json_line(e.to_json()).encode() for e in events}  # U+2028/2029 escaped, the rest verbatim
    assert set(out.splitlines(keepends=True)) == expected
    assert b"\xe2\x80\xa8" not in out and b"\\u2028" in out


_COLLECTIONS = (
    "import gc, sys\n"
    "from nostr_tui.main import main\n"
    "before = gc.get_threshold()\n"
    "status = main(sys.argv[1:])\n"
    "print('young collections', gc.get_stats()[0]['collections'], gc.get_threshold() == before, file=sys.stderr)\n"
    "sys.exit(status)\n"
)


async def test_req_keeps_the_collector_out_of_the_stream_and_gives_it_back(tmp_path: Path, secret: SecretKey) -> None:
    # With Python's thresholds a young collection ran after every 700 new objects: about a sixth of the event
    # loop's time in a `req` of 20,000 notes (benchmarks/bench_req.py). The command freezes what it started with
    # and collects young objects after 50,000; once it is done the collector is as it was.
    from websockets.asyncio.server import ServerConnection

    from .hostile import Hostile, send_json

    events = [note(secret, f"note {i} " + "words " * 20, 1_700_000_000 + i) for i in range(3000)]

    async def script(relay: Hostile, ws: ServerConnection, frame: list[object]) -> None:
        if frame[0] == "REQ":
            want = frame[2].get("limit") if isinstance(frame[2], dict) else None
            for e in events[: want if isinstance(want, int) else len(events)]:
                await send_json(ws, ["EVENT", frame[1], e.to_dict()])
            await send_json(ws, ["EOSE", frame[1]])

    async def young_collections(count: int) -> int:
        env = dict(os.environ, NOSTR_TUI_DATA_DIR=str(tmp_path / f"data-{count}"))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _COLLECTIONS, "--config", str(config), "req", "-k", "1", "-l", str(count),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        assert len(out.decode().splitlines()) == count
        words = err.decode().split()
        assert words[-1] == "True"  # the thresholds given back
        return int(words[-2])

    async with Hostile(script) as relay:
        config = write_config(tmp_path, [relay.url])
        few, many = await young_collections(100), await young_collections(3000)
    assert many - few <= 5, f"{many - few} young collections for 2,900 more notes"


async def test_a_command_fetches_no_relay_information_document(tmp_path: Path, secret: SecretKey) -> None:
    # The relays screen shows each relay's NIP-11 document; a command shows none, so it fetches none: no HTTP
    # request per relay, and no HTTP client loaded (fetching a document imports it first thing).
    from websockets.asyncio.server import ServerConnection

    from .hostile import Hostile, send_json

    event = note(secret, "the only note")

    async def script(relay: Hostile, ws: ServerConnection, frame: list[object]) -> None:
        if frame[0] == "REQ":
            await send_json(ws, ["EVENT", frame[1], event.to_dict()])
            await send_json(ws, ["EOSE", frame[1]])

    wrapper = (
        "import sys\n"
        "from nostr_tui.main import main\n"
        "status = main(sys.argv[1:])\n"
        "print('http client loaded', 'httpx' in sys.modules, file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    async with Hostile(script) as relay:
        config = write_config(tmp_path, [relay.url])
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", wrapper, "--config", str(config), "feed", "global", "-l", "1",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=dict(os.environ, NOSTR_TUI_DATA_DIR=str(tmp_path / "data")),
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert [json.loads(line)["id"] for line in out.decode().splitlines()] == [event.id]
    assert err.decode().split()[-1] == "False", err.decode()
