"""A team store's one QuickBooks connection: sealed in the store, refreshed one at a time.

Real PostgreSQL stores, a real sandbox standing in for Intuit (it rotates refresh tokens
as Intuit does: the old one dies when a new one is issued), real AES-GCM and keychains
(an in-memory one in this process; encrypted files in the child processes).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import webbrowser
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import inspect, text

from app.connection import service, shared
from app.connection.shared import CompanyKey, seal, unseal
from app.qbo import keychain
from app.qbo.oauth import follow_redirects
from app.qbo.tokens import NeedsReconnect, TokenSet
from app.sandbox.server import SandboxServer
from app.store.advisory import AdvisoryLock
from app.store.database import open_store, resolve_db_url
from tests import postgres
from tests.conftest import need_postgres

CLIENT_ID = "AB-team-app-client-id-0001"
CLIENT_SECRET = "team-Intuit-client-secret-value-42"
PASSPHRASE = "a long passphrase, 42"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def team_db(request: pytest.FixtureRequest):
    """A new PostgreSQL store (a team store), as ``--db`` takes it."""
    with postgres.new_database(need_postgres(request)) as url:
        yield url


@pytest.fixture
def intuit():
    """The sandbox standing in for Intuit, with the app's own (secret) credentials."""
    with SandboxServer(seed="demo", client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as server:
        yield server


@pytest.fixture(autouse=True)
def _signs_in(monkeypatch):
    monkeypatch.setattr(webbrowser, "open", lambda url: follow_redirects(url) or True)


def connect(cli, db, intuit, *extra: str):
    result = cli("--db", db, "connect", "--env", "intuit-sandbox", "--base-url",
                 intuit.base_url, "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
                 *extra)
    assert result.code == 0, result.err
    return result


@pytest.fixture
def team(cli, team_db, intuit):
    """A demo team store connected to 'Intuit' by this computer (its keychain: memory)."""
    assert cli("--db", team_db, "init", "--demo").code == 0
    connect(cli, team_db, intuit)
    return team_db


def row_of(db):
    store = open_store(resolve_db_url(db))
    try:
        return service.connection(store)
    finally:
        store.close()


def stored_tokens(db, key: CompanyKey) -> TokenSet:
    store = open_store(resolve_db_url(db))
    try:
        return shared.SharedTokenStore(store, key).load()
    finally:
        store.close()


def issued_refreshes(intuit) -> int:
    """Refresh tokens the sandbox ever issued (one at connect, one per refresh)."""
    return len(intuit.oauth.data["refresh"])


def test_a_company_key_reads_back_and_opens_only_what_it_sealed():
    key = CompanyKey.new()
    assert CompanyKey.parse(f"  {key.text()}\n") == key
    assert key.text() not in repr(key) and key.text().startswith("syncdesk-key.")
    sealed = seal(key, "the refresh token", "tokens", "123")
    assert "refresh" not in sealed
    assert unseal(key, sealed, "tokens", "123") == "the refresh token"
    assert seal(key, "the refresh token", "tokens", "123") != sealed  # a fresh nonce each time
    assert unseal(CompanyKey.new(), sealed, "tokens", "123") is None  # another key
    assert unseal(key, sealed, "client-secret", "123") is None  # moved to another field
    assert unseal(key, sealed, "tokens", "456") is None  # moved to another company
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    assert unseal(key, tampered, "tokens", "123") is None
    for bad in ("", "syncdesk-key.abc", "syncdesk-key.abc.!!!", "syncdesk-key.abc.AAAA"):
        with pytest.raises(shared.WrongCompanyKey):
            CompanyKey.parse(bad)


def test_a_team_store_keeps_the_connection_sealed_and_the_key_in_the_keychain(
        cli, team_db, intuit, memory_keyring):
    assert cli("--db", team_db, "init", "--demo").code == 0
    result = connect(cli, team_db, intuit)
    assert "team store" in result.out and "syncdesk connection share-key" in result.out
    kept = {name: value for (where, name), value in memory_keyring.items.items()
            if where == keychain.SERVICE}
    assert list(kept) == [f"company-key:{row_of(team_db).shared_key_id}"]  # the key only
    row = row_of(team_db)
    assert row.shared_tokens.startswith("aesgcm1.") and row.local_tokens is None
    assert row.shared_client_secret.startswith("aesgcm1.") and row.local_client_secret is None
    key = CompanyKey.parse(next(iter(kept.values())))
    before = stored_tokens(team_db, key)
    intuit.advance_clock(4000)  # the access token dies: the sync refreshes it
    synced = cli("--db", team_db, "sync", "--json")
    assert synced.code == 0, synced.err
    after = stored_tokens(team_db, key)
    assert after.refresh_token != before.refresh_token  # the rotated one is in the store
    status = json.loads(cli("--db", team_db, "status", "--json").out)["connection"]
    assert status["state"] == "connected" and "warning" not in status
    assert status["company_key"] == "held"
    # the key is shown to hand on, and is the one the keychain holds
    shown = cli("--db", team_db, "connection", "share-key")
    assert shown.code == 0 and shown.out.strip() == key.text()


def test_a_member_without_the_key_is_told_to_ask_for_it_and_nobody_is_logged_out(
        cli, team, memory_keyring):
    key_text = cli("--db", team, "connection", "share-key").out.strip()
    memory_keyring.items.clear()  # a teammate's computer: SyncDesk, the store, no key
    synced = cli("--db", team, "sync")
    assert synced.code == 1
    assert "does not hold" in synced.err and "company key" in synced.err
    assert "syncdesk connection add-key" in synced.err
    assert key_text not in synced.err + synced.out
    status = cli("--db", team, "status", "--json")
    connection = json.loads(status.out)["connection"]
    assert connection["state"] == "connected"  # the team is still connected
    assert "does not hold the company key" in connection["warning"]
    assert connection["company_key"] == "missing"
    assert cli("--db", team, "connection", "share-key").code == 1

    wrong = cli("--db", team, "connection", "add-key", CompanyKey.new().text())
    assert wrong.code == 1 and "does not open" in wrong.err
    garbage = cli("--db", team, "connection", "add-key", "hello")
    assert garbage.code == 1 and "not a SyncDesk company key" in garbage.err
    assert memory_keyring.items == {}  # nothing kept from either
    added = cli("--db", team, "connection", "add-key", key_text)
    assert added.code == 0, added.err
    assert cli("--db", team, "sync").code == 0


def test_a_reconnect_keeps_the_teams_key_unless_this_computer_lacks_it(
        cli, team, intuit, memory_keyring):
    first = row_of(team).shared_key_id
    again = connect(cli, team, intuit)
    assert row_of(team).shared_key_id == first and "new company key" not in again.out
    old_key = cli("--db", team, "connection", "share-key").out.strip()
    memory_keyring.items.clear()  # reconnected from a computer without the key
    fresh = connect(cli, team, intuit)
    assert "new company key" in fresh.out and row_of(team).shared_key_id != first
    memory_keyring.items.clear()
    refused = cli("--db", team, "connection", "add-key", old_key)
    assert refused.code == 1 and "does not open" in refused.err


def test_disconnect_forgets_the_sealed_connection_and_this_computers_key(
        cli, team, memory_keyring):
    done = cli("--db", team, "disconnect")
    assert done.code == 0
    assert "for the whole team" in done.out and "removed from the store" in done.out
    assert "from the keychain too" not in done.out  # the secret was never kept there
    assert row_of(team) is None
    assert [k for (s, k) in memory_keyring.items if s == keychain.SERVICE] == []


def test_a_restore_keeps_the_teams_connection_and_members(cli, team, intuit, tmp_path):
    """A backup's sealed refresh token is dead once Intuit has rotated it (every refresh
    does), and its team is who could open the company then: a restore keeps both as they
    are now, so nobody is signed out and nobody removed since comes back."""
    for login in ("bob", "cy"):
        assert cli("--db", team, "users", "add", login, "--role", "standard").code == 0
    backup = tmp_path / "before.db"
    assert cli("--db", team, "backup", backup).code == 0
    assert cli("--db", team, "users", "remove", "cy").code == 0
    intuit.advance_clock(4000)  # the access token dies: this sync rotates the refresh token
    assert cli("--db", team, "sync").code == 0
    rotated = row_of(team).shared_tokens

    restored = cli("--db", team, "restore", backup)
    assert restored.code == 0, restored.err
    assert row_of(team).shared_tokens == rotated
    intuit.advance_clock(4000)
    synced = cli("--db", team, "sync")
    assert synced.code == 0, synced.err  # still signed in: no reconnect asked
    users = json.loads(cli("--db", team, "users", "--json").out)["team"]
    assert "cy" not in {u["login"] for u in users} and "bob" in {u["login"] for u in users}


def test_a_company_key_in_an_encrypted_file_is_told_as_it_stands(
        cli, team_db, intuit, tmp_path, monkeypatch):
    """No OS keychain: each computer keeps the key in its own encrypted file. A look at the
    status never asks for the passphrase, so it says "locked" rather than guess."""
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv(keychain.PASSPHRASE_VARIABLE, PASSPHRASE)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "computer-a"))
    assert cli("--db", team_db, "init", "--demo").code == 0
    connect(cli, team_db, intuit, "--encrypted-keyring")
    key = cli("--db", team_db, "connection", "share-key").out.strip()

    def connection() -> dict:
        return json.loads(cli("--db", team_db, "status", "--json").out)["connection"]

    assert connection()["company_key"] == "held"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "computer-b"))  # a teammate's
    keychain.forget_unlocked()
    told = connection()
    assert told["company_key"] == "missing" and "company key" in told["warning"]
    assert cli("--db", team_db, "connection", "add-key", key).code == 0
    assert connection()["company_key"] == "held"
    keychain.forget_unlocked()  # a new run, no passphrase given
    monkeypatch.delenv(keychain.PASSPHRASE_VARIABLE)
    told = connection()
    assert told["company_key"] == "locked" and "warning" not in told


