"""Notices of new problems: when a sync ends with documents needing attention that did not
before it, say so in plain words, in the system tray where there is one (a balloon that
shows them when clicked) and always in the window (a banner above the tables with "Show
them"), until dismissed or shown.

``NewProblems`` decides which problems are new and words the notice; it knows no Qt, so
it is tested without a tray. ``ProblemNotices`` keeps it up to date from the store (the
problems as the company opened and after each sync and row action, read off the GUI
thread) and shows its notices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QSystemTrayIcon,
    QWidget,
)

from app.domain.states import DocKind
from app.text import count_of

if TYPE_CHECKING:
    from ui.window import MainWindow

TITLE = "SyncDesk: new problems after the sync"
SHOWN_CAUSES = 3  # the notice names this many causes, then "and N more"
TRAY_MS = 15000
NEEDS_ATTENTION = "Needs attention"  # syncFilterCombo's item

Doc = tuple[DocKind, str]


@dataclass(frozen=True)
class Notice:
    """What to tell: ``text`` ("2 documents need attention: …") about ``documents``."""

    title: str
    text: str
    documents: tuple[Doc, ...]


class NewProblems:
    """The documents needing attention as last seen, and which are new after a sync.

    ``seen`` takes the problems as the dashboard service groups them (``problem_groups``:
    groups with a ``cause`` and ``documents`` of ``kind`` and ``number``); ``after_sync``
    takes them again and answers a ``Notice`` about the documents that did not need
    attention before (None when none is new, or nothing was seen before to compare with).
    """

    def __init__(self) -> None:
        self.known: set[Doc] | None = None

    def seen(self, groups: Iterable[Any]) -> None:
        self.known = set(_causes(groups))

    def forget(self) -> None:
        """Another company: nothing is known about its problems yet."""
        self.known = None

    def after_sync(self, groups: Iterable[Any]) -> Notice | None:
        causes = _causes(groups)
        known, self.known = self.known, set(causes)
        if known is None:
            return None
        new = [doc for doc in causes if doc not in known]
        return notice(new, causes) if new else None


def _causes(groups: Iterable[Any]) -> dict[Doc, str]:
    """Each document needing attention with its cause, in the groups' order."""
    return {(doc.kind, doc.number): group.cause for group in groups for doc in group.documents}


def notice(new: list[Doc], causes: dict[Doc, str]) -> Notice:
    """"2 documents need attention: PO-1061 and INV-2041: Vendor … is inactive in
    QuickBooks; INV-2043: …." (documents of one cause together, the first causes only)."""
    by_cause: dict[str, list[str]] = {}
    for doc in new:
        by_cause.setdefault(causes[doc], []).append(doc[1])
    parts = [f"{_numbers(numbers)}: {cause}"
             for cause, numbers in list(by_cause.items())[:SHOWN_CAUSES]]
    left = len(by_cause) - SHOWN_CAUSES
    if left > 0:
        parts.append(f"and {count_of(left, 'other cause')}")
    verb = "needs" if len(new) == 1 else "need"
    text = f"{count_of(len(new), 'document')} {verb} attention: {'; '.join(parts)}."
    return Notice(TITLE, text, tuple(new))


def _numbers(numbers: list[str]) -> str:
    if len(numbers) <= 3:
        return " and ".join([", ".join(numbers[:-1]), numbers[-1]] if len(numbers) > 1
                            else numbers)
    return f"{', '.join(numbers[:2])} and {len(numbers) - 2} more"


class NoticeBanner(QFrame):
    """The notice inside the window, above the tables: its words, Show them, Dismiss."""

    show_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="newProblemsNotice")
        self.setAccessibleName("New problems after the sync")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        icon = QLabel(self, objectName="newProblemsIcon")
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) + 4
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                       .pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        row.addWidget(icon)
        self.words = QLabel(self, objectName="newProblemsText")
        self.words.setWordWrap(True)
        self.words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.words, 1)
        self.show_button = QPushButton("Show them", self, objectName="showNewProblemsButton")
        self.show_button.clicked.connect(self.show_requested.emit)
        row.addWidget(self.show_button)
        self.dismiss = QPushButton("Dismiss", self, objectName="dismissNoticeButton")
        self.dismiss.clicked.connect(self.hide)
        row.addWidget(self.dismiss)
        self.setVisible(False)

    def show_notice(self, text: str) -> None:
        self.words.setText(text)
        self.setVisible(True)


class ProblemNotices(QObject):
    """Raises a notice when a sync of this window ends with new problems; its click
    (the tray balloon's, or the banner's Show them) raises the window and shows them."""

    noticed = Signal(object)  # the Notice, once shown
    shown = Signal(object)  # the documents shown after a click

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.problems = NewProblems()
        self.last: Notice | None = None
        self.banner = NoticeBanner(window)
        self.banner.show_requested.connect(self.show_them)
        page = window.nav.parentWidget()  # the company page: navigation, then the tables
        layout = page.layout() if page is not None else None
        if layout is not None and hasattr(layout, "insertWidget"):
            layout.insertWidget(1, self.banner)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon = window.windowIcon()
            if icon.isNull():
                icon = window.style().standardIcon(QStyle.StandardPixmap.SP_ComputerIcon)
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip("SyncDesk")
            self.tray.messageClicked.connect(self.show_them)
            self.tray.activated.connect(lambda _reason: self.raise_window())
            self.tray.show()
        window.company_opened.connect(self._company_opened)
        window.sync_finished.connect(self._sync_finished)
        window.actions.rows_changed.connect(lambda _rows: self._read(self._seen))

    # --- what is known ----------------------------------------------------------------------

    def _company_opened(self) -> None:
        self.problems.forget()
        self.banner.hide()
        self._read(self._seen)

    def _sync_finished(self, _outcome: object) -> None:
        self._read(self._after_sync)

    def _read(self, then: Any) -> None:
        services = self.window.ctx.services
        if services is None:
            return
        dashboard = services.dashboard
        self.window.ctx.tasks.start(lambda _p, _c: dashboard.problem_groups(), "problems",
                                    on_success=then)

    def _seen(self, groups: Any) -> None:
        self.problems.seen(groups)

    def _after_sync(self, groups: Any) -> None:
        found = self.problems.after_sync(groups)
        if found is not None:
            self.notify(found)

    # --- telling ------------------------------------------------------------------------

    def notify(self, found: Notice) -> None:
        self.last = found
        self.banner.show_notice(found.text)
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(found.title, found.text,
                                  QSystemTrayIcon.MessageIcon.Warning, TRAY_MS)
        self.noticed.emit(found)

    def raise_window(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    def show_them(self) -> None:
        """The window in front, on the page of the first new document, filtered to what
        needs attention, that document selected."""
        self.raise_window()
        self.banner.hide()
        found = self.last
        if found is None or not found.documents or self.window.ctx.services is None:
            return
        kind, number = found.documents[0]
        window = self.window
        from ui.window import KINDS

        window.show_page(KINDS.index(kind))
        bar = window.filter_bar
        bar.text.clear()
        at = bar.sync.findText(NEEDS_ATTENTION)
        if at >= 0:
            bar.sync.setCurrentIndex(at)
        view = window.views[kind]

        def select() -> None:
            position = view.model.position(number)
            if position is not None:
                view.loaded.disconnect(select)
                view.table.clearSelection()
                view.table.selectRow(position)
                self.shown.emit(found.documents)

        view.loaded.connect(select)
        window.refresh_tables()  # the rows as they are now, whether the filter changed or not
