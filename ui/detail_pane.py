"""The detail pane: the selected document's header, lines, QuickBooks box, problem and
history, with the row actions' buttons. It asks the services in the background and
drops an answer about a document that is no longer the one asked for."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.money import display_money, format_quantity
from app.domain.problems import label as problem_label
from app.domain.qbo_column import state_word
from app.domain.states import DocKind
from app.hints import plain
from app.services.connection import WebLink
from app.services.documents_views import DocumentDetail, HistoryEntry, ProblemBox
from ui.context import UiContext
from ui.fix_wizard import RETRY
from ui.problem_dialog import ProblemDialog
from ui.theme import tone

NOTHING_SELECTED = ("Select a purchase order or an invoice to see its details, where it "
                    "stands in QuickBooks, and its history here.")
#: How the history's details name what the sync recorded.
DETAIL_WORDS = {
    "operation": "What SyncDesk did", "outcome": "Outcome", "problem": "Problem",
    "code": "QuickBooks' code", "message": "QuickBooks' message", "detail": "QuickBooks' detail",
    "intuit_tid": "QuickBooks request id", "sent": "What was sent", "qbo_id": "QuickBooks id",
    "changes": "Changes", "reason": "Reason", "total": "Total", "lines": "Lines",
    "faults": "QuickBooks' errors",
}
LINE_COLUMNS = ("Description", "Account / item", "Qty", "Unit price", "Amount")
DESCRIPTION_MIN = 140  # px: the lines' description never shrinks below this (it wraps)
ACCOUNT_MIN = 70  # px: an account or item name wraps onto more lines below its own width
HISTORY_SHARE = (3, 2)  # the pane's height: the document above, its history below
HISTORY_MOST = 0.45  # of the pane's height, for a long history (it scrolls beyond)
HISTORY_LEAST = 150  # px, for a short one


def day_text(value: date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def time_text(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def short_time(value: datetime) -> str:
    """A history entry's time: "1 Dec 14:05" (the year only when it is not this one)."""
    local = value.astimezone()
    year = "" if local.year == datetime.now().year else f" {local.year}"
    return f"{local.day} {local:%b}{year} {local:%H:%M}"


def words(value: str | None) -> str:
    """A stored word (``ready_to_pay``) as the user reads it (``Ready to pay``)."""
    return (value or "").replace("_", " ").capitalize()


def bind(button: QPushButton, action: QAction) -> None:
    """``button`` does what ``action`` does, enabled, visible and worded as it is."""

    def follow() -> None:  # the menu's Alt+letter stays in the menu (Alt+E is the Edit menu)
        button.setText(action.text().replace("&&", "\0").replace("&", "").replace("\0", "&&"))
        button.setToolTip(action.toolTip())
        button.setEnabled(action.isEnabled())
        button.setVisible(action.isVisible())

    button.clicked.connect(action.trigger)
    action.changed.connect(follow)
    follow()


