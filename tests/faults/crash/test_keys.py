"""Keys: loose key files are reported (command line and TUI); a secret never reaches a crash report, the logs
or any process's arguments or environment; NIP-42 AUTH goes only to relays the user allowed."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import nostr_sdk
import pytest
from tests.support.waiting import wait_for

import nostr_tui.tui.app
from nostr_tui.client import Client
from nostr_tui.config import load_config
from nostr_tui.keystore.passphrase import fixed
from nostr_tui.paths import keys_dir
from nostr_tui.protocol import nip19
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay.notifications import PublishStatus
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.widgets.compose import Compose

from .conftest import (
    HERE,
    PASSPHRASE,
    FrameLog,
    child_env,
    keystore_with,
    query_relay,
    run_cli,
    write_config,
)

APP_CSS = str(Path(nostr_tui.tui.app.__file__).parent / NostrApp.CSS_PATH)


def secrets_of(secret: SecretKey, passphrase: str = PASSPHRASE) -> dict[str, str]:
    """Every form in which this key or its passphrase must never leak."""
    return {"secret hex": secret.hex(), "nsec": nip19.nsec_encode(secret), "passphrase": passphrase}


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value in text]


class Recording(NostrApp):
    """The real app, keeping every notification it shows."""

    CSS_PATH = APP_CSS

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.shown: list[str] = []

    def notify(self, message: str, **kwargs: object) -> None:  # type: ignore[override]
        self.shown.append(str(message))
        super().notify(message, **kwargs)  # type: ignore[arg-type]


async def test_key_files_readable_by_others_are_reported(tmp_path: Path, down_url: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    keystore_with(data)
    (keys_dir(data) / "accounts.json").chmod(0o644)
    config = write_config(tmp_path / "config.toml", data, [(down_url, True, True, False)])

    for args in (("keys", "list"), ("feed", "home")):  # the key commands and the client commands
        done = await asyncio.to_thread(run_cli, config, *args, env=child_env(HOME=str(tmp_path)))
        warnings = [line for line in done.stderr.splitlines() if "readable by other users" in line]
        assert len(warnings) == 1 and warnings[0].startswith("nostr-tui: warning: "), done.stderr
        assert "chmod 600" in warnings[0] and str(keys_dir(data) / "accounts.json") in warnings[0]

    app = Recording(load_config(config))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any("readable by other users" in m for m in app.shown))
    assert [m for m in app.shown if "chmod 600" in m]


def test_crash_report_holds_no_secret(tmp_path: Path, down_url: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    secret = SecretKey.generate()
    keystore_with(data, secret)
    config = write_config(tmp_path / "config.toml", data, [(down_url, True, True, False)])
    proc = subprocess.Popen([sys.executable, str(HERE / "_crash_child.py"), str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=child_env(HOME=str(tmp_path)))
    report = ""
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the report ends with the exception's own line
            report += line
            if line.startswith("MemoryError:"):
                break
    finally:
        proc.kill()  # (after a crash the process lingers while its store thread times out)
        proc.wait(10)
    assert "Traceback" in report and "MemoryError" in report and "secret_key" in report, report[-3000:]
    ncryptsec = (keys_dir(data) / "accounts.json").read_text().split('"ncryptsec": "')[1].split('"')[0]
    assert leaks(report, {**secrets_of(secret), "ncryptsec": ncryptsec}) == [], "a secret is in the crash report"


def scan_processes(secrets: dict[str, str], stop: threading.Event, found: list[str], scans: list[int]) -> None:
    """Read every process's arguments and environment until stopped, noting any secret seen."""
    while not stop.is_set():
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            for part in ("cmdline", "environ"):
                try:
                    text = Path(f"/proc/{pid}/{part}").read_bytes().decode("utf-8", "replace")
                except OSError:
                    continue
                found += [f"{name} in /proc/{pid}/{part}" for name in leaks(text, secrets)]
        scans[0] += 1
        stop.wait(0.01)


