"""A box that asks for one secret, typed hidden: the encrypted keyring's passphrase, a
team's company key. Its button hands the text to the caller (who checks it in a worker);
a refusal is said under the field, which keeps what was typed, selected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui.error_label import ErrorLabel


@dataclass(frozen=True)
class SecretAsk:
    """What the box says and its widgets' object names (stable for tests)."""

    names: tuple[str, str, str, str]  # the dialog, the field, the error line, the button
    title: str
    explain: str
    field: str  # the field's accessible name
    placeholder: str
    button: str
    empty: str  # said when the button is pressed with nothing typed


class SecretDialog(QDialog):
    def __init__(self, parent: QWidget, ask: SecretAsk, submit: Callable[[str], None]) -> None:
        dialog_name, edit_name, error_name, button_name = ask.names
        super().__init__(parent, objectName=dialog_name)
        self.setWindowTitle(ask.title)
        self._ask = ask
        self._submit = submit
        explain = QLabel(ask.explain, self)
        explain.setWordWrap(True)
        self.edit = QLineEdit(self, objectName=edit_name)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(ask.field)
        self.edit.setPlaceholderText(ask.placeholder)
        self.error = ErrorLabel(error_name, self)
        self.error.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.button = self.buttons.addButton(ask.button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.button.setObjectName(button_name)
        self.buttons.accepted.connect(self._try)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)

    def _try(self) -> None:
        text = self.edit.text()
        if not text.strip():
            self.refused(self._ask.empty)
            return
        self.button.setEnabled(False)
        self.error.setVisible(False)
        self._submit(text)

    def refused(self, words: str) -> None:
        self.button.setEnabled(True)
        self.error.setText(words)
        self.error.setVisible(True)
        self.adjustSize()  # room for the words, the explanation above stays whole
        self.edit.selectAll()
        self.edit.setFocus()
