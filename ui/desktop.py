"""The finish of a desktop application: keyboard, screen readers, Help, light and dark.

``install(window)`` (one call in ``MainWindow.__init__``) adds:

- shortcuts listed in the menus: Ctrl+F focuses the page's filter box (View → Filter),
  F5 is Sync Now (Sync menu), Ctrl+R resends the selected documents (Edit menu);
- a mnemonic (Alt+letter) on every menu entry that has none, also on entries other
  parts of the window add later (given when the menu opens);
- a sane tab order on the company page: pages, filter bar, table, detail pane;
- accessible names where a widget has no words of its own;
- Help → About SyncDesk (the version, Qt's, where the company file is) and
  Help → Open log folder;
- following the system's light or dark scheme as it changes (``ui.theme``);
- SyncDesk's icon on the window (``ui.app_icon``).
"""

from __future__ import annotations

import itertools
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMenu, QMessageBox, QWidget

from ui.app_icon import app_icon
from ui.error_dialog import log_folder, open_log_folder
from ui.theme import keep_following

if TYPE_CHECKING:
    from ui.window import MainWindow

FILTER_SHORTCUT = QKeySequence.StandardKey.Find  # Ctrl+F (Cmd+F on macOS)
RESEND_SHORTCUT = "Ctrl+R"
NO_MNEMONIC = {"recentMenu"}  # menus of file paths: their letters mean nothing


def syncdesk_version() -> str:
    """The installed SyncDesk's version (a bundle built without its metadata: unknown)."""
    try:
        return version("syncdesk")
    except PackageNotFoundError:
        return "(version not recorded in this build)"


def about_words(company_file: str | None) -> str:
    """The About box's text: versions, the company file, the log folder."""
    where = company_file or "no company open"
    return (f"SyncDesk {syncdesk_version()}\n\n"
            "Purchase orders and supplier invoices, synced into QuickBooks Online.\n\n"
            f"Company file: {where}\n"
            f"Log folder: {log_folder()}\n\n"
            f"Qt {qVersion()}, PySide6 {PySide6.__version__}, "
            f"Python {platform.python_version()} on {sys.platform}")


def give_mnemonics(menu: QMenu) -> None:
    """An Alt+letter for each entry of ``menu`` that has none: its first letter (of a
    word, else any) not taken by another entry of the same menu."""
    if menu.objectName() in NO_MNEMONIC:
        return
    entries = [a for a in menu.actions() if not a.isSeparator() and a.text()]
    for entry in entries:
        if entry.menu() is not None:
            give_mnemonics(entry.menu())  # a submenu's entries too (File → QuickBooks)
    taken = {_mnemonic(a.text()) for a in entries} - {""}
    for action in entries:
        text = action.text()
        if _mnemonic(text):
            continue
        starts = [i for i, c in enumerate(text) if c.isalnum() and (i == 0 or text[i - 1] == " ")]
        others = [i for i, c in enumerate(text) if c.isalnum() and i not in starts]
        for i in starts + others:
            if text[i].lower() not in taken:
                taken.add(text[i].lower())
                action.setText(text[:i] + "&" + text[i:])
                break


def _mnemonic(text: str) -> str:
    at = text.replace("&&", "").find("&")
    plain = text.replace("&&", "")
    return plain[at + 1].lower() if 0 <= at < len(plain) - 1 else ""


class Desktop:
    """What ``install`` added to one window (tests reach it as ``window.desktop``)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.about_box: QMessageBox | None = None
        icon = app_icon()
        if icon is not None:
            window.setWindowIcon(icon)
        menus = window.menus
        self.filter_action = QAction("&Filter the list", window, objectName="filterAction",
                                     shortcut=FILTER_SHORTCUT)
        self.filter_action.setToolTip("Type to filter the documents shown")
        self.filter_action.triggered.connect(self.focus_filter)
        menus["view"].addAction(self.filter_action)
        sync_now = window.findChild(QAction, "syncNowAction")
        if sync_now is not None and "&" not in sync_now.text():
            sync_now.setText("Sync &Now")
        resend = window.findChild(QAction, "resendAction")
        if resend is not None:
            resend.setShortcut(QKeySequence(RESEND_SHORTCUT))
        self.about_action = QAction("&About SyncDesk", window, objectName="aboutAction")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.about)
        self.log_action = QAction("Open &log folder", window, objectName="openLogFolderAction")
        self.log_action.setToolTip(f"Show the folder of SyncDesk's log file ({log_folder()})")
        self.log_action.triggered.connect(open_log_folder)
        menus["help"].addAction(self.log_action)
        menus["help"].addSeparator()
        menus["help"].addAction(self.about_action)
        for menu in menus.values():
            give_mnemonics(menu)
            menu.aboutToShow.connect(lambda menu=menu: give_mnemonics(menu))
        window.nav.setAccessibleName("Pages")
        order_tabs(window)
        keep_following(window)

    def focus_filter(self) -> QWidget | None:
        """Ctrl+F: the filter box of the page shown (the documents' ``filterEdit``, else
        the page's first box to type in), focused with its text selected."""
        window = self.window
        box: QLineEdit | None = None
        if window.filter_bar.isVisible():
            box = window.filter_bar.findChild(QLineEdit, "filterEdit")
        if box is None:
            page = window.pages.currentWidget()
            boxes = [b for b in page.findChildren(QLineEdit)
                     if b.isVisible() and b.isEnabled() and not b.objectName().startswith("qt_")]
            box = boxes[0] if boxes else None
        if box is not None:
            box.setFocus()
            box.selectAll()
        return box

    def about(self) -> QMessageBox:
        """Help → About: shown with ``open`` (the window carries on behind it)."""
        from ui.window import store_label  # the window imports this module

        services = self.window.ctx.services
        # The file's path, or a team store's address as people write it (never its password).
        where = store_label(services.location) if services is not None else None
        box = QMessageBox(QMessageBox.Icon.Information, "About SyncDesk", about_words(where),
                          QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("aboutDialog")
        box.open()
        self.about_box = box
        return box


def order_tabs(window: MainWindow) -> None:
    """Tab goes through the company page as it reads: the pages' tabs, the filter bar,
    the page's table, then the detail pane (each keeping its own order inside)."""
    regions = [window.nav, window.filter_bar, window.pages, window.detail]
    chain: list[QWidget] = []
    widget = window.nav.nextInFocusChain()
    seen = {window.nav}
    while widget is not None and widget not in seen:
        seen.add(widget)
        chain.append(widget)
        widget = widget.nextInFocusChain()

    def region(w: QWidget) -> int | None:
        for i, area in enumerate(regions):
            if w is area or area.isAncestorOf(w):
                return i
        return None

    ordered = [window.nav, *sorted((w for w in chain if region(w) not in (None, 0)),
                                   key=lambda w: region(w) or 0)]
    for first, second in itertools.pairwise(ordered):
        QWidget.setTabOrder(first, second)


def install(window: MainWindow) -> Desktop:
    desktop = Desktop(window)
    window.desktop = desktop  # type: ignore[attr-defined]
    return desktop