# --- racing refreshes ---------------------------------------------------------------------


def race(db, lock_of) -> tuple[list[BaseException | None], TokenSet]:
    """Two SyncDesks (their own token managers and locks) refresh the same expired tokens:
    A has been answered by Intuit but has not saved yet when B refreshes.

    ``lock_of(store, row)`` is what serialises each one's refresh. Returns what each
    raised (None: nothing) and the tokens both started from.
    """
    stores = [open_store(resolve_db_url(db)) for _ in range(2)]
    row = service.connection(stores[0])
    key = shared.held_key(row)
    oauth = service._oauth_for(stores[0], row)
    start = shared.SharedTokenStore(stores[0], key).load()
    a_answered, b_done = threading.Event(), threading.Event()

    def a_refresher(refresh_token: str) -> dict:
        answer = oauth.refresh(refresh_token)
        a_answered.set()
        b_done.wait(2)  # B refreshes now, unless a lock keeps it waiting for A's save
        return answer

    managers = [service._MarkingTokens(store, shared.SharedTokenStore(store, key), refresher,
                                       lock_of(store, row))
                for store, refresher in zip(stores, (a_refresher, oauth.refresh), strict=True)]
    outcome: list[BaseException | None] = [None, None]

    def run(n: int) -> None:
        if n == 1:
            a_answered.wait(10)
        try:
            managers[n].refresh(stale_access_token=start.access_token)
        except NeedsReconnect as exc:
            outcome[n] = exc
        finally:
            if n == 1:
                b_done.set()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for store in stores:
        store.close()
    return outcome, start


