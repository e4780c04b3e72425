"""Each computer of a team keeps the company key where it can (issue 17): its OS keychain
when one is usable there, else its encrypted keyring file with a passphrase — whatever
the member who connected QuickBooks chose for theirs.

Real PostgreSQL stores, the sandbox standing in for Intuit, real encrypted files (one data
folder per "computer"); an OS keychain is the in-memory one, its absence keyring's "fail"
backend, as in the other keychain tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from app.commands import connection as connect_command
from app.connection import service
from app.qbo import keychain
from app.store.database import open_store, resolve_db_url
from tests.qbo.conftest import MemoryKeyring
from tests.qbo.test_shared_connection import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSPHRASE,
    _signs_in,  # noqa: F401  (autouse fixture)
    connect,
    database_text,
    intuit,  # noqa: F401  (fixture)
    row_of,
    team_db,  # noqa: F401  (fixture)
)


class Computers:
    """Switches this process between the team's computers: each has its own data folder
    (its encrypted file), its own keychain (or none), and starts a new run."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch

    def use(self, name: str, backend: KeyringBackend, passphrase: str | None = None) -> None:
        self.monkeypatch.setenv("XDG_DATA_HOME", str(self.folder(name)))
        keyring.set_keyring(backend)
        keychain.forget_unlocked()
        if passphrase is None:
            self.monkeypatch.delenv(keychain.PASSPHRASE_VARIABLE, raising=False)
        else:
            self.monkeypatch.setenv(keychain.PASSPHRASE_VARIABLE, passphrase)

    def folder(self, name: str) -> Path:
        return self.tmp_path / name

    def keyring_file(self, name: str) -> Path:
        return self.folder(name) / "SyncDesk" / "keyring.cfg"


@pytest.fixture
def computers(tmp_path, monkeypatch) -> Computers:
    return Computers(tmp_path, monkeypatch)


def company_key(cli, db) -> dict:
    status = cli("--db", db, "status", "--json")
    assert status.code == 0, status.err
    return json.loads(status.out)["connection"]


def needs_passphrase(db) -> bool:
    store = open_store(resolve_db_url(db))
    try:
        return service.needs_passphrase(store)
    finally:
        store.close()


def kept_in(backend: MemoryKeyring) -> list[str]:
    return [name for (where, name) in backend.items if where == keychain.SERVICE]


def test_a_member_with_an_os_keychain_keeps_the_key_there_though_the_admin_used_a_file(
        cli, team_db, intuit, computers):  # noqa: F811
    """The admin's computer has no OS keychain and connected with --encrypted-keyring; a
    teammate's computer has one: the key goes there, and no passphrase is ever needed."""
    computers.use("admin", fail.Keyring(), PASSPHRASE)
    assert cli("--db", team_db, "init", "--demo").code == 0
    connect(cli, team_db, intuit, "--encrypted-keyring")
    key = cli("--db", team_db, "connection", "share-key").out.strip()
    assert row_of(team_db).keychain == keychain.ENCRYPTED_FILE

    member = MemoryKeyring()
    computers.use("member", member)  # an OS keychain, no passphrase anywhere
    assert company_key(cli, team_db)["company_key"] == "missing"
    assert not needs_passphrase(team_db)
    added = cli("--db", team_db, "connection", "add-key", key)
    assert added.code == 0, added.err
    assert "keychain" in added.out and "encrypted" not in added.out
    assert kept_in(member) == [f"company-key:{row_of(team_db).shared_key_id}"]
    assert not computers.keyring_file("member").exists()  # no file made, none asked for

    computers.use("member", member)  # a new run
    told = company_key(cli, team_db)
    assert told["company_key"] == "held" and "warning" not in told
    assert not needs_passphrase(team_db)
    synced = cli("--db", team_db, "sync", "--json")
    assert synced.code == 0, synced.err
    assert cli("--db", team_db, "connection", "share-key").out.strip() == key

    computers.use("admin", fail.Keyring())  # the admin's own computer: still the file
    assert company_key(cli, team_db)["company_key"] == "locked"
    assert needs_passphrase(team_db)
    computers.use("admin", fail.Keyring(), PASSPHRASE)
    assert company_key(cli, team_db)["company_key"] == "held"
    assert cli("--db", team_db, "sync", "--pull").code == 0


