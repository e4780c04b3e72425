"""A team's company key in the window (issue 17): the member who connected copies it from
File → QuickBooks; a teammate whose computer lacks it is told so when a sync stops, adds
it from the error box, and syncs. A real PostgreSQL store, the sandbox standing in for
Intuit, an in-memory keychain."""

from __future__ import annotations

import webbrowser
from contextlib import contextmanager
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPushButton

from app.connection.shared import CompanyKey
from app.qbo import keychain
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from tests import postgres
from tests.conftest import need_postgres
from tests.qbo.conftest import MemoryKeyring, memory_keyring  # noqa: F401  (fixture)
from tests.ui.window_driving import start_sync, wait_sync_done, window_on_store
from ui import company_key
from ui.company_key import ADDED, COPIED

CLIENT_ID = "AB-team-window-client-id-07"
CLIENT_SECRET = "team-window-Intuit-secret-99"
PASSPHRASE = "a long passphrase, 42"
WAIT = 30000


@contextmanager
def connected_team(request, cli, *extra: str):
    """A demo team store connected to 'Intuit' from this computer: its URL."""
    with postgres.new_database(need_postgres(request)) as url, \
            SandboxServer(seed="demo", client_id=CLIENT_ID,
                          client_secret=CLIENT_SECRET) as intuit:
        assert cli("--db", url, "init", "--demo").code == 0
        connected = cli("--db", url, "connect", "--env", "intuit-sandbox", "--base-url",
                        intuit.base_url, "--client-id", CLIENT_ID, "--client-secret",
                        CLIENT_SECRET, *extra)
        assert connected.code == 0, connected.err
        yield url


@pytest.fixture
def team(request, cli, monkeypatch, memory_keyring):  # noqa: F811
    """A demo team store connected to 'Intuit' from this computer (its OS keychain)."""
    monkeypatch.setattr(webbrowser, "open", lambda url: follow_redirects(url) or True)
    with connected_team(request, cli) as url:
        yield url


@pytest.fixture
def team_in_a_file(request, cli, monkeypatch, tmp_path, memory_keyring):  # noqa: F811
    """A demo team store connected from a computer without an OS keychain, with
    --encrypted-keyring (the company key in that computer's encrypted file)."""
    monkeypatch.setattr(webbrowser, "open", lambda url: follow_redirects(url) or True)
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "admin"))
    monkeypatch.setenv(keychain.PASSPHRASE_VARIABLE, PASSPHRASE)
    with connected_team(request, cli, "--encrypted-keyring") as url:
        yield url
    keychain.forget_unlocked()


