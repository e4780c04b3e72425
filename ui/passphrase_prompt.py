"""Asking for the encrypted keyring's passphrase once a run.

A company connected with the encrypted file (no OS keychain) keeps Intuit's secrets
locked until the passphrase is typed. The window asks when the company opens (unless
``SYNCDESK_KEYRING_PASSPHRASE`` gives it) and when a sync stops because the file is still
locked; once unlocked, every sync, resend, fix and disconnect of this run uses it. The
passphrase is handed to the core and never kept by the window or written anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from app.errors import UserError
from app.hints import plain
from ui.secret_dialog import SecretAsk, SecretDialog

if TYPE_CHECKING:
    from ui.window import MainWindow

EXPLAIN = ("This company's QuickBooks sign-in is kept in a file locked by a passphrase, "
           "because this computer has no keychain SyncDesk can use. Type the passphrase "
           "to unlock it until you close SyncDesk.")


ASK = SecretAsk(("passphraseDialog", "passphraseEdit", "passphraseError", "unlockButton"),
                "Unlock the QuickBooks sign-in", EXPLAIN, "Passphrase", "Passphrase", "Unlock",
                "Type the passphrase first.")


class PassphraseDialog(SecretDialog):
    """The passphrase box: Unlock checks it in a worker; a wrong one is said under it."""

    def __init__(self, parent: QWidget, unlock: Callable[[str], None]) -> None:
        super().__init__(parent, ASK, unlock)
        self.unlock_button = self.button


class PassphrasePrompt:
    """Opens the passphrase box when the open company's secrets are locked."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: PassphraseDialog | None = None
        self._then: Callable[[], None] | None = None

    def check(self) -> None:
        """Ask the store (in a worker) whether the company's secrets are still locked."""
        services = self.window.ctx.services
        if services is None:
            return
        self.window.ctx.tasks.start(lambda _p, _c: services.connection.needs_passphrase(),
                                    "passphrase check", on_success=self._checked)

    def _checked(self, needed: bool) -> None:
        if needed:
            self.ask()

    def ask(self, then: Callable[[], None] | None = None) -> PassphraseDialog:
        """Open the box (once); ``then`` runs after a successful unlock (a sync again)."""
        self._then = then or self._then
        if self.dialog is None or not self.dialog.isVisible():
            self.dialog = PassphraseDialog(self.window, self._unlock)
            self.dialog.open()
        return self.dialog

    def _unlock(self, passphrase: str) -> None:
        services = self.window.ctx.services
        if services is None:
            return
        self.window.ctx.tasks.start(lambda _p, _c: services.connection.unlock(passphrase),
                                    "unlock", on_success=self._unlocked,
                                    on_failure=self._refused)

    def _unlocked(self, _answer: Any) -> None:
        if self.dialog is not None:
            self.dialog.accept()
        self.window.statusBar().showMessage("QuickBooks sign-in unlocked until SyncDesk "
                                            "closes.", 10000)
        then, self._then = self._then, None
        if then is not None:
            then()

    def _refused(self, error: BaseException) -> None:
        if self.dialog is None:
            return
        words = error.words(plain) if isinstance(error, UserError) else \
            "That passphrase could not be checked."
        self.dialog.refused(words)


def install(window: MainWindow) -> PassphrasePrompt:
    prompt = PassphrasePrompt(window)
    window.company_opened.connect(prompt.check)
    return prompt
