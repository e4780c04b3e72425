"""File → QuickBooks → Copy company key and Add company key…, for a team store.

A team store (PostgreSQL) keeps its one QuickBooks connection sealed with a company
key that only members' keychains hold (README, "Team mode"). The member who connected
copies the key and hands it on; a teammate adds it once, on each computer, and syncs
(each computer keeps it in its own OS keychain, or its encrypted file where it has none).
Both run in a worker (a keychain may ask the desktop first); a key that does not open
this store's connection is refused under the box and nothing is kept. The key is never
shown in the window: it goes to the clipboard (cleared again after two minutes), and the
box to add one hides what is typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import KeyringLocked, UserError
from app.hints import Action, plain
from ui.secret_dialog import SecretAsk, SecretDialog

if TYPE_CHECKING:
    from ui.window import MainWindow

MESSAGE_MS = 20000
CLIPBOARD_MS = 120_000  # how long the key stays on the clipboard
EXPLAIN = ("This team's QuickBooks connection is locked with a company key, and this "
           "computer does not hold it yet. Ask the teammate who connected (File → "
           "QuickBooks → Copy company key on their computer) and paste it here; it is kept "
           "in this computer's keychain (where it has none: in SyncDesk's encrypted keyring "
           "file, whose passphrase is asked for next).")
COPIED = ("The company key is on the clipboard for two minutes. Give it to your teammate "
          "in person or through your firm's password manager; anyone who holds it and can "
          "open this store can use the QuickBooks connection.")
ADDED = "Company key added: this computer can sync the team's company now."
ADD_BUTTON = "Add company key…"


ASK = SecretAsk(("addCompanyKeyDialog", "companyKeyEdit", "companyKeyError",
                 "addCompanyKeyButton"), "Add the team's company key", EXPLAIN, "Company key",
                "syncdesk-key.…", "Add", "Paste the company key first.")


class AddCompanyKeyDialog(SecretDialog):
    """The box to paste a teammate's company key into; Add checks it in a worker."""

    def __init__(self, parent: QWidget, add: Callable[[str], None]) -> None:
        super().__init__(parent, ASK, lambda text: add(text.strip()))
        self.add_button = self.button


class CompanyKeyActions:
    """Copy and Add for the window's open company; ``on_done`` asks the health again."""

    def __init__(self, window: MainWindow, on_done: Callable[[], None]) -> None:
        self.window = window
        self.on_done = on_done
        self.dialog: AddCompanyKeyDialog | None = None
        self.last_words = ""

    def _say(self, words: str) -> None:
        self.last_words = words
        self.window.statusBar().showMessage(words, MESSAGE_MS)

    # --- copy ---------------------------------------------------------------------------

    def copy(self) -> None:
        services = self.window.services
        if services is None or self.window.ctx.tasks.running("company key"):
            return
        self.window.ctx.tasks.start(lambda _p, _c: services.connection.share_key(),
                                    "company key", on_success=self._copied,
                                    on_failure=lambda e: self._failed(e, self.copy))

    def _copied(self, key: str) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(key)
        self._say(COPIED)
        # off the clipboard again after a while, unless something else was copied since
        QTimer.singleShot(CLIPBOARD_MS, self.window,
                          lambda: clipboard.clear() if clipboard.text() == key else None)

    # --- add ----------------------------------------------------------------------------

    def ask(self) -> AddCompanyKeyDialog:
        """Open the box (once)."""
        if self.dialog is None or not self.dialog.isVisible():
            self.dialog = AddCompanyKeyDialog(self.window, self._add)
            self.dialog.open()
        return self.dialog

    def _add(self, key: str) -> None:
        services = self.window.services
        if services is None:
            return
        self.window.ctx.tasks.start(lambda _p, _c: services.connection.add_key(key),
                                    "company key", on_success=self._added,
                                    on_failure=lambda e: self._failed(e, lambda: self._add(key)))

    def _added(self, _answer: Any) -> None:
        if self.dialog is not None:
            self.dialog.accept()
        self._say(ADDED)
        self.on_done()

    def _failed(self, error: BaseException, again: Callable[[], None]) -> None:
        if isinstance(error, KeyringLocked):  # the encrypted file: unlock, then again
            self.window.passphrase.ask(then=again)
            return
        words = error.words(plain) if isinstance(error, UserError) else \
            "Something unexpected happened; the log file has the details."
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.refused(words)
        else:
            self._say(words)
        if not isinstance(error, UserError):
            from ui.error_dialog import show_error

            show_error(self.window, error)


def offer_add(box: QMessageBox, error: BaseException, actions: CompanyKeyActions) -> None:
    """Give an error box that says this computer lacks the company key (a sync that
    stopped) a button that opens the box to add it."""
    if not any(hint.action is Action.ADD_COMPANY_KEY for hint in getattr(error, "hints", ())):
        return
    button = box.addButton(ADD_BUTTON, QMessageBox.ButtonRole.ActionRole)
    button.setObjectName("errorAddCompanyKeyButton")
    button.clicked.connect(actions.ask)