def another_computer(monkeypatch, tmp_path, backend) -> None:
    """This process as a teammate's computer: its data folder, ``backend`` as its keychain,
    no passphrase given, nothing unlocked."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "member"))
    monkeypatch.delenv(keychain.PASSPHRASE_VARIABLE, raising=False)
    keyring.set_keyring(backend)
    keychain.forget_unlocked()


def passphrase_box():
    return next((w for w in QApplication.topLevelWidgets()
                 if w.objectName() == "passphraseDialog" and w.isVisible()), None)


@pytest.fixture
def open_window(qtbot, tmp_path: Path):
    opened = []

    def make(url: str):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = window_on_store(qtbot, url, settings)
        opened.append(window)
        menu = window.connection_menu
        qtbot.waitUntil(lambda: menu.health is not None, timeout=WAIT)
        return window

    yield make
    for window in opened:
        window.close()


def test_the_member_who_connected_copies_the_key_and_never_sees_it(
        qtbot, team, cli, open_window, monkeypatch):
    monkeypatch.setattr(company_key, "CLIPBOARD_MS", 300)  # two minutes in use
    key = cli("--db", team, "connection", "share-key").out.strip()
    window = open_window(team)
    menu = window.connection_menu
    assert menu.health.company_key == "held"
    assert menu.copy_key_action.isEnabled() and not menu.add_key_action.isEnabled()
    QGuiApplication.clipboard().clear()
    menu.copy_key_action.trigger()
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == key, timeout=WAIT)
    assert window.statusBar().currentMessage() == COPIED
    assert key not in COPIED
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=WAIT)


def test_a_teammate_without_the_key_adds_it_from_the_sync_error_and_syncs(
        qtbot, team, cli, open_window, memory_keyring):  # noqa: F811
    key = cli("--db", team, "connection", "share-key").out.strip()
    memory_keyring.items.clear()  # a teammate's computer: the store, no company key
    window = open_window(team)
    menu = window.connection_menu
    assert menu.health.company_key == "missing"
    assert menu.add_key_action.isEnabled() and not menu.copy_key_action.isEnabled()
    assert "company key" in window.company.toolTip()

    start_sync(qtbot, window)
    wait_sync_done(qtbot, window)
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=WAIT)
    box: QMessageBox = window.last_error
    assert "company key" in box.text() and key not in box.text()
    button = box.findChild(QPushButton, "errorAddCompanyKeyButton")
    assert button is not None
    button.click()  # the error box closes, the key's box opens
    dialog = menu.key.dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=WAIT)

    dialog.edit.setText(CompanyKey.new().text())  # somebody else's key
    dialog.add_button.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=WAIT)
    assert "does not open" in dialog.error.text()
    assert memory_keyring.items == {}  # nothing kept

    dialog.edit.setText(key)
    dialog.add_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert window.statusBar().currentMessage() == ADDED
    qtbot.waitUntil(lambda: menu.health.company_key == "held", timeout=WAIT)
    assert menu.copy_key_action.isEnabled() and not menu.add_key_action.isEnabled()
    assert key not in window.statusBar().currentMessage()

    start_sync(qtbot, window)
    wait_sync_done(qtbot, window)
    words = window.last_sync.text()
    assert "stopped" not in words and "synced" in words, words


def test_a_company_without_a_shared_connection_shows_no_key_actions(qtbot, demo_db,
                                                                    open_window):
    """A one-person store, or a team store not connected to Intuit: nothing to hand on."""
    window = open_window(str(demo_db))
    menu = window.connection_menu
    assert menu.health.company_key is None
    assert not menu.copy_key_action.isVisible() and not menu.add_key_action.isVisible()
    assert menu.connect_action.isVisible()


def add_from_the_menu(qtbot, window, key: str):
    menu = window.connection_menu
    assert menu.health.company_key == "missing" and menu.add_key_action.isEnabled()
    menu.add_key_action.trigger()
    dialog = menu.key.dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=WAIT)
    dialog.edit.setText(key)
    dialog.add_button.click()
    return dialog


def sync_in(qtbot, window) -> None:
    start_sync(qtbot, window)
    wait_sync_done(qtbot, window)
    assert window.last_error is None, window.last_error and window.last_error.text()
    words = window.last_sync.text()
    assert "stopped" not in words and "synced" in words, words


def test_a_teammate_with_an_os_keychain_adds_the_key_without_a_passphrase(
        qtbot, team_in_a_file, cli, open_window, monkeypatch, tmp_path):
    """The member who connected used the encrypted keyring; this computer has an OS
    keychain: the key goes there, and no passphrase is asked, ever."""
    key = cli("--db", team_in_a_file, "connection", "share-key").out.strip()
    member = MemoryKeyring()
    another_computer(monkeypatch, tmp_path, member)
    window = open_window(team_in_a_file)
    dialog = add_from_the_menu(qtbot, window, key)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert window.statusBar().currentMessage() == ADDED
    assert passphrase_box() is None
    assert [name for (_, name) in member.items] == [f"company-key:{key.split('.')[1]}"]
    qtbot.waitUntil(lambda: window.connection_menu.health.company_key == "held", timeout=WAIT)
    sync_in(qtbot, window)
    assert passphrase_box() is None
    assert not (tmp_path / "member" / "SyncDesk" / "keyring.cfg").exists()


def test_a_teammate_without_an_os_keychain_adds_the_key_with_a_passphrase(
        qtbot, team, cli, open_window, monkeypatch, tmp_path):
    """The member who connected used their OS keychain; this computer has none: adding
    the key asks for the passphrase of this computer's encrypted file, and keeps it there."""
    key = cli("--db", team, "connection", "share-key").out.strip()
    another_computer(monkeypatch, tmp_path, fail.Keyring())
    window = open_window(team)
    dialog = add_from_the_menu(qtbot, window, key)
    qtbot.waitUntil(lambda: passphrase_box() is not None, timeout=WAIT)
    box = passphrase_box()
    box.findChild(QLineEdit, "passphraseEdit").setText(PASSPHRASE)
    box.findChild(QPushButton, "unlockButton").click()
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)  # added once unlocked
    assert window.statusBar().currentMessage() == ADDED
    qtbot.waitUntil(lambda: window.connection_menu.health.company_key == "held", timeout=WAIT)
    kept = (tmp_path / "member" / "SyncDesk" / "keyring.cfg").read_text()
    assert key not in kept and key.split(".")[2] not in kept
    sync_in(qtbot, window)
    keychain.forget_unlocked()


def test_connecting_again_with_the_key_in_a_locked_file_asks_its_passphrase_and_keeps_it(
        qtbot, team_in_a_file, monkeypatch, tmp_path):
    """The admin's computer keeps the team's key in its encrypted file (and now has an OS
    keychain as well): connecting again from the window first asks for that file's
    passphrase (before any sign-in), and the team's key stays the one teammates hold."""
    from tests.qbo.test_shared_connection import row_of

    before = row_of(team_in_a_file)
    monkeypatch.delenv(keychain.PASSPHRASE_VARIABLE)  # a new run: nothing unlocked
    keychain.forget_unlocked()
    keyring.set_keyring(MemoryKeyring())  # an OS keychain now, the key still in the file
    window = window_on_store(qtbot, team_in_a_file, QSettings(
        str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    try:
        menu = window.connection_menu
        qtbot.waitUntil(lambda: menu.health is not None, timeout=WAIT)
        qtbot.waitUntil(menu.reconnect_action.isEnabled, timeout=WAIT)
        menu.reconnect_action.trigger()  # as it was connected: the same keys and server
        dialog = window.connect_dialog
        assert dialog.server == before.base_url
        dialog.open_browser = follow_redirects
        dialog.client_secret.setText(CLIENT_SECRET)
        dialog.connect_button.click()
        qtbot.waitUntil(lambda: dialog.keyring_box.isVisibleTo(dialog), timeout=WAIT)
        assert "passphrase" in dialog.status.text() and "new key" in dialog.status.text()
        assert row_of(team_in_a_file).shared_key_id == before.shared_key_id
        dialog.passphrase.setText(PASSPHRASE)
        dialog.passphrase_again.setText(PASSPHRASE)
        with qtbot.waitSignal(dialog.connected, timeout=60000):
            dialog.keyring_button.click()
        assert row_of(team_in_a_file).shared_key_id == before.shared_key_id
    finally:
        window.close()