def test_unserialised_refreshes_would_log_the_company_out(team, intuit):
    """The race is real: Intuit (and the sandbox) kill a refresh token once it is used, so
    a second SyncDesk refreshing with it meanwhile is refused, and the team logged out."""
    outcome, _ = race(team, lambda store, row: contextlib.nullcontext())
    assert outcome[0] is None and isinstance(outcome[1], NeedsReconnect)
    assert row_of(team).state == "needs_reconnect"


def test_refreshes_serialised_by_the_store_leave_the_company_connected(team, intuit, cli):
    issued = issued_refreshes(intuit)
    outcome, start = race(team, service.refresh_lock)
    assert outcome == [None, None]
    assert issued_refreshes(intuit) == issued + 1  # one refresh reached Intuit; B reused it
    row = row_of(team)
    assert row.state == "connected"
    assert stored_tokens(team, shared.held_key(row)).refresh_token != start.refresh_token
    assert cli("--db", team, "sync", "--pull").code == 0


def test_the_advisory_lock_keeps_out_another_session_until_released(team_db):
    store = open_store(resolve_db_url(team_db))
    try:
        held, other = AdvisoryLock(store.engine, "x"), AdvisoryLock(store.engine, "x")
        entered = threading.Event()

        def wait_for_it() -> None:
            with other:
                entered.set()

        with held:
            waiter = threading.Thread(target=wait_for_it)
            waiter.start()
            assert not entered.wait(0.5)
        assert entered.wait(10)
        waiter.join()
    finally:
        store.close()


