"""A company whose QuickBooks sign-in is in the encrypted file (no OS keychain): the window
asks for the passphrase once when the company opens, refuses a wrong one at the box, and
once unlocked syncs without asking again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton

from app.qbo import keychain
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from app.services.connection import ConnectOptions
from app.services.opening import open_services
from tests.ui.window_driving import start_sync, wait_sync_done, window_on_store

PASSPHRASE = "a long passphrase, 42"


@pytest.fixture
def locked_company(db_path: Path | str, monkeypatch) -> Iterator[Path | str]:
    """A company connected to an Intuit stand-in with its secrets in the encrypted file,
    as a new run finds it: locked."""
    monkeypatch.delenv(keychain.PASSPHRASE_VARIABLE, raising=False)
    db = db_path
    with SandboxServer(seed="empty", client_id="app-id", client_secret="app-secret") as intuit:
        services = open_services(str(db), create=True)
        try:
            services.connection.connect(ConnectOptions(
                "production", intuit.base_url, client_id="app-id", client_secret="app-secret",
                encrypted_keyring=True, passphrase=PASSPHRASE), follow_redirects)
        finally:
            services.close()
        keychain.forget_unlocked()
        yield db
    keychain.forget_unlocked()


def dialog(qtbot):
    found: list = []

    def shown() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets()
                    if w.objectName() == "passphraseDialog" and w.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=10000)
    return found[0]


def test_the_window_asks_once_refuses_a_wrong_passphrase_and_then_syncs(qtbot, tmp_path,
                                                                      locked_company):
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = window_on_store(qtbot, locked_company, settings)
    box = dialog(qtbot)
    edit = box.findChild(QLineEdit, "passphraseEdit")
    assert edit.echoMode() == QLineEdit.EchoMode.Password
    edit.setText("wrong horse")
    box.findChild(QPushButton, "unlockButton").click()
    error = box.findChild(QLabel, "passphraseError")
    qtbot.waitUntil(lambda: error.isVisible(), timeout=30000)
    assert "not the passphrase" in error.text() and "wrong horse" not in error.text()
    assert box.isVisible()
    edit.setText(PASSPHRASE)
    box.findChild(QPushButton, "unlockButton").click()
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=30000)
    start_sync(qtbot, window)
    wait_sync_done(qtbot, window)
    assert window.last_error is None, window.last_error and window.last_error.text()
    assert "stopped" not in window.last_sync.text()


def test_a_sync_stopped_by_the_locked_file_asks_and_syncs_again_once_unlocked(
        qtbot, tmp_path, locked_company):
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = window_on_store(qtbot, locked_company, settings)
    box = dialog(qtbot)
    box.reject()  # not now
    start_sync(qtbot, window)
    wait_sync_done(qtbot, window)
    box = dialog(qtbot)  # the sync needed it: asked again, not an error box
    assert window.last_error is None
    box.findChild(QLineEdit, "passphraseEdit").setText(PASSPHRASE)
    with qtbot.waitSignal(window.sync_finished, timeout=60000) as finished:
        box.findChild(QPushButton, "unlockButton").click()
    assert not isinstance(finished.args[0], BaseException)
