"""Qt's own messages go to SyncDesk's log file, not to the terminal.

Qt and its plugins print warnings meant for developers ("This plugin does not support
propagateSizeHints()", a missing optional library): a bookkeeper's terminal, and the
self-test's one line, carry SyncDesk's words only. Installed by ``ui.launch`` (the
running program); tests keep pytest-qt's own handler.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from app.logs import FILE_ONLY

log = logging.getLogger("qt")

_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
           QtMsgType.QtWarningMsg: logging.INFO, QtMsgType.QtCriticalMsg: logging.WARNING,
           QtMsgType.QtFatalMsg: logging.ERROR}


def _to_log(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    where = f" ({context.category})" if context.category not in (None, "", "default") else ""
    log.log(_LEVELS.get(kind, logging.INFO), "%s%s", message, where, extra=FILE_ONLY)


def route_to_log() -> Any:
    """Send Qt's messages to the log file from now on; the handler that was there before."""
    return qInstallMessageHandler(_to_log)
