"""The Sync Log page's filters: a period (or two dates), the result, the kind of row, the
problem, and a document number's beginning. ``changed`` goes once typing pauses;
``filter()`` is the service's ``LogFilter``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.domain.events import LogResult
from app.domain.problems import LABELS
from app.services.sync_log import LogFilter, LogType
from ui.flow_layout import FlowLayout
from ui.models.sync_log import result_word

#: The periods offered: (words, days back from today; None: any time, -1: two dates).
PERIODS = (("Any time", None), ("Today", 0), ("Last 7 days", 6), ("Last 30 days", 29),
           ("Between dates…", -1))
BETWEEN = len(PERIODS) - 1
TYPES = ((LogType.PO, "POs"), (LogType.INVOICE, "Invoices"),
         (LogType.PULL, "Pulls of QuickBooks' changes"))
DEBOUNCE_MS = 200


def today_utc() -> date:
    """The log's days are UTC days (as its times are shown)."""
    return datetime.now(UTC).date()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class SyncLogFilters(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="syncLogFilters")
        self.period = QComboBox(self, objectName="syncLogPeriodCombo")
        self.period.setAccessibleName("Period")
        for words, days in PERIODS:
            self.period.addItem(words, days)
        today = _qdate(today_utc())
        self.date_from = QDateEdit(today.addDays(-6), self, objectName="syncLogFromDate")
        self.date_to = QDateEdit(today, self, objectName="syncLogToDate")
        self.until = QLabel("to", self)
        for edit, name in ((self.date_from, "From"), (self.date_to, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(f"{name} (UTC day)")
            edit.setVisible(False)
        self.until.setVisible(False)
        self.result = QComboBox(self, objectName="syncLogResultCombo")
        self.result.setAccessibleName("Result")
        self.result.addItem("Any result", None)
        for result in LogResult:
            self.result.addItem(result_word(result), result.value)
        self.doc_type = QComboBox(self, objectName="syncLogTypeCombo")
        self.doc_type.setAccessibleName("Kind of row")
        self.doc_type.addItem("POs, invoices and pulls", None)
        for kind, words in TYPES:
            self.doc_type.addItem(words, kind.value)
        self.problem = QComboBox(self, objectName="syncLogProblemCombo")
        self.problem.setAccessibleName("Problem")
        self.problem.addItem("Any problem", None)
        for kind, words in sorted(LABELS.items(), key=lambda item: item[1].casefold()):
            self.problem.addItem(words[:1].upper() + words[1:], kind.value)
        self.document = QLineEdit(self, objectName="syncLogDocumentEdit")
        self.document.setPlaceholderText("Document number (PO-10 finds PO-1001…)")
        self.document.setAccessibleName("Document number")
        self.document.setClearButtonEnabled(True)
        self._typing = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._typing.timeout.connect(self.changed)
        self.document.textChanged.connect(lambda _t: self._typing.start())
        self.period.currentIndexChanged.connect(self._period_changed)
        for combo in (self.result, self.doc_type, self.problem):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(lambda _d: self.changed.emit())
        self.document.setMinimumWidth(self.document.fontMetrics().horizontalAdvance(
            self.document.placeholderText()) + 40)
        layout = FlowLayout(self)  # wraps onto more rows in a narrow window
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.period, self.date_from, self.until, self.date_to, self.result,
                       self.doc_type, self.problem):
            layout.add(widget)
        layout.add(self.document, 1)

    def _period_changed(self, index: int) -> None:
        between = index == BETWEEN
        for widget in (self.date_from, self.until, self.date_to):
            widget.setVisible(between)
        self.changed.emit()

    def filter(self) -> LogFilter:
        """The filter as chosen (dates are UTC days, both included)."""
        days = self.period.currentData()
        date_from = date_to = None
        if self.period.currentIndex() == BETWEEN:
            date_from, date_to = _day(self.date_from.date()), _day(self.date_to.date())
        elif days is not None:
            date_to = today_utc()
            date_from = date_to - timedelta(days=days)
        return LogFilter(date_from=date_from, date_to=date_to,
                         result=self.result.currentData(), doc_type=self.doc_type.currentData(),
                         problem=self.problem.currentData(),
                         document=self.document.text().strip() or None)

    def choose(self, combo: QComboBox, value: str | None) -> None:
        """Pick the entry of ``combo`` whose value is ``value`` (tests, and links)."""
        at = combo.findData(value)
        if at >= 0:
            combo.setCurrentIndex(at)
