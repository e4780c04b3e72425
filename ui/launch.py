"""``syncdesk gui`` (and ``syncdesk`` alone): the QApplication, the window, the event loop.

The command line finds this through the ``syncdesk.window`` entry point
(app/commands/gui.py), so ``app/`` never imports ``ui``. ``SYNCDESK_GUI_EXIT_AFTER=MS``
closes the window MS milliseconds after it opened (tests and the self-test).
"""

from __future__ import annotations

import os
import sys

EXIT_AFTER = "SYNCDESK_GUI_EXIT_AFTER"


def main(argv: list[str]) -> int:
    """Open the window for ``syncdesk gui ARGV``; return when it closes (0)."""
    from PySide6.QtCore import qInstallMessageHandler

    from ui.qt_messages import route_to_log

    before = route_to_log()  # Qt's warnings to the log file, not the terminal
    try:
        return _run(argv)
    finally:
        qInstallMessageHandler(before)


def _run(argv: list[str]) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui import create_main_window

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "syncdesk"])
    app.setOrganizationName("SyncDesk")
    app.setApplicationName("SyncDesk")
    from ui.app_icon import app_icon
    from ui.error_dialog import install_excepthooks

    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)  # the taskbar's, the dock's and every dialog's

    window = create_main_window(argv)
    hooks = install_excepthooks(window)  # a bug anywhere: to the log file, then plain words
    window.show()
    after = os.environ.get(EXIT_AFTER, "").strip()
    if after.isdigit():
        QTimer.singleShot(int(after), window.close)
    try:
        code = app.exec()  # type: ignore[union-attr]
    finally:
        hooks.uninstall()
    return int(code)
