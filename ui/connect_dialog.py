"""Connect a company to QuickBooks Online: where to, then sign in (in the browser for
Intuit; by itself for a local SyncDesk sandbox). The sign-in runs as a background task
(``services.connection.connect``), with its progress said and a Cancel that stops the
wait; the dialog never blocks the window (it is opened with ``open``, not ``exec``).

Production keys send the sign-in to the firm's https redirect page (``redirectPageEdit``,
remembered), which hands it on to SyncDesk; where it cannot, the user pastes the address
the browser ended on (``pasteAddressEdit``) while SyncDesk waits. Without an OS keychain
the dialog offers the encrypted file keyring (a passphrase typed twice) and connects
again with it.
"""

from __future__ import annotations

import shutil
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import KeyringLocked, UserError
from app.hints import plain
from app.services import Services
from app.services.connection import (
    PASSPHRASE_VARIABLE,
    Browser,
    ConnectOptions,
    KeychainMissing,
    PastedAddress,
)
from app.work import Cancelled, Progress
from ui.resources import resource_path
from ui.workers import Tasks

# environmentCombo's items: (text, environment)
ENVIRONMENTS = (("QuickBooks Online (your company)", "production"),
                ("Intuit's developer sandbox", "intuit-sandbox"),
                ("A local SyncDesk sandbox", "local"))

#: Gives the services of the company to connect (opening or creating its store) and
#: whether they are the dialog's own (closed if connecting fails); runs in the task.
Target = Callable[[], tuple[Services, bool]]

# Remembered between connects (never a secret).
ENVIRONMENT_KEY = "connect/environment"
BASE_URL_KEY = "connect/baseUrl"
CLIENT_ID_KEY = "connect/clientId"
REDIRECT_PAGE_KEY = "connect/redirectPage"

SIGN_IN_WORDS = ("SyncDesk opens QuickBooks' sign-in page in your browser; your password "
                 "stays with Intuit.")
REDIRECT_HELP = ("Production keys: the https address of SyncDesk's redirect page on your "
                 "firm's website, registered with your Intuit app (Save a copy of the page… "
                 "gives the file to put there). Intuit's sandbox keys may leave it empty.")
PASTE_HELP = ("If the browser cannot hand the sign-in back to SyncDesk, paste the address "
              "your browser ended on here while SyncDesk waits.")
NO_KEYCHAIN = ("This computer has no OS keychain (or it is locked), so SyncDesk cannot keep "
               "the QuickBooks sign-in there and did not start connecting. Keep it in an "
               "encrypted file instead, below; or install and unlock a keychain (Linux: GNOME "
               "Keyring or KWallet) and connect again.")
KEYRING_HELP = ("SyncDesk can keep the QuickBooks sign-in in a file on this computer, "
                "encrypted with a passphrase you choose. SyncDesk asks for the passphrase "
                "again each time it starts, or takes it from the environment variable "
                f"{PASSPHRASE_VARIABLE}. Nobody can recover a forgotten passphrase: you would "
                "connect again.")


