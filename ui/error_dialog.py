"""What the user sees when background work fails: plain words, never a traceback.

A ``UserError`` says what went wrong and what to do in its own words. Anything
else is a bug or a failure nobody foresaw: the worker has already logged its
traceback to SyncDesk's log file (``app.logs``); the dialog says so and where.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import UserError
from app.hints import plain
from app.logs import log_path

UNEXPECTED = ("Something went wrong that SyncDesk did not expect, so it stopped that piece "
              "of work. What was saved before stays saved.")


def error_words(exc: BaseException) -> tuple[str, str]:
    """(the message, the details line) for a failed piece of work."""
    if isinstance(exc, UserError):
        return exc.words(plain), ""
    return UNEXPECTED, (f"The details are in SyncDesk's log file, {log_path()}. If it happens "
                        "again, send that file to whoever supports SyncDesk for you.")


def show_error(parent: QWidget, exc: BaseException, title: str = "SyncDesk") -> QMessageBox:
    """Show ``exc`` in a window-modal box that never blocks the caller (``open``, not
    ``exec``): the event loop, and a running sync, carry on behind it."""
    text, details = error_words(exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                      parent)
    box.setObjectName("errorDialog")
    if details:
        box.setInformativeText(details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
