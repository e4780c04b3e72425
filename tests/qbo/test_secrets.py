"""Intuit tokens and client secrets stay in the keychain: never the store, log or history."""

from __future__ import annotations

import json
import webbrowser
from pathlib import Path

import pytest

from app.logs import log_path
from app.qbo.errors import OAuthError
from app.qbo.keychain import SERVICE, NoKeychain, require_keychain
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer

CLIENT_ID = "AB-intuit-app-client-id-0001"
CLIENT_SECRET = "s3cret-Intuit-client-secret-value-42"


@pytest.fixture
def intuit_standin():
    """A sandbox standing in for Intuit, with its own (secret) app credentials."""
    with SandboxServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as server:
        yield server


def every_byte_of(path) -> bytes:
    data = b""
    for part in sorted(path.parent.glob(path.name + "*")):  # the store, its -wal and -shm
        data += part.read_bytes()
    return data


def everything_in(db) -> bytes:
    """What the store holds: its file's bytes, or every row of a team store's tables."""
    if isinstance(db, Path):
        return every_byte_of(db)
    from tests.qbo.test_shared_connection import database_text

    return database_text(db).encode()


@pytest.mark.usefixtures("sqlite_only")  # the store file's bytes and the keychain's tokens (a
# team store's tokens are in it, sealed: test_a_team_store_holds_no_token_secret_or_key_...)
def test_no_token_or_secret_reaches_the_store_the_log_or_the_history(
        cli, db_path, intuit_standin, memory_keyring, monkeypatch):
    monkeypatch.setattr(webbrowser, "open", lambda url: follow_redirects(url) or True)
    db = db_path
    assert cli("--db", db, "init", "--demo").code == 0
    result = cli("-v", "--db", db, "connect", "--env", "intuit-sandbox", "--base-url",
                 intuit_standin.base_url, "--client-id", CLIENT_ID, "--client-secret",
                 CLIENT_SECRET)
    assert result.code == 0, result.err
    cli("-v", "--db", db, "approve", "po", "PO-1008")
    status = json.loads(cli("--db", db, "status", "--json").out)["connection"]
    assert status["state"] == "connected" and status["environment"] == "intuit-sandbox"

    def keychain_secrets() -> list[str]:
        stored = {key: value for (service, key), value in memory_keyring.items.items()
                  if service == SERVICE}
        tokens = json.loads(next(v for k, v in stored.items() if ":tokens:" in k))
        assert CLIENT_SECRET in stored.values()
        return [tokens["access_token"], tokens["refresh_token"]]

    secrets = [CLIENT_SECRET, *keychain_secrets()]
    # the tokens expire, the sync refreshes them (new ones) and sends documents
    intuit_standin.advance_clock(4000)
    synced = cli("-v", "--db", db, "sync")
    assert synced.code == 0, synced.err
    refreshed = keychain_secrets()
    assert refreshed[1] != secrets[2]  # the refresh token rotated
    secrets += refreshed
    history = cli("--db", db, "history", "po", "PO-1001", "--json").out
    assert '"action": "sync"' in history  # an entry that records a call to QuickBooks
    sync_log = cli("--db", db, "log", "--json").out

    store_bytes = every_byte_of(db)
    log_text = log_path().read_text(encoding="utf-8")
    assert log_text, "the log file is written"
    for secret in secrets:
        assert secret.encode() not in store_bytes
        assert secret not in log_text
        assert secret not in history and secret not in sync_log
        assert secret not in result.out + result.err + synced.out + synced.err


def test_connecting_to_intuit_without_a_keychain_stops_before_the_browser(
        cli, db_path, monkeypatch):
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    db = db_path
    cli("--db", db, "init")
    result = cli("--db", db, "connect", "--env", "production", "--client-id", "x",
                 "--client-secret", "y")
    assert result.code == 1 and "No OS keychain" in result.err and "Secret Service" in result.err
    assert opened == []
    with pytest.raises(NoKeychain):
        require_keychain()


def test_token_reprs_and_oauth_errors_never_show_tokens():
    from app.qbo.tokens import TokenSet

    tokens = TokenSet("access-abcdefgh", "refresh-abcdefgh", 0.0, None, "1")
    assert "abcdefgh" not in repr(tokens) and "abcdefgh" not in str(tokens)
    assert "abcdefgh" not in str(OAuthError("invalid_grant", "Incorrect or invalid refresh token"))


def test_without_a_keychain_the_user_may_opt_in_to_an_encrypted_file(
        cli, db_path, intuit_standin, monkeypatch):
    import keyring
    from keyring.backends import fail

    from app.qbo.keychain import encrypted_file_path

    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr(webbrowser, "open", lambda url: follow_redirects(url) or True)
    monkeypatch.setenv("SYNCDESK_KEYRING_PASSPHRASE", "a long passphrase, 42")
    db = db_path
    cli("--db", db, "init", "--demo")
    result = cli("--db", db, "connect", "--env", "production", "--base-url",
                 intuit_standin.base_url, "--client-id", CLIENT_ID, "--client-secret",
                 CLIENT_SECRET, "--encrypted-keyring")
    assert result.code == 0, result.err
    locked = encrypted_file_path().read_bytes()
    assert CLIENT_SECRET.encode() not in locked and b"access_token" not in locked
    assert CLIENT_SECRET.encode() not in everything_in(db)
    # a later command unlocks the file with the passphrase and uses the tokens
    keyring.set_keyring(fail.Keyring())
    assert cli("--db", db, "sync", "--pull").code == 0
    monkeypatch.setenv("SYNCDESK_KEYRING_PASSPHRASE", "not the passphrase")
    result = cli("--db", db, "sync", "--pull")
    assert result.code == 1 and "not the passphrase of SyncDesk's encrypted keyring" in result.err
    monkeypatch.delenv("SYNCDESK_KEYRING_PASSPHRASE")
    result = cli("--db", db, "sync", "--pull")
    assert result.code == 1 and "needs its passphrase" in result.err


