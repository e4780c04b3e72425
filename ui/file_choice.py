"""Asking the user for a file: the platform's file dialog, or the answers a test gave.

Every place the window asks for a file (open a company, a new company, back up, restore,
a CSV to import) goes through one ``FileChooser`` (``window.files``). A test puts the
paths it wants chosen into ``answers`` first, so that no native dialog opens (one would
wait for a click that never comes); an answer of None is the user pressing Cancel.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget

COMPANY_FILES = "SyncDesk companies (*.db);;All files (*)"
BACKUP_FILES = "SyncDesk backups (*.db *.bak);;All files (*)"
CSV_FILES = "CSV files (*.csv);;All files (*)"


class FileChooser:
    def __init__(self) -> None:
        self.answers: list[str | None] = []  # given by tests: used first, in order

    def open_file(self, parent: QWidget | None, title: str, filters: str) -> str | None:
        """A file that is there (None: the user cancelled)."""
        if self.answers:
            return self.answers.pop(0)
        path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
        return path or None

    def save_file(self, parent: QWidget | None, title: str, filters: str,
                  suggested: str = "") -> str | None:
        """A file to write (None: the user cancelled). The platform's dialog asks before
        naming a file that is there; what that means is the caller's to say."""
        if self.answers:
            return self.answers.pop(0)
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
        return path or None