def test_a_member_without_an_os_keychain_keeps_the_key_in_a_file_though_the_admin_did_not(
        cli, team_db, intuit, computers, memory_keyring):  # noqa: F811
    """The admin connected with their OS keychain; a teammate's computer has none: the key
    goes to that computer's encrypted file, and its passphrase unlocks it there."""
    computers.use("admin", memory_keyring)
    assert cli("--db", team_db, "init", "--demo").code == 0
    connect(cli, team_db, intuit)
    key = cli("--db", team_db, "connection", "share-key").out.strip()
    assert row_of(team_db).keychain == "os"

    computers.use("member", fail.Keyring())
    refused = cli("--db", team_db, "connection", "add-key", key)  # no passphrase given
    assert refused.code == 1 and "passphrase" in refused.err and key not in refused.err
    computers.use("member", fail.Keyring(), PASSPHRASE)
    added = cli("--db", team_db, "connection", "add-key", key)
    assert added.code == 0, added.err
    assert "encrypted keyring file" in added.out
    locked = computers.keyring_file("member").read_bytes()
    assert key.encode() not in locked and b"syncdesk-key" not in locked
    told = company_key(cli, team_db)
    assert told["company_key"] == "held" and "warning" not in told
    synced = cli("--db", team_db, "sync", "--json")
    assert synced.code == 0, synced.err

    computers.use("member", fail.Keyring())  # a new run, no passphrase given
    told = company_key(cli, team_db)
    assert told["company_key"] == "locked" and "warning" not in told
    assert needs_passphrase(team_db)
    stopped = cli("--db", team_db, "sync", "--pull")
    assert stopped.code == 1 and "passphrase" in stopped.err

    computers.use("admin", memory_keyring)  # the admin's computer needs no passphrase
    assert company_key(cli, team_db)["company_key"] == "held"
    assert not needs_passphrase(team_db)
    assert cli("--db", team_db, "sync", "--pull").code == 0
    assert key not in database_text(team_db)


def test_an_admin_who_chose_the_encrypted_file_keeps_the_key_there_despite_a_keychain(
        cli, team_db, intuit, computers, memory_keyring):  # noqa: F811
    """--encrypted-keyring decides where the connecting admin's own computer keeps the new
    key, even with an OS keychain at hand: the passphrase is then needed there."""
    computers.use("admin", memory_keyring, PASSPHRASE)
    assert cli("--db", team_db, "init", "--demo").code == 0
    connect(cli, team_db, intuit, "--encrypted-keyring")
    assert kept_in(memory_keyring) == []
    assert computers.keyring_file("admin").exists()
    computers.use("admin", memory_keyring)
    assert company_key(cli, team_db)["company_key"] == "locked"
    assert needs_passphrase(team_db)
    computers.use("admin", memory_keyring, PASSPHRASE)
    assert company_key(cli, team_db)["company_key"] == "held"
    assert not needs_passphrase(team_db)


