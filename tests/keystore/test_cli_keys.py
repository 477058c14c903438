"""`nostr-tui keys ...` run as a person runs it: a real process, secrets only on stdin or in the environment."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nostr_tui import cli
from nostr_tui.protocol import nip19, nip49
from nostr_tui.protocol.event import parse_event
from nostr_tui.protocol.keys import SecretKey

PASS = "tr0ub4dor &3"


@dataclass
class Env:
    """A private profile in tmp_path: data dir, config dir (log_n = 17), and every process run in it."""

    root: Path
    runs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    @property
    def keys_dir(self) -> Path:
        return self.root / "data" / "keys"

    @property
    def accounts_file(self) -> Path:
        return self.keys_dir / "accounts.json"

    def environ(self, extra: dict[str, str] | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NOSTR_", "XDG_"))}
        env.update(
            NOSTR_TUI_DATA_DIR=str(self.root / "data"),
            XDG_CONFIG_HOME=str(self.root / "config"),
            NOSTR_TUI_PASSPHRASE=PASS,
        )
        env.update(extra or {})
        return env

    def run(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "nostr_tui", *args], input=stdin, capture_output=True, text=True,
            env=self.environ(env), timeout=60, start_new_session=True,  # no controlling terminal
        )
        self.runs.append(done)
        return done

    def json(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> list[dict[str, object]]:
        done = self.run(*args, stdin=stdin, env=env)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture
def env(tmp_path: Path) -> Env:
    config = tmp_path / "config" / "nostr-tui"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("relays = []\n[keys]\nlog_n = 17\n")
    return Env(tmp_path)


def assert_one_line_error(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    errors = [line for line in lines if line.startswith("nostr-tui: error: ")]
    assert len(errors) == 1 and words in errors[0], done.stderr
    assert all(line.startswith("nostr-tui: warning: ") for line in lines if line not in errors), done.stderr
    assert "Traceback" not in done.stderr


def test_full_life_of_a_generated_key_never_shows_the_secret_unasked(env: Env) -> None:
    [made] = env.json("keys", "generate", "--name", "alice")
    assert made == {"name": "alice", "npub": made["npub"], "read_only": False, "active": True}
    assert "back it up" in env.runs[-1].stderr
    assert env.json("keys", "list") == [made]
    assert env.json("keys", "export") == [{"name": "alice", "npub": made["npub"]}]
    [enc] = env.json("keys", "export", "alice", "--ncryptsec")
    assert nip49.decode(str(enc["ncryptsec"])).log_n == 17  # the config's cost, not the default
    signed = env.run("event", "-k", "1", "-c", "hello from the key store", "--created-at", "1700000000")
    assert signed.returncode == 0, signed.stderr
    assert nip19.npub_encode(parse_event(json.loads(signed.stdout)).pubkey) == made["npub"]
    assert env.json("keys", "passwd", env={"NOSTR_TUI_NEW_PASSPHRASE": "n3w pass"}) == [
        {"name": "alice", "passphrase_changed": True}]
    assert_one_line_error(env.run("keys", "export", "--nsec"), "wrong passphrase for account 'alice'")
    before_export = list(env.runs)

    exported = env.run("keys", "export", "--nsec", env={"NOSTR_TUI_PASSPHRASE": "n3w pass"})
    assert exported.returncode == 0
    assert "secret key in clear" in exported.stderr
    nsec = str(json.loads(exported.stdout)["nsec"])
    secret = nip19.nsec_decode(nsec)
    assert nip19.npub_encode(secret.public_key) == made["npub"]

    env.json("keys", "list")
    removed = env.json("keys", "remove", "alice", "--yes")
    assert removed == [{"name": "alice", "removed": True, "had_backup": True}]
    for done in [*before_export, *env.runs[len(before_export) + 1 :]]:
        for text in (done.stdout, done.stderr, " ".join(map(str, done.args))):
            assert secret.hex() not in text and nsec not in text
    assert secret.hex() not in env.accounts_file.read_text() and nsec not in env.accounts_file.read_text()


def test_import_from_stdin_and_read_only_accounts(env: Env) -> None:
    key = SecretKey.generate()
    [imported] = env.json("keys", "import", "--name", "mine", stdin=nip19.nsec_encode(key) + "\n")
    assert imported["npub"] == nip19.npub_encode(key.public_key)
    jack = "npub1sn0wdenkukak0d9dfczzeacvhkrgz92ak56egt7vdgzn8pv2wfqqhrjdv9"
    [public] = env.json("keys", "import", "--name", "jack", stdin=jack)
    assert public == {"name": "jack", "npub": jack, "read_only": True, "active": False}
    given = nip49.encrypt(SecretKey.generate(), "their pass", 16)  # strong enough to keep
    env.json("keys", "import", "--name", "enc", stdin=given, env={"NOSTR_TUI_PASSPHRASE": "their pass"})
    assert env.json("keys", "export", "enc", "--ncryptsec")[0]["ncryptsec"] == given
    assert [a["name"] for a in env.json("keys", "use", "jack")] == ["jack"]
    assert [(a["name"], a["active"]) for a in env.json("keys", "list")] == [
        ("mine", False), ("jack", True), ("enc", False)]
    assert_one_line_error(env.run("event", "-k", "1", "-c", "hi"), "read-only")
    assert_one_line_error(env.run("keys", "export", "--nsec"), "read-only")
    for done in env.runs:
        assert key.hex() not in done.stdout + done.stderr + " ".join(map(str, done.args))


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["keys", "use", "nobody"], "", "no account named 'nobody'"),
        (["keys", "export", "nobody"], "", "no account named 'nobody'"),
        (["keys", "import"], "ff" * 32, "not a valid secp256k1 secret key"),
        (["keys", "import"], "", "no key given"),
        (["keys", "import"], "nonsense", "expected an nsec"),
        (["keys", "generate", "--name", "alice"], "", "named 'alice' exists"),
        (["keys", "passwd"], "", "wrong passphrase"),
        (["keys", "remove", "alice"], "", "add --yes"),
    ],
)
def test_errors_are_one_line_exit_1_and_change_nothing(env: Env, args: list[str], stdin: str, words: str) -> None:
    env.json("keys", "generate", "--name", "alice")
    before = env.accounts_file.read_bytes()
    extra = {"NOSTR_TUI_PASSPHRASE": "wrong"} if args[1] == "passwd" else None
    assert_one_line_error(env.run(*args, stdin=stdin, env=extra), words)
    assert env.accounts_file.read_bytes() == before


def test_remove_without_backup_says_so_plainly(env: Env) -> None:
    env.json("keys", "generate", "--name", "alice")
    refused = env.run("keys", "remove", "alice")
    assert "NO backup" in refused.stderr and refused.returncode == 1
    done = env.run("keys", "remove", "alice", "--yes")
    assert done.returncode == 0 and "NO backup" in done.stderr
    assert json.loads(done.stdout) == {"name": "alice", "removed": True, "had_backup": False}
    assert env.json("keys", "list") == []


def test_damaged_file_is_one_line_and_untouched(env: Env) -> None:
    env.json("keys", "generate", "--name", "alice")
    env.accounts_file.write_text('{"version": 1, "accounts": [')
    damaged = env.accounts_file.read_bytes()
    for args in (["keys", "list"], ["keys", "generate"], ["keys", "export", "alice", "--nsec"]):
        assert_one_line_error(env.run(*args), "damaged")
    jack = "npub1sn0wdenkukak0d9dfczzeacvhkrgz92ak56egt7vdgzn8pv2wfqqhrjdv9"
    assert_one_line_error(env.run("keys", "import", stdin=jack), "damaged")
    assert env.accounts_file.read_bytes() == damaged


def test_loose_permissions_are_reported(env: Env) -> None:
    env.json("keys", "generate", "--name", "alice")
    os.chmod(env.accounts_file, 0o644)
    done = env.run("keys", "list")
    assert done.returncode == 0
    assert f"chmod 600 {env.accounts_file}" in done.stderr


def test_no_passphrase_source_is_a_clear_error(env: Env) -> None:
    done = env.run("keys", "generate", env={"NOSTR_TUI_PASSPHRASE": ""})
    assert_one_line_error(done, "empty passphrase")
    environ = env.environ(None)
    del environ["NOSTR_TUI_PASSPHRASE"]
    done = subprocess.run([sys.executable, "-m", "nostr_tui", "keys", "generate"], capture_output=True, text=True,
                          env=environ, timeout=60, start_new_session=True, stdin=subprocess.DEVNULL)
    assert_one_line_error(done, "no terminal to ask for the passphrase")
    assert not env.accounts_file.exists()


def test_in_process_logs_and_output_hold_no_secret(
    env: Env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    for name, value in env.environ(None).items():
        monkeypatch.setenv(name, value)
    key = SecretKey.generate()
    monkeypatch.setattr(sys, "stdin", io.StringIO(key.hex()))
    assert cli.main(["keys", "import", "--name", "k"]) == 0
    assert cli.main(["keys", "generate", "--name", "g"]) == 0
    assert cli.main(["keys", "export", "k", "--ncryptsec"]) == 0
    monkeypatch.setenv("NOSTR_TUI_NEW_PASSPHRASE", "other")
    assert cli.main(["keys", "passwd", "k"]) == 0
    assert cli.main(["keys", "export", "k", "--nsec"]) == 1  # the passphrase changed
    assert cli.main(["keys", "remove", "k", "--yes"]) == 0
    out = capsys.readouterr()
    assert "removed" in caplog.text
    for text in (out.out, out.err, caplog.text):
        assert key.hex() not in text and nip19.nsec_encode(key) not in text and PASS not in text


def test_without_accounts_event_and_export_say_what_to_do(env: Env) -> None:
    assert_one_line_error(env.run("event", "-k", "1", "-c", "hi"), "set NOSTR_SECRET_KEY or add an account")
    assert_one_line_error(env.run("keys", "export"), "no active account")
    assert env.json("keys", "list") == []