class DetailPane(QWidget):
    fix_requested = Signal(object, str)  # kind, number: "Fix it…" (the fix-it wizard)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="detailPane")
        self._ctx = ctx
        self._shown: tuple[DocKind, str] | None = None
        self._detail: DocumentDetail | None = None
        self._link = WebLink(None)
        self._asked = 0
        self.problem_dialog: ProblemDialog | None = None

        self.buttons = QHBoxLayout()
        self.resend = QPushButton("Resend", self, objectName="resendButton")
        self.resend.setEnabled(False)
        self.buttons.addWidget(self.resend)
        self.buttons.addStretch(1)

        self.hint = QLabel(NOTHING_SELECTED, self, objectName="detailHint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setMargin(24)
        tone(self.hint, "quiet")

        self.title = QLabel(self, objectName="detailTitle")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.banner = QFrame(self, objectName="problemBanner")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        tone(self.banner, "banner")  # a light red frame, or a dark red one in dark mode
        self.problem = QLabel(self.banner, objectName="problemText")
        self.problem.setWordWrap(True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.advice = QLabel(self.banner, objectName="problemAdvice")
        self.advice.setWordWrap(True)
        self.fix_it = QPushButton("Fix it…", self.banner, objectName="fixItButton")
        self.fix_it.setEnabled(False)
        self.fix_it.setToolTip("Shows what went wrong and the ways to fix it, then fixes it")
        banner_layout = QVBoxLayout(self.banner)
        banner_layout.addWidget(self.problem)
        banner_layout.addWidget(self.advice)
        banner_layout.addWidget(self.fix_it, 0, Qt.AlignmentFlag.AlignLeft)

        self.fields = QFormLayout()
        self.fields.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._values: dict[str, QLabel] = {}
        header = QGroupBox("Details", self)
        header.setLayout(self.fields)

        self.lines = LinesTable(self)
        lines_box = QGroupBox("Lines", self)
        QVBoxLayout(lines_box).addWidget(self.lines)

        self.qbo_fields = QFormLayout()
        self.qbo_state = self._value(self.qbo_fields, "State", "qboState")
        self.qbo_status = self._value(self.qbo_fields, "QuickBooks status", "qboStatus")
        self.last_sync = self._value(self.qbo_fields, "Last sync", "lastSync")
        self.qbo_id = self._value(self.qbo_fields, "QuickBooks id", "qboId")
        self.open_in_qbo = QPushButton("Open in QuickBooks", self, objectName="openInQboButton")
        self.open_in_qbo.setEnabled(False)
        self.qbo_fields.addRow(self.open_in_qbo)
        qbo_box = QGroupBox("QuickBooks", self)
        qbo_box.setLayout(self.qbo_fields)

        self.history = QTreeWidget(self, objectName="historyView",
                                   accessibleName="History of the document")
        self.history.setHeaderLabels(["When", "Who", "What"])
        self.history.setMinimumHeight(120)
        self.history.setWordWrap(True)
        self.history.header().setStretchLastSection(True)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history.setTextElideMode(Qt.TextElideMode.ElideRight)  # whole in the tooltip
        self.history.setUniformRowHeights(False)
        history_box = QGroupBox("History (newest first)", self)
        QVBoxLayout(history_box).addWidget(self.history)

        content = QWidget(self)
        column = QVBoxLayout(content)
        column.addWidget(self.title)
        column.addWidget(self.banner)
        column.addWidget(header)
        column.addWidget(lines_box)
        column.addWidget(qbo_box)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        # The history has its own share of the height, below the document (which scrolls).
        self.split = QSplitter(Qt.Orientation.Vertical, self, objectName="detailSplitter")
        self.split.addWidget(scroll)
        self.split.addWidget(history_box)
        self.split.setChildrenCollapsible(False)
        for at, share in enumerate(HISTORY_SHARE):
            self.split.setStretchFactor(at, share)
        self._history_box = history_box
        self._split_moved = False  # the user's own split is kept from then on
        self.split.splitterMoved.connect(lambda *_: setattr(self, "_split_moved", True))

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.hint)
        self.pages.addWidget(self.split)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addLayout(self.buttons)
        layout.addWidget(self.pages, 1)

        self.fix_it.clicked.connect(self._fix)
        self.open_in_qbo.clicked.connect(self._open_in_qbo)
        self.clear()

    # --- the actions' buttons ------------------------------------------------------------

    def add_actions(self, actions: dict[str, QAction]) -> None:
        """Buttons for the row actions (``resend`` is ``resendButton``), in that order."""
        for name, action in actions.items():
            if name == "resend":
                button = self.resend
            else:
                button = QPushButton(self, objectName=f"{name}Button")
                self.buttons.insertWidget(self.buttons.count() - 1, button)
            bind(button, action)

    # --- what is shown -------------------------------------------------------------------

    @property
    def shown(self) -> tuple[DocKind, str] | None:
        return self._shown

    def clear(self, text: str = NOTHING_SELECTED) -> None:
        """Nothing (or several documents) selected: a hint instead of a document."""
        self._asked += 1  # an answer still on its way is no longer wanted
        self._shown = self._detail = None
        self.hint.setText(text)
        self.pages.setCurrentIndex(0)
        self.fix_it.setEnabled(False)
        self.open_in_qbo.setEnabled(False)

    def show_document(self, kind: DocKind, number: str) -> None:
        """Ask for the document in the background; the pane shows it when it comes."""
        self._asked += 1
        asked, services = self._asked, self._ctx.services

        def job(progress: object, cancel: object
                ) -> tuple[DocumentDetail, list[HistoryEntry], WebLink]:
            detail = services.documents.detail(kind, number)
            return (detail, services.documents.history(kind, number),
                    services.connection.web_link(kind, detail.qbo_id))

        self._ctx.tasks.start(job, "detail",
                              on_success=lambda answer: self._answered(asked, answer),
                              on_failure=lambda error: self._failed(asked, error))

    def refresh(self) -> None:
        """Ask again for the document shown (after an action changed it)."""
        if self._shown is not None:
            self.show_document(*self._shown)

    def _failed(self, asked: int, error: BaseException) -> None:
        if asked == self._asked:
            self.clear(f"This document cannot be shown: {error}")

    def _answered(self, asked: int,
                  answer: tuple[DocumentDetail, list[HistoryEntry], WebLink]) -> None:
        if asked != self._asked:
            return  # the user has selected something else since
        detail, history, link = answer
        self._shown, self._detail, self._link = (detail.kind, detail.number), detail, link
        noun = "Purchase order" if detail.kind is DocKind.PO else "Invoice"
        self.title.setText(f"{noun} {detail.number}")
        self._show_fields(detail)
        self._show_lines(detail)
        self._show_quickbooks(detail, link)
        self._show_problem(detail.last_error)
        self._show_history(history)
        self.pages.setCurrentIndex(1)
        self._share_height()

    def _share_height(self) -> None:
        """The history gets the height its entries need (``HISTORY_LEAST`` at least,
        ``HISTORY_MOST`` of the pane at most); the document above gets the rest."""
        total = sum(self.split.sizes())
        if self._split_moved or total <= 0:
            return
        rows = self.history.topLevelItemCount()
        row = self.history.sizeHintForRow(0) if rows else self.history.fontMetrics().height()
        frame = self._history_box.sizeHint().height() - self.history.sizeHint().height()
        need = (self.history.header().sizeHint().height() + (rows + 1) * max(row, 1)
                + 2 * self.history.frameWidth() + max(frame, 0) + self.split.handleWidth())
        height = max(HISTORY_LEAST, min(need, int(total * HISTORY_MOST)))
        self.split.setSizes([total - height, height])

    def _value(self, form: QFormLayout, label: str, name: str | None = None) -> QLabel:
        value = QLabel(self, objectName=name or "")
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(label, value)
        return value

    def _show_fields(self, d: DocumentDetail) -> None:
        while self.fields.rowCount():
            self.fields.removeRow(0)
        rows: list[tuple[str, str]] = [("Supplier", d.supplier or "")]
        if d.kind is DocKind.PO:
            rows += [("Date", day_text(d.date)), ("Approved on", day_text(d.approved_on))]
        else:
            rows += [("Supplier's number", d.reference or ""), ("PO", d.po_number or ""),
                     ("Issued", day_text(d.date)), ("Due", day_text(d.due_date))]
        rows += [("Status", words(d.status)), ("Total", f"{display_money(d.total)} {d.currency}")]
        if d.kind is DocKind.INVOICE and d.amount_paid:
            rows.append(("Paid", f"{display_money(d.amount_paid)} {d.currency}"))
        rows.append(("Memo", d.memo or ""))
        if d.excluded_reason:
            rows.append(("Excluded because", d.excluded_reason))
        for label, text in rows:
            if text:
                self._value(self.fields, label).setText(text)

    def _show_lines(self, d: DocumentDetail) -> None:
        self.lines.setRowCount(len(d.lines))
        for at, line in enumerate(d.lines):
            cells = (line.description or "", line.item or line.account or "",
                     _quantity(line.qty), _quantity(line.unit_price), display_money(line.amount))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.lines.setItem(at, column, item)
        # Quantity and unit price only where a line has them (expense lines have neither).
        for column in (2, 3):
            self.lines.setColumnHidden(column, not any(
                self.lines.item(r, column).text() for r in range(len(d.lines))))
        self.lines.fit()

    def _show_quickbooks(self, d: DocumentDetail, link: WebLink) -> None:
        self.qbo_state.setText(d.state_text)
        self.qbo_status.setText(d.qbo_status or "—")
        self.last_sync.setText(time_text(d.synced_at) or "Never")
        self.qbo_id.setText(d.qbo_id or "—")
        self.open_in_qbo.setEnabled(link.url is not None)
        self.open_in_qbo.setToolTip(link.reason or "Opens this document in QuickBooks in your "
                                    "web browser")

    def _show_problem(self, box: ProblemBox | None) -> None:
        self.banner.setVisible(box is not None)
        self.fix_it.setEnabled(box is not None)
        if box is None:
            self.problem.clear()
            self.advice.clear()
            return
        word = state_word(self._detail.sync_state) if self._detail else "Needs attention"
        self.problem.setText(f"<b>{word}.</b> " + _escape(box.explanation or box.message or ""))
        self.advice.setText(box.advice.words(plain))
        self.advice.setVisible(bool(box.advice.text))

    def _show_history(self, history: list[HistoryEntry]) -> None:
        self.history.clear()
        for entry in reversed(history):
            item = QTreeWidgetItem(self.history, [short_time(entry.at), entry.actor,
                                                  entry.summary])
            item.setToolTip(0, time_text(entry.at))
            item.setToolTip(2, entry.summary)
            _details(item, entry.detail or {})
        for column in (0, 1):
            self.history.resizeColumnToContents(column)

    # --- what the user does --------------------------------------------------------------

    def _open_in_qbo(self) -> None:
        if self._link.url:
            QDesktopServices.openUrl(QUrl(self._link.url))

    def _fix(self) -> None:
        """The fix-it wizard (``fix_requested``: the window's row actions open it); the
        problem dialog for a problem that clears by itself with the next send."""
        if self._detail is None or self._detail.last_error is None:
            return
        if self._detail.last_error.fix not in (None, RETRY):
            self.fix_requested.emit(self._detail.kind, self._detail.number)
            return
        self.problem_dialog = ProblemDialog(self._detail, self)
        self.problem_dialog.open()  # not modal-blocking: the window stays alive


class LinesTable(QTableWidget):
    """A document's lines, all of them, in the pane's width: the amounts whole, the
    description at least ``DESCRIPTION_MIN`` wide, the account or item wrapped onto more
    lines when the pane is narrow; never a sideways scrollbar, never a row cut off."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(0, len(LINE_COLUMNS), parent, objectName="detailLines",
                         accessibleName="Lines of the document")
        self.setHorizontalHeaderLabels(LINE_COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(24)
        self._fitting = False

    def _wanted(self, column: int) -> int:
        return max(self.sizeHintForColumn(column),
                   self.horizontalHeader().sectionSizeHint(column))

    def fit(self) -> None:
        """Share the width out (amounts, then the description's minimum, then the account),
        then let each row be as tall as its wrapped words."""
        if self._fitting:
            return
        self._fitting = True
        try:
            room = self.width() - 2 * self.frameWidth()
            numbers = 0
            for column in (2, 3, 4):
                if not self.isColumnHidden(column):
                    width = self._wanted(column)
                    self.setColumnWidth(column, width)
                    numbers += width
            least = max(ACCOUNT_MIN, self.horizontalHeader().sectionSizeHint(1))  # its title
            account = max(least, min(self._wanted(1), room - numbers - DESCRIPTION_MIN))
            self.setColumnWidth(1, account)
            # Only a very narrow pane takes the description below its minimum (it wraps).
            self.setColumnWidth(0, max(ACCOUNT_MIN, room - numbers - account))
            self.resizeRowsToContents()
            height = (self.horizontalHeader().height() + 2 * self.frameWidth()
                      + sum(self.rowHeight(r) for r in range(self.rowCount())))
            self.setFixedHeight(max(height, 48))
        finally:
            self._fitting = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit()


def _quantity(value: Decimal | None) -> str:
    return "" if value is None else format_quantity(value)


def _value_words(label: str, value: object) -> str:
    """A recorded value in words: a problem by its label, an outcome as a word."""
    if label == DETAIL_WORDS["problem"] and isinstance(value, str):
        return problem_label(value)
    if label in (DETAIL_WORDS["outcome"], DETAIL_WORDS["operation"]) and isinstance(value, str):
        return words(value)
    return str(value)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _details(parent: QTreeWidgetItem, detail: Any) -> None:
    """A history entry's details as children: each key's value, nested ones opened up."""
    pairs: list[tuple[str, Any]]
    if isinstance(detail, dict):
        pairs = [(DETAIL_WORDS.get(k, words(k)), v) for k, v in detail.items() if v not in
                 (None, "", [], {})]
    elif isinstance(detail, list):
        pairs = [(str(n), v) for n, v in enumerate(detail, 1)]
    else:
        return
    for label, value in pairs:
        if isinstance(value, dict | list):
            child = QTreeWidgetItem(parent, ["", "", label])
            _details(child, value)
        else:
            text = f"{label}: {_value_words(label, value)}"
            child = QTreeWidgetItem(parent, ["", "", text])
            child.setToolTip(2, text)