def _named(widget: QWidget, name: str, accessible: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


class ConnectDialog(QDialog):
    connected = Signal(object, object)  # the services, the ConnectReport

    def __init__(self, tasks: Tasks, target: Target, parent: QWidget | None = None, *,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent, objectName="connectDialog")
        self.setWindowTitle("Connect to QuickBooks")
        self.setAccessibleName("Connect to QuickBooks")
        self._tasks = tasks
        self._target = target
        self._settings = settings
        self._task: Any = None
        self._pasted: PastedAddress | None = None
        #: Opens the sign-in page (None: the system browser for Intuit, SyncDesk itself for
        #: a local sandbox).
        self.open_browser: Browser | None = None
        #: Another server standing in for Intuit (as ``syncdesk connect --base-url``).
        self.server: str | None = None
        self.environment = QComboBox(self)
        _named(self.environment, "environmentCombo", "Connect to")
        for text, _env in ENVIRONMENTS:
            self.environment.addItem(text)
        self.base_url = QLineEdit(self)
        _named(self.base_url, "baseUrlEdit", "Sandbox address")
        self.base_url.setPlaceholderText("http://127.0.0.1:PORT")
        self.base_url.setToolTip("The address `syncdesk sandbox` prints")
        self.client_id = QLineEdit(self)
        _named(self.client_id, "clientIdEdit", "Intuit app's client id")
        self.client_secret = QLineEdit(self)
        _named(self.client_secret, "clientSecretEdit", "Client secret")
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_secret.setToolTip("Kept in the OS keychain after connecting; leave it "
                                      "empty to use the one kept there")
        self.redirect_page = QLineEdit(self)
        _named(self.redirect_page, "redirectPageEdit", "Redirect page")
        self.redirect_page.setPlaceholderText("https://yourfirm.example/syncdesk/redirect.html")
        self.redirect_page.setToolTip(REDIRECT_HELP)
        self.redirect_help = QLabel(REDIRECT_HELP, self)
        _named(self.redirect_help, "redirectPageHelp", "About the redirect page")
        self.redirect_help.setWordWrap(True)
        self.status = QLabel(SIGN_IN_WORDS, self)
        _named(self.status, "connectStatus", "Connecting")
        self.status.setWordWrap(True)
        redirect = QWidget(self)
        redirect_column = QVBoxLayout(redirect)
        redirect_column.setContentsMargins(0, 0, 0, 0)
        redirect_column.addWidget(self.redirect_page)
        redirect_column.addWidget(self.redirect_help)
        self.save_page_button = QPushButton("Save a copy of the page…", redirect)
        _named(self.save_page_button, "savePageButton", "Save a copy of the redirect page")
        self.save_page_button.clicked.connect(lambda: self.save_page())
        redirect_column.addWidget(self.save_page_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.form = form = QFormLayout()
        form.addRow("Connect to", self.environment)
        form.addRow("Sandbox address", self.base_url)
        form.addRow("Intuit app's client id", self.client_id)
        form.addRow("Client secret", self.client_secret)
        form.addRow("Redirect page (https)", redirect)
        self._intuit_rows: tuple[QWidget, ...] = (self.client_id, self.client_secret, redirect)
        self.paste_box = self._paste_box()
        self.keyring_box = self._keyring_box()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.connect_button = self.buttons.addButton(
            "Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        _named(self.connect_button, "connectButton", "Connect")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        _named(self.cancel_button, "connectCancelButton", "Cancel")
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.stop)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.paste_box)
        layout.addWidget(self.keyring_box)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(580)
        self._remembered()
        self.environment.currentIndexChanged.connect(self._fields)
        self._fields()

    def save_page(self, target: Path | None = None) -> Path | None:
        """Copy SyncDesk's redirect page to ``target`` (asked for when None), for the firm
        to put on its https site; says where it went, or why it could not."""
        if target is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Save SyncDesk's redirect page",
                                                    "redirect.html", "Web pages (*.html)")
            if not chosen:
                return None
            target = Path(chosen)
        try:
            shutil.copyfile(resource_path("oauth", "redirect.html"), target)
        except OSError as exc:
            self.status.setText(f"Could not save the redirect page at {target}: "
                                f"{exc.strerror or exc}.")
            return None
        self.status.setText(f"Saved the redirect page at {target}. Put it on your firm's "
                            "https website and register its address with your Intuit app.")
        return target

    def _paste_box(self) -> QGroupBox:
        box = QGroupBox("Paste the address your browser ended on", self)
        _named(box, "pasteBox", "Paste the address your browser ended on")
        help_label = QLabel(PASTE_HELP, box)
        help_label.setWordWrap(True)
        self.paste_address = QLineEdit(box)
        _named(self.paste_address, "pasteAddressEdit", "The address your browser ended on")
        self.paste_address.setPlaceholderText("https://…?code=…&state=…&realmId=…")
        self.paste_button = QPushButton("Use this address", box)
        _named(self.paste_button, "pasteButton", "Use this address")
        self.paste_button.clicked.connect(self.paste)
        self.paste_address.returnPressed.connect(self.paste)
        row = QHBoxLayout()
        row.addWidget(self.paste_address, 1)
        row.addWidget(self.paste_button)
        column = QVBoxLayout(box)
        column.addWidget(help_label)
        column.addLayout(row)
        return box

    def _keyring_box(self) -> QGroupBox:
        box = QGroupBox("Keep the sign-in in an encrypted file", self)
        _named(box, "encryptedKeyringBox", "Keep the sign-in in an encrypted file")
        help_label = QLabel(KEYRING_HELP, box)
        help_label.setWordWrap(True)
        self.passphrase = QLineEdit(box)
        _named(self.passphrase, "passphraseEdit", "Passphrase")
        self.passphrase_again = QLineEdit(box)
        _named(self.passphrase_again, "passphraseAgainEdit", "Passphrase again")
        for edit in (self.passphrase, self.passphrase_again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.keyring_button = QPushButton("Use the encrypted file and connect", box)
        _named(self.keyring_button, "encryptedKeyringButton",
               "Use the encrypted file and connect")
        self.keyring_button.clicked.connect(self.use_encrypted_keyring)
        form = QFormLayout()
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Passphrase again", self.passphrase_again)
        column = QVBoxLayout(box)
        column.addWidget(help_label)
        column.addLayout(form)
        column.addWidget(self.keyring_button)
        box.setVisible(False)
        return box

    # --- the fields ---------------------------------------------------------------------

    def choose(self, environment: str) -> None:
        self.environment.setCurrentIndex(
            next(i for i, (_t, env) in enumerate(ENVIRONMENTS) if env == environment))

    def _environment(self) -> str:
        return ENVIRONMENTS[self.environment.currentIndex()][1]

    def _remembered(self) -> None:
        if self._settings is None:
            return
        environment = str(self._settings.value(ENVIRONMENT_KEY, "") or "")
        if any(env == environment for _t, env in ENVIRONMENTS):
            self.choose(environment)
        self.base_url.setText(str(self._settings.value(BASE_URL_KEY, "") or ""))
        self.client_id.setText(str(self._settings.value(CLIENT_ID_KEY, "") or ""))
        self.redirect_page.setText(str(self._settings.value(REDIRECT_PAGE_KEY, "") or ""))

    def _remember(self, options: ConnectOptions) -> None:
        if self._settings is None:
            return
        self._settings.setValue(ENVIRONMENT_KEY, options.environment)
        if options.local and options.base_url:
            self._settings.setValue(BASE_URL_KEY, options.base_url)
        if not options.local:
            self._settings.setValue(CLIENT_ID_KEY, options.client_id or "")
            self._settings.setValue(REDIRECT_PAGE_KEY, options.redirect_page or "")

    def _fields(self) -> None:
        """Only the fields of the chosen environment show."""
        local = self._environment() == "local"
        self.form.setRowVisible(self.base_url, local)
        for widget in self._intuit_rows:
            self.form.setRowVisible(widget, not local)
        self.paste_box.setVisible(not local)
        self.keyring_box.setVisible(False)
        self._waiting(False)
        self._fit()

    def _fit(self) -> None:
        """Grow or shrink to what shows (never narrower than the minimum)."""
        layout = self.layout()
        layout.activate()
        width = max(self.width(), self.minimumWidth())
        height = (layout.totalHeightForWidth(width) if layout.hasHeightForWidth()
                  else self.sizeHint().height())
        self.resize(width, max(height, self.minimumSizeHint().height()))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit()

    def _waiting(self, on: bool) -> None:
        """The paste field takes an address only while a browser sign-in waits."""
        self.paste_address.setEnabled(on)
        self.paste_button.setEnabled(on)

    def options(self, *, encrypted_keyring: bool = False,
                passphrase: str | None = None) -> ConnectOptions:
        local = self._environment() == "local"
        base_url = (self.base_url.text().strip() or None) if local else self.server
        return ConnectOptions(self._environment(), base_url=base_url,
                              client_id=None if local else self.client_id.text().strip() or None,
                              client_secret=None if local
                              else self.client_secret.text() or None,
                              encrypted_keyring=encrypted_keyring, passphrase=passphrase,
                              redirect_page=None if local
                              else self.redirect_page.text().strip() or None)

    # --- connecting ---------------------------------------------------------------------

    def start(self, *, encrypted_keyring: bool = False, passphrase: str | None = None) -> None:
        """Sign in, in the background."""
        if self._task is not None:
            return
        options = self.options(encrypted_keyring=encrypted_keyring, passphrase=passphrase)
        target = self._target
        browser = self.open_browser or (None if options.local else webbrowser.open)
        pasted = self._pasted = PastedAddress()
        self._remember(options)

        def job(progress: Any, cancel: Any) -> tuple[Services, Any]:
            services, own = target()
            try:
                return services, services.connection.connect(
                    options, browser, on_progress=progress, cancel=cancel, pasted=pasted)
            except BaseException:
                if own:
                    services.close()
                raise

        self.connect_button.setEnabled(False)
        if self.keyring_box.isVisible():
            self.keyring_box.setVisible(False)
            self.paste_box.setVisible(not options.local)
            self._fit()
        self.paste_address.clear()
        self._waiting(browser is not None)
        self.status.setText("Connecting…")
        self._task = self._tasks.start(job, "connect", on_progress=self._progress,
                                       on_success=self._done, on_failure=self._failed)

    def paste(self) -> None:
        """Hand the pasted address to the waiting sign-in (it checks the state)."""
        address = self.paste_address.text().strip()
        if self._task is None or self._pasted is None or not address:
            return
        self._pasted.paste(address)
        self._waiting(False)
        self.status.setText("Checking the address you pasted…")

    def use_encrypted_keyring(self) -> None:
        """Connect again, keeping the secrets in the passphrase-locked file."""
        first, again = self.passphrase.text(), self.passphrase_again.text()
        if not first.strip():
            self.status.setText("Type a passphrase for the encrypted file, twice.")
            return
        if first != again:
            self.status.setText("The two passphrases differ; type the same one twice.")
            return
        self.passphrase.clear()
        self.passphrase_again.clear()
        self.start(encrypted_keyring=True, passphrase=first)

    def stop(self) -> None:
        """Cancel: stop waiting for the sign-in (nothing is kept), or just close."""
        if self._task is not None:
            self._task.cancel()
            self.status.setText("Stopping…")
        else:
            self.reject()

    def _progress(self, p: Progress) -> None:
        if p.current:
            self.status.setText(p.current[:1].upper() + p.current[1:])

    def _done(self, answer: tuple[Services, Any]) -> None:
        self._task = None
        self._pasted = None
        self.client_secret.clear()
        services, report = answer
        self.connected.emit(services, report)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self._pasted = None
        self.paste_address.clear()  # it held a one-time code
        self._waiting(False)
        self.connect_button.setEnabled(True)
        if isinstance(error, Cancelled):
            self.status.setText("Not connected: you stopped the sign-in.")
        elif isinstance(error, UserError):
            self.status.setText(error.words(plain))
            if isinstance(error, (KeychainMissing, KeyringLocked)):
                # no OS keychain: offer the file; a team's key in the locked file: its
                # passphrase opens it (the key is kept, not made anew)
                if isinstance(error, KeychainMissing):
                    self.status.setText(NO_KEYCHAIN)
                self.paste_box.setVisible(False)
                self.keyring_box.setVisible(True)
                self._fit()
                self.keyring_button.setDefault(True)  # Enter: the encrypted file
                self.passphrase.setFocus()
        else:
            self.status.setText("Connecting failed unexpectedly; the details are in "
                                "SyncDesk's log file.")
