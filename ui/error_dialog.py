"""What the user sees when something fails: plain words, never a traceback.

A ``UserError`` says what went wrong and what to do in its own words. Anything
else is a bug or a failure nobody foresaw: its traceback goes to SyncDesk's log file
(``app.logs``, a rotating file in the OS log folder) and the dialog says so, with a
button that opens the log folder.

``install_excepthooks(window)`` catches what nothing else does: an exception raised in a
slot or an event handler on the GUI thread (``sys.excepthook``), and one that ends a
thread of its own (``threading.excepthook``; the window's background tasks already hand
theirs to ``Tasks.trouble``). Both are logged with their traceback and shown in words.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.errors import UserError
from app.hints import plain
from app.logs import configure_logging, log_path

log = logging.getLogger(__name__)

UNEXPECTED = ("Something went wrong that SyncDesk did not expect, so it stopped that piece "
              "of work. What was saved before stays saved.")
OPEN_LOG_FOLDER = "Open log folder"


def error_words(exc: BaseException) -> tuple[str, str]:
    """(the message, the details line) for a failed piece of work."""
    if isinstance(exc, UserError):
        return exc.words(plain), ""
    return UNEXPECTED, (f"The details are in SyncDesk's log file, {log_path()}. If it happens "
                        "again, send that file to whoever supports SyncDesk for you.")


def log_folder() -> Path:
    """The OS log folder SyncDesk writes its log file into."""
    return log_path().parent


def open_log_folder() -> QUrl:
    """Ask the desktop to show the log folder (made first if need be); the URL asked for.
    (Tests see the request through ``QDesktopServices.setUrlHandler("file", …)``.)"""
    folder = log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    url = QUrl.fromLocalFile(str(folder))
    QDesktopServices.openUrl(url)
    return url


def show_error(parent: QWidget | None, exc: BaseException,
               title: str = "SyncDesk") -> QMessageBox:
    """Show ``exc`` in a window-modal box that never blocks the caller (``open``, not
    ``exec``): the event loop, and a running sync, carry on behind it. An unexpected
    error's box offers to open the log folder."""
    text, details = error_words(exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                      parent)
    box.setObjectName("errorDialog")
    if details:
        box.setInformativeText(details)
        button = box.addButton(OPEN_LOG_FOLDER, QMessageBox.ButtonRole.ActionRole)
        button.setObjectName("openLogFolderButton")
        button.clicked.connect(open_log_folder)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def _has_log_file() -> bool:
    """Whether SyncDesk's logging already writes to the file the error box names."""
    path = str(log_path())
    return any(getattr(h, "syncdesk", False) and getattr(h, "baseFilename", None) == path
               for h in logging.getLogger().handlers)


class ErrorHooks(QObject):
    """The installed hooks: logs every uncaught exception and shows it on the GUI thread.

    ``shown`` carries each dialog (tests look at it); ``uninstall`` puts back the hooks
    that were there before."""

    caught = Signal(object)  # the exception, from any thread: shown on the GUI thread
    shown = Signal(object)  # the QMessageBox

    def __init__(self, window: QWidget | None) -> None:
        super().__init__(QApplication.instance())
        self._window = window
        self.last: QMessageBox | None = None
        self._before: tuple[Any, Any] = (sys.excepthook, threading.excepthook)
        self.caught.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> ErrorHooks:
        if not _has_log_file():
            configure_logging()  # the window opened without the command line (tests)
        sys.excepthook = self._hook
        threading.excepthook = self._thread_hook
        return self

    def uninstall(self) -> None:
        if sys.excepthook == self._hook:
            sys.excepthook = self._before[0]
        if threading.excepthook == self._thread_hook:
            threading.excepthook = self._before[1]

    def _hook(self, kind: type[BaseException], exc: BaseException,
              tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._before[0](kind, exc, tb)
            return
        log.error("uncaught %s on the window's thread", kind.__name__,
                  exc_info=(kind, exc, tb))
        self.caught.emit(exc)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        log.error("uncaught %s in %s", args.exc_type.__name__, name,
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        self.caught.emit(args.exc_value)

    def _show(self, exc: BaseException) -> None:
        window = self._window
        parent = window if window is not None and window.isVisible() else None
        self.last = show_error(parent, exc)
        self.shown.emit(self.last)


def install_excepthooks(window: QWidget | None) -> ErrorHooks:
    """Catch every exception nothing else catches: to the log file, then a plain dialog
    over ``window``."""
    return ErrorHooks(window).install()