async def test_secrets_never_in_process_arguments_environment_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    relay = nostr_sdk.LocalRelayBuilder().addr("127.0.0.1").build()
    await relay.run()
    url = str(await relay.url())
    data = tmp_path / "data"
    secret = SecretKey.generate()
    # A passphrase of this test's own: the scan reads every process on the machine, and other tests (or another
    # run of the suite) pass the shared test passphrase to their children in the environment on purpose.
    passphrase = secrets.token_urlsafe(24)
    (tmp_path / "pass").write_text(passphrase + "\n")
    helper = tmp_path / "pass.sh"
    helper.write_text(f"#!/bin/sh\nsleep 0.3\ncat {tmp_path / 'pass'}\n")  # a password manager, slowly
    helper.chmod(0o700)
    config = write_config(tmp_path / "config.toml", data, [(url, True, True, True)], passphrase_command=str(helper))
    kept = secrets_of(secret, passphrase)
    env = child_env(HOME=str(tmp_path))
    stop, found, scans = threading.Event(), [], [0]
    scanner = threading.Thread(target=scan_processes, args=(kept, stop, found, scans))
    scanner.start()
    try:
        steps = [
            ((("keys", "import", "--name", "me"), nip19.nsec_encode(secret) + "\n"), 0),  # the key on stdin
            ((("post", "signed with a key from a password manager"), None), 0),
            ((("keys", "export", "--ncryptsec"), None), 0),
        ]
        for (args, stdin), status in steps:
            done = await asyncio.to_thread(run_cli, config, *args, env=env, stdin=stdin)
            assert done.returncode == status, done.stderr
            assert leaks(done.stdout + done.stderr, kept) == [], args

        # In this process too, with every logger at DEBUG: unlock, sign, publish, answer AUTH.
        caplog.set_level(logging.DEBUG)
        client = Client(load_config(config), passphrase=fixed(passphrase))
        await client.start()
        try:
            results = await (await client.notes.post("logged at debug level")).results()
            assert results[0].status is PublishStatus.ACCEPTED
        finally:
            await client.close()
    finally:
        stop.set()
        await asyncio.to_thread(scanner.join, 10)
        relay.shutdown()
    assert scans[0] >= 10 and found == []
    assert caplog.records and leaks(caplog.text, kept) == []
    assert leaks(str([r.__dict__ for r in caplog.records]), kept) == []


async def test_auth_only_for_allowed_relays(tmp_path: Path, frame_logs: list[FrameLog]) -> None:
    relays = []
    for _ in range(2):  # both demand a NIP-42 login before they take an event
        mode = nostr_sdk.LocalRelayBuilderNip42Mode.WRITE
        relay = nostr_sdk.LocalRelayBuilder().addr("127.0.0.1").nip42(nostr_sdk.LocalRelayBuilderNip42(mode=mode))
        relays.append(relay.build())
        await relays[-1].run()
    try:
        # The allowed one is reached directly (a login names the relay's own URL); the other through a proxy
        # that records every frame the client sends it.
        allowed = str(await relays[0].url())
        other = FrameLog(str(await relays[1].url()))
        frame_logs.append(other)
        await other.start()
        data = tmp_path / "data"
        data.mkdir()
        keystore_with(data)
        config = load_config(write_config(tmp_path / "config.toml", data,
                                          [(allowed, True, True, True), (other.url, True, True, False)]))
        app = Recording(config, prompt=fixed(PASSPHRASE))
        async with app.run_test(size=(110, 34)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))
            await pilot.press("c")
            pane = app.screen.query_one(Compose)
            await wait_for(pilot, lambda: pane.display)
            await pilot.press(*"members only")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: any("relay requires login" in m and other.url in m for m in app.shown))
            await wait_for(pilot, lambda: "Sent." in app.shown)  # the allowed relay took it after the login
            status = str(pane.query_one("#compose-status").render())
        assert f"✓ {allowed} accepted" in status and f"✗ {other.url} rejected: relay requires login" in status
        assert not [m for m in app.shown if "relay requires login" in m and allowed in m]
        assert "EVENT" in other.verbs() and "AUTH" not in other.verbs(), "a relay not allowed got a login"
        assert [e["content"] for e in await query_relay(allowed, {"kinds": [1]})] == ["members only"]
        assert await query_relay(other.url, {"kinds": [1]}) == []
    finally:
        for relay in relays:
            relay.shutdown()
