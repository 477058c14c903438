"""Keys a person brings or makes, as they would: a weak ncryptsec is strengthened, the key of a read-only account
upgrades it, two `keys generate` at once both succeed, the config refuses a weak scrypt cost, and no child
process sees a secret from the environment."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nostr_tui.config import ConfigError, parse_config
from nostr_tui.protocol import nip19, nip49
from nostr_tui.protocol.keys import SecretKey

from .test_cli_keys import PASS, Env, env  # noqa: F401  (the fixture)


def test_a_weak_ncryptsec_is_reencrypted_at_the_configured_cost(env: Env) -> None:  # noqa: F811
    key = SecretKey.generate()
    weak = nip49.encrypt(key, "their pass", 1, nip49.KEY_SECURITY_SECURE)
    done = env.run("keys", "import", "--name", "brought", stdin=weak, env={"NOSTR_TUI_PASSPHRASE": "their pass"})
    assert done.returncode == 0, done.stderr
    assert "re-encrypted" in done.stderr and "log_n = 1" in done.stderr and "log_n = 17" in done.stderr
    [exported] = env.json("keys", "export", "brought", "--ncryptsec")
    kept = str(exported["ncryptsec"])
    assert kept != weak and nip49.decode(kept).log_n == 17
    assert nip49.decrypt(kept, "their pass") == key  # the same passphrase opens it
    assert nip49.decode(kept).key_security == nip49.KEY_SECURITY_SECURE  # and its key-security byte is kept
    assert weak not in env.accounts_file.read_text()


def test_the_key_of_a_read_only_account_upgrades_it(env: Env) -> None:  # noqa: F811
    key = SecretKey.generate()
    [reader] = env.json("keys", "import", "--name", "me", stdin=nip19.npub_encode(key.public_key))
    assert reader["read_only"] is True
    done = env.run("event", "-k", "1", "-c", "not yet")
    assert done.returncode == 1 and "read-only" in done.stderr

    upgraded = env.run("keys", "import", stdin=nip19.nsec_encode(key) + "\n")
    assert upgraded.returncode == 0, upgraded.stderr
    assert json.loads(upgraded.stdout) == {"name": "me", "npub": reader["npub"], "read_only": False, "active": True}
    assert "can now sign" in upgraded.stderr
    assert [a["name"] for a in env.json("keys", "list")] == ["me"]  # the same account, not a second one
    signed = env.run("event", "-k", "1", "-c", "now I can")
    assert signed.returncode == 0, signed.stderr
    assert json.loads(signed.stdout)["pubkey"] == key.public_key
    again = env.run("keys", "import", stdin=nip19.nsec_encode(key) + "\n")
    assert again.returncode == 1 and "already the account 'me'" in again.stderr


def test_two_generates_at_once_both_succeed_with_names_of_their_own(env: Env, tmp_path: Path) -> None:  # noqa: F811
    # The passphrase comes from a command that answers only once both have asked: both choose a name while
    # the other is still working, the moment two earlier versions both took "default".
    waiting = tmp_path / "waiting"
    waiting.mkdir()
    helper = tmp_path / "rendezvous"
    helper.write_text(f"#!/bin/sh\ntouch {waiting}/$$\nn=0\nwhile [ $(ls {waiting} | wc -l) -lt 2 ] && "
                      f"[ $n -lt 400 ]; do n=$((n+1)); sleep 0.05; done\necho '{PASS}'\n")
    helper.chmod(0o700)
    config = tmp_path / "config" / "nostr-tui" / "config.toml"
    config.write_text(f"relays = []\n[keys]\nlog_n = 16\npassphrase_command = {json.dumps(str(helper))}\n")
    environ = {k: v for k, v in env.environ(None).items() if k != "NOSTR_TUI_PASSPHRASE"}
    procs = [
        subprocess.Popen([sys.executable, "-m", "nostr_tui", "keys", "generate"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=environ, start_new_session=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    names = sorted(json.loads(out)["name"] for out, _ in outs)
    assert names == ["account2", "default"]
    assert sorted(a["name"] for a in env.json("keys", "list")) == names


@pytest.mark.parametrize("log_n", [1, 8, 15])
def test_the_config_refuses_a_weak_scrypt_cost(log_n: int) -> None:
    with pytest.raises(ConfigError, match="log_n must be between 16 and 22"):
        parse_config({"keys": {"log_n": log_n}})


def test_lock_after_reads_durations() -> None:
    assert parse_config({"keys": {"lock_after": "30m"}}).keys.lock_after == 1800
    assert parse_config({"keys": {"lock_after": "off"}}).keys.lock_after is None
    assert parse_config({}).keys.lock_after is None
    with pytest.raises(ConfigError, match="lock_after"):
        parse_config({"keys": {"lock_after": "soon"}})


def test_no_child_process_sees_a_secret_from_the_environment(env: Env, tmp_path: Path) -> None:  # noqa: F811
    seen = tmp_path / "seen"
    seen.mkdir()
    helper = tmp_path / "password-manager"
    helper.write_text(f"#!/bin/sh\nenv > {seen}/passphrase_command.env\necho '{PASS}'\n")
    helper.chmod(0o700)
    config = tmp_path / "config" / "nostr-tui" / "config.toml"
    config.write_text(f"relays = []\n[keys]\nlog_n = 16\npassphrase_command = {json.dumps(str(helper))}\n")
    secret = SecretKey.generate()
    extra = {"NOSTR_SECRET_KEY": nip19.nsec_encode(SecretKey.generate()), "NOSTR_TUI_NEW_PASSPHRASE": "new one",
             "NOSTR_TUI_PASSPHRASE": ""}
    environ = {k: v for k, v in env.environ(extra).items() if k != "NOSTR_TUI_PASSPHRASE"}
    done = subprocess.run([sys.executable, "-m", "nostr_tui", "keys", "import", "--name", "me"],
                          input=secret.hex(), capture_output=True, text=True, env=environ, timeout=60)
    assert done.returncode == 0, done.stderr
    text = (seen / "passphrase_command.env").read_text()
    for name in ("NOSTR_SECRET_KEY", "NOSTR_TUI_NEW_PASSPHRASE", "NOSTR_TUI_PASSPHRASE"):
        assert f"{name}=" not in text, name
    assert "HOME=" in text or "PATH=" in text  # the command's own environment is otherwise intact


def test_every_file_with_the_persons_data_is_theirs_alone(env: Env) -> None:  # noqa: F811
    data = env.root / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # as older versions left it
    env.json("keys", "generate", "--name", "me")
    env.json("relays", "add", "ws://127.0.0.1:9")
    env.run("req", "--local", "-k", "1")
    env.run("cache", "stats")
    made = [data, *data.rglob("*"), env.root / "config" / "nostr-tui" / "config.toml"]
    dirs = {p: stat.S_IMODE(p.stat().st_mode) for p in made if p.is_dir()}
    files = {p: stat.S_IMODE(p.stat().st_mode) for p in made if p.is_file() and p.name != ".lock"}
    assert {p.name for p in files} >= {"cache.sqlite3", "state.sqlite3", "accounts.json", "config.toml"}
    assert all(mode & 0o077 == 0 for mode in dirs.values()), dirs
    assert all(mode & 0o077 == 0 for mode in files.values()), files