def test_file_keyrings_in_keyrings_chain_never_stand_in_for_a_keychain():
    import keyring
    from keyring.backends.chainer import ChainerBackend
    from keyrings.cryptfile.file import PlaintextKeyring

    class Chain(ChainerBackend):
        @property
        def backends(self):
            return [PlaintextKeyring()]

    keyring.set_keyring(Chain())
    with pytest.raises(NoKeychain):
        require_keychain()


def client_secrets_in(backend) -> list[str]:
    return [key for (service, key) in backend.items if service == SERVICE
            and ":client-secret:" in key]


@pytest.mark.usefixtures("sqlite_only")  # a team store seals the client secret in the store,
# never in the keychain (test_shared_connection.py: test_disconnect_forgets_the_sealed_...)
def test_disconnect_removes_the_client_secret_from_the_keychain(
        cli, db_path, intuit_standin, memory_keyring, monkeypatch):
    monkeypatch.setattr(webbrowser, "open", lambda url: follow_redirects(url) or True)
    db = db_path
    cli("--db", db, "init")
    assert cli("--db", db, "connect", "--env", "intuit-sandbox", "--base-url",
               intuit_standin.base_url, "--client-id", CLIENT_ID, "--client-secret",
               CLIENT_SECRET).code == 0
    assert client_secrets_in(memory_keyring) == [f"intuit-sandbox:client-secret:{CLIENT_ID}"]
    result = cli("--db", db, "disconnect")
    assert result.code == 0 and "client secret was removed from the keychain" in result.out
    assert client_secrets_in(memory_keyring) == []
    assert [k for (service, k) in memory_keyring.items if service == SERVICE] == []
    assert CLIENT_SECRET not in result.out + result.err


def test_disconnect_removes_the_client_secret_from_the_encrypted_file(
        cli, db_path, backend, intuit_standin, monkeypatch):
    """The file holds the client secret (a store file's connection), or the company key that
    opens the connection sealed in a team store; disconnect leaves neither anywhere."""
    import keyring
    from keyring.backends import fail

    from app.connection.key_home import get as get_company_key
    from app.connection.service import connection
    from app.qbo.keychain import get_client_secret, use_encrypted_file
    from app.store.database import open_store, resolve_db_url

    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr(webbrowser, "open", lambda url: follow_redirects(url) or True)
    monkeypatch.setenv("SYNCDESK_KEYRING_PASSPHRASE", "a long passphrase, 42")
    db = db_path
    cli("--db", db, "init")
    assert cli("--db", db, "connect", "--env", "production", "--base-url",
               intuit_standin.base_url, "--client-id", CLIENT_ID, "--client-secret",
               CLIENT_SECRET, "--encrypted-keyring").code == 0
    use_encrypted_file("a long passphrase, 42")
    if backend == "sqlite":
        assert get_client_secret("production", CLIENT_ID) == CLIENT_SECRET
    else:
        store = open_store(resolve_db_url(db))
        try:
            key_id = connection(store).shared_key_id
        finally:
            store.close()
        assert get_client_secret("production", CLIENT_ID) is None and key_id
        assert get_company_key(key_id)
    keyring.set_keyring(fail.Keyring())
    assert cli("--db", db, "disconnect").code == 0
    use_encrypted_file("a long passphrase, 42")  # read the file afresh
    assert get_client_secret("production", CLIENT_ID) is None
    if backend != "sqlite":
        assert get_company_key(key_id) is None
    assert CLIENT_SECRET.encode() not in everything_in(db)


def test_a_team_store_holds_no_token_secret_or_key_in_plain_text(
        cli, intuit_standin, memory_keyring, monkeypatch, request):
    """On PostgreSQL the connection is in the store (sealed): no token the sandbox ever
    issued, nor the client secret, nor the company key, is in any table, the log or
    what the commands printed."""
    from tests import postgres
    from tests.conftest import need_postgres
    from tests.qbo.test_shared_connection import database_text

    monkeypatch.setattr(webbrowser, "open", lambda url: follow_redirects(url) or True)
    with postgres.new_database(need_postgres(request)) as db:
        assert cli("--db", db, "init", "--demo").code == 0
        printed = [cli("-v", "--db", db, "connect", "--env", "intuit-sandbox", "--base-url",
                       intuit_standin.base_url, "--client-id", CLIENT_ID, "--client-secret",
                       CLIENT_SECRET)]
        cli("-v", "--db", db, "approve", "po", "PO-1008")
        intuit_standin.advance_clock(4000)  # the sync refreshes: the rotated tokens too
        printed.append(cli("-v", "--db", db, "sync"))
        printed.append(cli("-v", "--db", db, "status", "--json"))
        assert all(result.code == 0 for result in printed), [r.err for r in printed]
        key = next(v for (_, k), v in memory_keyring.items.items() if k.startswith("company"))
        oauth = intuit_standin.oauth.data
        assert len(oauth["refresh"]) >= 2  # connected, then refreshed at least once
        secrets = [CLIENT_SECRET, key, key.rsplit(".", 1)[1], *oauth["access"],
                   *oauth["refresh"]]
        dumped = database_text(db)
        printed.append(cli("-v", "--db", db, "disconnect"))
        assert printed[-1].code == 0
        log_text = log_path().read_text(encoding="utf-8")
    assert "aesgcm1." in dumped
    for secret in secrets:
        assert secret not in dumped
        assert secret not in log_text
        assert all(secret not in r.out + r.err for r in printed)
