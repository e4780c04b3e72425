"""The encrypted file keyring derives its Argon2 key once per process, not per token read.

Real files in tmp_path, the real Argon2 and AES-GCM; derivations are counted by
wrapping argon2's hash_secret_raw, which both cryptfile and SyncDesk call.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import webbrowser
from pathlib import Path

import argon2.low_level
import keyring
import pytest
from keyring.backends import fail

from app.qbo import keychain
from app.qbo.oauth import follow_redirects
from app.qbo.tokens import TokenSet
from app.sandbox.server import SandboxServer

PASSPHRASE = "a long passphrase, 42"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def derivations(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = argon2.low_level.hash_secret_raw

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(argon2.low_level, "hash_secret_raw", counting)
    return calls


def tokens(n: int) -> TokenSet:
    return TokenSet(f"access-{n}", f"refresh-{n}", 1e10, None, "4620816365")


def test_many_token_reads_and_writes_derive_the_key_once(tmp_path, derivations):
    path = tmp_path / "keyring.cfg"
    keychain.use_encrypted_file(PASSPHRASE, path)  # a new file: its key, derived once
    store = keychain.KeyringTokenStore("production", "4620816365")
    for n in range(10):
        store.save(tokens(n))  # a refresh writes
        for _ in range(5):
            keychain.use_encrypted_file(PASSPHRASE, path)  # every open_client unlocks
            assert store.load().access_token == f"access-{n}"
    assert len(derivations) == 1
    text = path.read_text()
    assert PASSPHRASE not in text and "access-9" not in text
    with pytest.raises(keychain.NoKeychain, match="not the passphrase"):
        keychain.use_encrypted_file("not the passphrase", path)


def test_another_process_reads_the_file_with_one_derivation(tmp_path, derivations):
    path = tmp_path / "keyring.cfg"
    keychain.use_encrypted_file(PASSPHRASE, path)
    keychain.KeyringTokenStore("production", "4620816365").save(tokens(7))
    script = textwrap.dedent(f"""
        import argon2.low_level, json
        calls = []
        real = argon2.low_level.hash_secret_raw
        def counting(*a, **k):
            calls.append(1)
            return real(*a, **k)
        argon2.low_level.hash_secret_raw = counting
        from app.qbo import keychain
        from app.qbo.tokens import TokenSet
        keychain.use_encrypted_file({PASSPHRASE!r}, {str(path)!r})
        store = keychain.KeyringTokenStore("production", "4620816365")
        seen = [store.load().access_token for _ in range(20)]
        store.save(TokenSet("access-8", "refresh-8", 1e10, None, "4620816365"))
        seen += [store.load().access_token for _ in range(20)]
        print(json.dumps({{"calls": len(calls), "seen": sorted(set(seen))}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=True)
    answer = json.loads(done.stdout)
    assert answer == {"calls": 1, "seen": ["access-7", "access-8"]}
    # this process reads what the other one wrote (its file's key, not a new one)
    assert keychain.KeyringTokenStore("production", "4620816365").load().access_token \
        == "access-8"
    assert len(derivations) == 1


def test_a_whole_sync_with_the_encrypted_file_derives_the_key_once(cli, db_path, monkeypatch,
                                                                   derivations):
    """On a team store the file holds this computer's company key; the tokens are sealed
    in the store."""
    with SandboxServer(seed="demo", client_id="app-id", client_secret="app-secret") as intuit:
        keyring.set_keyring(fail.Keyring())
        monkeypatch.setattr(webbrowser, "open", lambda url: follow_redirects(url) or True)
        monkeypatch.setenv(keychain.PASSPHRASE_VARIABLE, PASSPHRASE)
        db = db_path
        assert cli("--db", db, "init", "--demo").code == 0
        connected = cli("--db", db, "connect", "--env", "production", "--base-url",
                        intuit.base_url, "--client-id", "app-id", "--client-secret",
                        "app-secret", "--encrypted-keyring")
        assert connected.code == 0, connected.err
        derivations.clear()  # each command is a run of its own: the sync unlocks again
        intuit.advance_clock(4000)  # the access token expires: the sync refreshes it
        synced = cli("--db", db, "sync", "--json")
        assert synced.code == 0, synced.err
        sent = [d for d in json.loads(synced.out)["documents"] if d["sync_state"] == "synced"]
        assert len(sent) > 20
        assert len(derivations) == 1


def test_the_os_keychain_is_still_seen_while_the_encrypted_file_is_in_use(tmp_path,
                                                                         memory_keyring):
    """A team's company key is looked for in the OS keychain too while a connection's
    secrets are read from the file; connecting with the OS keychain afterwards (a window
    opens another company) writes to it again, not into the file."""
    assert keychain.os_keychain() is memory_keyring
    keychain.use_encrypted_file(PASSPHRASE, tmp_path / "keyring.cfg")
    assert keyring.get_keyring() is not memory_keyring
    assert keychain.os_keychain() is memory_keyring
    keychain.require_keychain()
    assert keyring.get_keyring() is memory_keyring
    keyring.set_keyring(fail.Keyring())  # a computer without one
    assert keychain.os_keychain() is None
    keychain.use_encrypted_file(PASSPHRASE, tmp_path / "keyring.cfg")
    assert keychain.os_keychain() is None
    with pytest.raises(keychain.NoKeychain):
        keychain.require_keychain()  # the file is no OS keychain


def test_the_files_entries_are_seen_and_removed_without_its_passphrase(tmp_path):
    path = tmp_path / "keyring.cfg"
    assert not keychain.file_has("company-key:abc", path)  # no file yet
    keychain.use_encrypted_file(PASSPHRASE, path)
    keyring.set_password(keychain.SERVICE, "company-key:abc", "syncdesk-key.abc.secret")
    keyring.set_password(keychain.SERVICE, "production:tokens:1", "tokens")
    keychain.forget_unlocked()  # a new run: the file is locked
    assert keychain.unlocked_file(path) is None
    assert keychain.file_has("company-key:abc", path)
    assert not keychain.file_has("company-key:abd", path)
    keychain.remove_from_file("company-key:abc", path)
    assert not keychain.file_has("company-key:abc", path)
    assert "secret" not in path.read_text()
    keychain.use_encrypted_file(PASSPHRASE, path)  # the rest is as it was
    assert keyring.get_password(keychain.SERVICE, "production:tokens:1") == "tokens"
    assert keyring.get_password(keychain.SERVICE, "company-key:abc") is None