def test_a_key_kept_in_a_file_before_is_still_found_and_a_stray_file_asks_nothing(
        cli, team_db, intuit, computers, memory_keyring):  # noqa: F811
    """A computer with an OS keychain whose file holds the key (kept there before each
    computer chose for itself) still syncs with the passphrase; added again, the key goes
    to the keychain and the passphrase is needed no more. A file without the key (another
    store's) is never a reason to ask."""
    computers.use("admin", memory_keyring)
    assert cli("--db", team_db, "init", "--demo").code == 0
    connect(cli, team_db, intuit)
    key = cli("--db", team_db, "connection", "share-key").out.strip()
    key_id = row_of(team_db).shared_key_id

    member = MemoryKeyring()
    computers.use("member", member)
    keychain.use_encrypted_file(PASSPHRASE)  # a file with another store's secret in it
    keyring.set_password(keychain.SERVICE, "company-key:0123456789ab", "another store's")
    computers.use("member", member)
    assert company_key(cli, team_db)["company_key"] == "missing"  # not "locked"
    assert not needs_passphrase(team_db)

    keychain.use_encrypted_file(PASSPHRASE)  # how an earlier SyncDesk kept it
    keyring.set_password(keychain.SERVICE, f"company-key:{key_id}", key)
    computers.use("member", member)
    assert company_key(cli, team_db)["company_key"] == "locked"
    assert needs_passphrase(team_db)
    computers.use("member", member, PASSPHRASE)
    assert company_key(cli, team_db)["company_key"] == "held"
    assert cli("--db", team_db, "sync", "--pull").code == 0

    computers.use("member", member)
    added = cli("--db", team_db, "connection", "add-key", key)
    assert added.code == 0, added.err
    assert kept_in(member) == [f"company-key:{key_id}"]
    computers.use("member", member)  # no passphrase: the keychain has it now
    assert company_key(cli, team_db)["company_key"] == "held"
    assert not needs_passphrase(team_db)
    assert cli("--db", team_db, "sync", "--pull").code == 0

    done = cli("--db", team_db, "disconnect")  # forgets this computer's key, both copies
    assert done.code == 0, done.err
    assert kept_in(member) == []
    assert not keychain.file_has(f"company-key:{key_id}")
    assert keychain.file_has("company-key:0123456789ab")  # the rest of the file stays
    keychain.use_encrypted_file(PASSPHRASE)
    assert keyring.get_password(keychain.SERVICE, "company-key:0123456789ab") == \
        "another store's"


def test_connecting_again_keeps_the_key_in_a_locked_file_and_never_makes_a_new_one(
        cli, team_db, intuit, computers, memory_keyring, monkeypatch):  # noqa: F811
    """The admin kept the key in their encrypted file; connecting again without the file's
    passphrase is refused before any sign-in (a new key would shut every teammate out),
    and with it the team's key stays the same."""
    computers.use("admin", memory_keyring, PASSPHRASE)
    assert cli("--db", team_db, "init", "--demo").code == 0
    made = connect(cli, team_db, intuit, "--encrypted-keyring")
    assert "encrypted keyring file holds" in made.out
    key_id = row_of(team_db).shared_key_id

    computers.use("admin", memory_keyring)  # a new run, no passphrase at hand
    refused = cli("--db", team_db, "connect", "--env", "intuit-sandbox", "--base-url",
                  intuit.base_url, "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET)
    assert refused.code == 1 and "passphrase" in refused.err and "new key" in refused.err
    assert row_of(team_db).shared_key_id == key_id
    assert company_key(cli, team_db)["company_key"] == "locked"

    asked: list[str] = []  # on a terminal, connect asks for the passphrase and goes on
    terminal = connect_command.ask_passphrase
    monkeypatch.setattr(connect_command, "ask_passphrase",
                        lambda: asked.append("asked") or PASSPHRASE)
    typed = connect(cli, team_db, intuit)
    assert asked == ["asked"] and "new company key" not in typed.out
    assert row_of(team_db).shared_key_id == key_id
    monkeypatch.setattr(connect_command, "ask_passphrase", terminal)

    computers.use("admin", memory_keyring, PASSPHRASE)
    again = connect(cli, team_db, intuit)  # without --encrypted-keyring, the passphrase set
    assert "new company key" not in again.out
    assert row_of(team_db).shared_key_id == key_id
    assert company_key(cli, team_db)["company_key"] == "held"
    assert cli("--db", team_db, "sync", "--pull").code == 0
