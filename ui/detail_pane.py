"""The detail pane: the selected document's header, lines, QuickBooks box, problem and
history, with its one-click actions. It asks the documents service in the background."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.states import DocKind
from app.services.documents_views import DocumentDetail, HistoryEntry
from ui.context import UiContext


class DetailPane(QWidget):
    resend_requested = Signal(object, str)  # kind, number
    fix_requested = Signal(object, str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="detailPane")
        self._ctx = ctx
        self._shown: tuple[DocKind, str] | None = None
        self._asked = 0
        self.title = QLabel("Select a document to see it here", self)
        self.quickbooks = QLabel(self)
        self.quickbooks.setWordWrap(True)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.resend = QPushButton("Resend", self, objectName="resendButton")
        self.open_in_qbo = QPushButton("Open in QuickBooks", self, objectName="openInQboButton")
        self.fix_it = QPushButton("Fix it…", self, objectName="fixItButton")
        self.history = QTreeWidget(self, objectName="historyView")
        self.history.setHeaderLabels(["When", "Who", "What"])
        form = QFormLayout()
        form.addRow("QuickBooks", self.quickbooks)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.resend)
        layout.addWidget(self.open_in_qbo)
        layout.addWidget(self.fix_it)
        layout.addWidget(self.history, 1)
        self.resend.clicked.connect(self._resend)
        self.fix_it.clicked.connect(self._fix)
        self.clear()

    def clear(self) -> None:
        self._shown = None
        self.title.setText("Select a document to see it here")
        self.quickbooks.clear()
        self.problem.clear()
        self.history.clear()
        for button in (self.resend, self.open_in_qbo, self.fix_it):
            button.setEnabled(False)

    def show_document(self, kind: DocKind, number: str) -> None:
        self._asked += 1
        asked, documents = self._asked, self._ctx.services.documents

        def job(progress: object, cancel: object) -> tuple[DocumentDetail, list[HistoryEntry]]:
            return documents.detail(kind, number), documents.history(kind, number)

        self._ctx.tasks.start(job, "detail", on_success=lambda answer: self._answered(asked,
                                                                                     answer))

    def _answered(self, asked: int, answer: tuple[DocumentDetail, list[HistoryEntry]]) -> None:
        if asked != self._asked:
            return
        detail, history = answer
        self._shown = (detail.kind, detail.number)
        noun = "PO" if detail.kind is DocKind.PO else "Invoice"
        self.title.setText(f"{noun} {detail.number} — {detail.supplier or ''}")
        self.quickbooks.setText(detail.quickbooks)
        box = detail.last_error
        self.problem.setText(box.explanation or "" if box else "")
        self.resend.setEnabled(True)
        self.fix_it.setEnabled(box is not None)
        self.history.clear()
        for entry in reversed(history):
            QTreeWidgetItem(self.history, [entry.at.strftime("%Y-%m-%d %H:%M"), entry.actor,
                                           entry.summary])

    def _resend(self) -> None:
        if self._shown:
            self.resend_requested.emit(*self._shown)

    def _fix(self) -> None:
        if self._shown:
            self.fix_requested.emit(*self._shown)