CHILD = """
import json, pathlib, sys, time
from app.connection.service import open_client
from app.qbo.transport import RetryPolicy
from app.store.database import open_store
store = open_store(sys.argv[1])
client = open_client(store, policy=RetryPolicy(attempts=3, base_delay=0.01, timeout=10))
pathlib.Path(sys.argv[3]).touch()  # unlocked and ready
deadline = time.monotonic() + 120
while not pathlib.Path(sys.argv[2]).exists() and time.monotonic() < deadline:
    time.sleep(0.001)
print(json.dumps([client.company_info()["CompanyName"] for _ in range(3)]))
"""


def test_two_processes_racing_a_refresh_leave_the_company_connected(
        cli, team_db, intuit, tmp_path, monkeypatch):
    """Two computers of a team (their own data folders, keyrings and lock files) sync at
    the same moment with an expired access token: one refresh, and still connected."""
    keyring.set_keyring(fail.Keyring())  # no OS keychain: each computer's encrypted file
    monkeypatch.setenv(keychain.PASSPHRASE_VARIABLE, PASSPHRASE)
    computers = [tmp_path / "computer-a", tmp_path / "computer-b"]
    monkeypatch.setenv("XDG_DATA_HOME", str(computers[0]))
    assert cli("--db", team_db, "init", "--demo").code == 0
    connect(cli, team_db, intuit, "--encrypted-keyring")
    key = cli("--db", team_db, "connection", "share-key").out.strip()
    monkeypatch.setenv("XDG_DATA_HOME", str(computers[1]))
    added = cli("--db", team_db, "connection", "add-key", key)
    assert added.code == 0, added.err
    for computer in computers:  # each computer's own keyring file holds the key
        locked = (computer / "SyncDesk" / "keyring.cfg").read_bytes()
        assert key.encode() not in locked and b"syncdesk-key" not in locked

    intuit.advance_clock(4000)  # the access token dies (SyncDesk's clock does not know)
    issued = issued_refreshes(intuit)
    go = tmp_path / "go"
    children = []
    for n, computer in enumerate(computers):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(computer)}
        children.append(subprocess.Popen(
            [sys.executable, "-c", CHILD, team_db, str(go), str(tmp_path / f"ready-{n}")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{n}").exists() for n in range(2)):
        assert time.monotonic() < deadline and all(c.poll() is None for c in children), \
            [c.communicate() for c in children]
        time.sleep(0.01)
    go.touch()  # both at once
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert json.loads(out) == ["Larkspur Provisions Co."] * 3

    assert issued_refreshes(intuit) == issued + 1  # exactly one refresh reached Intuit
    status = json.loads(cli("--db", team_db, "status", "--json").out)["connection"]
    assert status["state"] == "connected"
    assert cli("--db", team_db, "sync", "--pull").code == 0  # a further call works
    monkeypatch.setenv("XDG_DATA_HOME", str(computers[0]))
    assert cli("--db", team_db, "sync", "--pull").code == 0  # on both computers
    assert key not in database_text(team_db)


def database_text(db: str) -> str:
    """Every row of every table of a store, as text (what a dump of it would show)."""
    store = open_store(resolve_db_url(db))
    try:
        with store.engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            return "\n".join(str(row) for table in tables
                             for row in connection.execute(text(f'SELECT * FROM "{table}"')))
    finally:
        store.close()
