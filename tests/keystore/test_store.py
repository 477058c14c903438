"""The key store's API on real files: accounts, import, export, passphrases, errors that write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bech32 import bech32_encode, convertbits
from tests.support.keys import PW, TEST_LOG_N, answers, never

from nostr_tui.config import Config
from nostr_tui.keystore import (
    AccountExistsError,
    DamagedStoreError,
    InvalidKeyInputError,
    KeyStore,
    NoActiveAccountError,
    PassphraseError,
    ReadOnlyAccountError,
    UnknownAccountError,
    WrongPassphraseError,
    open_keystore,
)
from nostr_tui.protocol import nip19, nip49
from nostr_tui.protocol.event import sign_event
from nostr_tui.protocol.keys import SecretKey

JACK_NPUB = "npub1sn0wdenkukak0d9dfczzeacvhkrgz92ak56egt7vdgzn8pv2wfqqhrjdv9"
JACK_HEX = "84dee6e676e5bb67b4ad4e042cf70cbd8681155db535942fcc6a0533858a7240"


def stored(store: KeyStore) -> dict[str, object]:
    data: dict[str, object] = json.loads(store.path.read_text("utf-8"))
    return data


def test_generate_makes_an_encrypted_active_account(store: KeyStore) -> None:
    account = store.generate("alice", PW)
    assert (account.name, account.read_only, account.origin, account.exported) == ("alice", False, "generated", False)
    assert store.active() == account
    assert account.ncryptsec is not None
    enc = nip49.decode(account.ncryptsec)
    assert enc.log_n == TEST_LOG_N
    assert enc.key_security == nip49.KEY_SECURITY_SECURE  # made here, never seen in clear
    assert nip49.decrypt(account.ncryptsec, "correct horse").public_key == account.pubkey
    assert account.npub == nip19.npub_encode(account.pubkey)
    assert not account.has_backup


def test_default_cost_is_log_n_16(tmp_path: Path) -> None:
    store = open_keystore(Config(data_dir=tmp_path))
    assert store.directory == tmp_path / "keys"
    account = store.generate(None, PW)
    assert account.name == "default"
    assert account.ncryptsec is not None and nip49.decode(account.ncryptsec).log_n == 16


def test_generated_keys_differ_and_names_are_picked(store: KeyStore) -> None:
    a, b, c = (store.generate(None, PW) for _ in range(3))
    assert [a.name, b.name, c.name] == ["default", "account2", "account3"]
    assert len({a.pubkey, b.pubkey, c.pubkey}) == 3
    assert store.active() == a  # the first account becomes active; later ones do not take over


def test_import_each_kind(store: KeyStore) -> None:
    nsec_key, hex_key, enc_key = SecretKey.generate(), SecretKey.generate(), SecretKey.generate()
    from_nsec = store.import_key(nip19.nsec_encode(nsec_key) + "\n", "n", PW)
    from_hex = store.import_key(hex_key.hex(), "h", PW)
    given = nip49.encrypt(enc_key, "their pass", 16, nip49.KEY_SECURITY_SECURE)  # strong enough to keep
    from_enc = store.import_key(given, "e", answers("their pass"))
    public = store.import_key(JACK_NPUB, "jack", never)

    assert (from_nsec.pubkey, from_hex.pubkey, from_enc.pubkey) == (
        nsec_key.public_key, hex_key.public_key, enc_key.public_key)
    for account in (from_nsec, from_hex):
        assert account.ncryptsec is not None
        assert nip49.decode(account.ncryptsec).key_security == nip49.KEY_SECURITY_INSECURE  # arrived in clear
        assert account.has_backup and account.origin == "imported"
    assert from_enc.ncryptsec == given  # kept as given, not re-encrypted
    assert public.read_only and public.pubkey == JACK_HEX
    assert [a.name for a in store.accounts()] == ["n", "h", "e", "jack"]
    with store.unlocked("h", PW) as secret:
        assert secret == hex_key
    with store.unlocked("e", answers("their pass")) as secret:
        assert secret == enc_key


def test_import_of_an_ncryptsec_with_the_wrong_passphrase_writes_nothing(store: KeyStore) -> None:
    given = nip49.encrypt(SecretKey.generate(), "their pass", 3)
    with pytest.raises(WrongPassphraseError, match="wrong passphrase"):
        store.import_key(given, "e", answers("nope"))
    assert not store.path.exists()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "no key given"),
        ("hello", "expected an nsec"),
        ("ff" * 32, "not a valid secp256k1 secret key"),
        ("00" * 32, "not a valid secp256k1 secret key"),
        ("zz" * 32, "not valid hex"),
        (bech32_encode("nsec", convertbits(bytes(32), 8, 5)), "not a valid secret key"),  # the zero key
        (JACK_NPUB[:-1] + "x", "not a valid npub"),
        ("ncryptsec1qqqq", "cannot import the ncryptsec"),
        ("a b", "one on a line"),
    ],
)
def test_bad_key_input_gives_one_clear_line_without_the_input(store: KeyStore, text: str, words: str) -> None:
    with pytest.raises(InvalidKeyInputError) as err:
        store.import_key(text, "x", never)
    message = str(err.value)
    assert words in message and "\n" not in message
    if len(text) > 8:
        assert text not in message
    assert not store.path.exists()


def test_names_and_keys_are_unique(store: KeyStore) -> None:
    key = SecretKey.generate()
    store.import_key(key.hex(), "a", PW)
    with pytest.raises(AccountExistsError, match="named 'a' exists"):
        store.generate("a", never)  # refused before any passphrase is asked
    with pytest.raises(AccountExistsError, match="already the account 'a'"):
        store.import_key(nip19.nsec_encode(key), "b", never)
    with pytest.raises(AccountExistsError, match="already the account 'a'"):
        store.import_key(nip19.npub_encode(key.public_key), "c", never)
    with pytest.raises(Exception, match="account name is 1 to 64"):
        store.generate("../evil", never)


def test_switching_is_instant_and_needs_no_passphrase(store: KeyStore) -> None:
    store.generate("a", PW)
    b = store.import_key(JACK_NPUB, "b", never)
    store.use("b")
    assert store.active_public_key() == b.pubkey == JACK_HEX
    with pytest.raises(ReadOnlyAccountError, match="read-only"):
        store.active_secret_key(never)
    with pytest.raises(UnknownAccountError, match="no account named 'zed'"):
        store.use("zed")
    assert store.active_name() == "b"


def test_active_key_signs(store: KeyStore) -> None:
    account = store.generate("a", PW)
    secret = store.active_secret_key(PW)
    event = sign_event(secret, 1, "hello", [], 1700000000)
    event.check()  # raises unless the signature is valid
    assert event.pubkey == account.pubkey


def test_no_active_account(store: KeyStore) -> None:
    with pytest.raises(NoActiveAccountError):
        store.active_public_key()
    store.generate("a", PW)
    store.remove("a")
    with pytest.raises(NoActiveAccountError):
        store.active_secret_key(never)


def test_export_ncryptsec_counts_as_a_backup(store: KeyStore) -> None:
    account = store.generate("a", PW)
    assert store.export_ncryptsec("a") == account.ncryptsec
    assert store.get("a").exported and store.get("a").has_backup


def test_export_nsec_needs_the_passphrase_and_marks_the_key_insecure(store: KeyStore) -> None:
    account = store.generate("a", PW)
    before = store.path.read_bytes()
    with pytest.raises(WrongPassphraseError):
        store.export_nsec("a", answers("wrong"))
    assert store.path.read_bytes() == before
    nsec = store.export_nsec("a", PW)
    assert nip19.nsec_decode(nsec).public_key == account.pubkey
    after = store.get("a")
    assert after.exported and after.ncryptsec is not None and after.ncryptsec != account.ncryptsec
    assert nip49.decode(after.ncryptsec).key_security == nip49.KEY_SECURITY_INSECURE
    assert nip49.decrypt(after.ncryptsec, "correct horse").public_key == account.pubkey


def test_change_passphrase(store: KeyStore) -> None:
    account = store.generate("a", PW)
    store.change_passphrase("a", PW, answers("new pass"))
    changed = store.get("a")
    assert changed.ncryptsec is not None and changed.ncryptsec != account.ncryptsec
    assert nip49.decode(changed.ncryptsec).key_security == nip49.KEY_SECURITY_SECURE  # kept
    with pytest.raises(WrongPassphraseError):
        store.secret_key("a", PW)
    assert store.secret_key("a", answers("new pass")).public_key == account.pubkey


def test_change_passphrase_with_wrong_old_or_empty_new_changes_nothing(store: KeyStore) -> None:
    store.generate("a", PW)
    before = store.path.read_bytes()
    with pytest.raises(WrongPassphraseError):
        store.change_passphrase("a", answers("wrong"), never)
    with pytest.raises(PassphraseError, match="empty passphrase"):
        store.change_passphrase("a", PW, answers(""))
    assert store.path.read_bytes() == before


def test_empty_new_passphrase_is_refused(store: KeyStore) -> None:
    with pytest.raises(PassphraseError, match="empty passphrase"):
        store.generate("a", answers(""))
    assert not store.path.exists()


def test_remove(store: KeyStore) -> None:
    a = store.generate("a", PW)
    store.generate("b", PW)
    removed = store.remove("a")
    assert removed == a and not removed.has_backup
    assert [x.name for x in store.accounts()] == ["b"]
    assert store.active() is None  # never silently sign as someone else
    with pytest.raises(UnknownAccountError):
        store.remove("a")


def test_damaged_file_is_reported_and_never_overwritten(store: KeyStore) -> None:
    store.generate("a", PW)
    store.path.write_bytes(b'{"version": 1, "accounts": [{"name": "a"')
    damaged = store.path.read_bytes()
    for action in (store.accounts, lambda: store.generate("b", PW), lambda: store.use("a"),
                   lambda: store.import_key(JACK_NPUB, "j", never)):
        with pytest.raises(DamagedStoreError) as err:
            action()
        assert str(store.path) in str(err.value) and "damaged" in str(err.value)
        assert "\n" not in str(err.value)
    assert store.path.read_bytes() == damaged


@pytest.mark.parametrize(
    "edit",
    [
        lambda doc: doc["accounts"][0].update(ncryptsec=doc["accounts"][0]["ncryptsec"][:-3] + "qqq"),
        lambda doc: doc["accounts"][0].update(pubkey=JACK_HEX),
    ],
    ids=["ncryptsec-altered", "pubkey-swapped"],
)
def test_damaged_key_in_the_file(store: KeyStore, edit: object) -> None:
    store.generate("a", PW)
    doc = stored(store)
    edit(doc)  # type: ignore[operator]
    store.path.write_text(json.dumps(doc))
    with pytest.raises(DamagedStoreError, match="account 'a'"):
        store.secret_key("a", PW)


def test_other_damage_kinds(store: KeyStore) -> None:
    for bad in (b"\xff\xfe", b"[]", b'{"version": 9, "accounts": []}', b'{"version": 1}',
                b'{"version": 1, "active": "x", "accounts": []}',
                b'{"version": 1, "accounts": [{"name": "a", "pubkey": "00"}]}'):
        store.directory.mkdir(exist_ok=True)
        store.path.write_bytes(bad)
        with pytest.raises(DamagedStoreError):
            store.accounts()
        assert store.path.read_bytes() == bad


def test_reprs_and_errors_hold_no_secret(store: KeyStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    account = store.generate("a", PW)
    nsec = store.export_nsec("a", PW)
    secret = nip19.nsec_decode(nsec)
    texts = [repr(store), repr(account), str(account), repr(store.get("a")), repr(secret)]
    for fail in (lambda: store.secret_key("a", answers("bad")), lambda: store.change_passphrase("a", answers("x"), PW)):
        with pytest.raises(WrongPassphraseError) as err:
            fail()
        texts += [str(err.value), repr(err.value)]
    texts.append(caplog.text)
    blob = "\n".join(texts)
    assert "a" in caplog.text  # something was logged
    assert secret.hex() not in blob and nsec not in blob and "correct horse" not in blob
    assert account.ncryptsec is not None and account.ncryptsec not in repr(account)
