"""The Sync Log page's side panel: one row in full — what happened in SyncDesk's words,
what was sent, QuickBooks' answer (its code, message, detail, transaction id) and what the
problem means — with the row's Resync and Exclude buttons."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.events import LogResult
from app.domain.money import display_money
from app.services.sync_log import LogDetail
from ui.models.sync_log import document_text, operation_word, result_word

NOTHING_SELECTED = "Select a row of the log to see what was sent and what QuickBooks answered."
SENT_WORDS = {"entity": "As", "DocNumber": "Number", "VendorRef": "QuickBooks vendor",
              "TxnDate": "Date", "lines": "Lines", "total": "Total",
              "request_id": "Request id (sent once, whatever happens)"}


def _table(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(
        f"<tr><td style='padding-right:10px'><i>{escape(name)}</i></td>"
        f"<td>{escape(str(value))}</td></tr>"
        for name, value in rows if value not in (None, ""))
    return f"<table cellspacing='0' cellpadding='2'>{cells}</table>" if cells else ""


def _section(title: str, body: str) -> str:
    return f"<h4 style='margin-bottom:2px'>{escape(title)}</h4>{body}" if body else ""


def _sent(sent: Mapping[str, Any] | None, detail: LogDetail) -> str:
    if not sent:
        return "<p>Nothing: SyncDesk stopped it before sending.</p>" \
            if detail.row.result == LogResult.BLOCKED else ""
    rows = []
    for key, value in sent.items():
        if key == "total":
            total = detail.total_sent
            value = display_money(total) if total is not None else value
        rows.append((SENT_WORDS.get(key, key), value))
    return _table(rows)


def detail_html(detail: LogDetail) -> str:
    """The row in full, as the side panel shows it (HTML; every value escaped)."""
    row = detail.row
    head = (f"<h3 style='margin-bottom:0'>{escape(document_text(row))} — "
            f"{escape(operation_word(row.operation))}</h3>"
            f"<p style='margin-top:2px'>{escape(result_word(row.result))}, "
            f"{escape(row.when)} UTC</p>")
    happened = f"<p>{escape(detail.explanation)}</p>" if detail.explanation else ""
    problem = ""
    if detail.problem:
        problem = _table([("Problem", row.problem_label or detail.problem),
                          ("What it means", detail.meaning)])
    answer = _table([("QuickBooks id", detail.qbo_id), ("Code", detail.code),
                     ("Message", detail.message), ("Detail", detail.detail),
                     ("Field", detail.element),
                     ("Transaction id (intuit_tid)", detail.intuit_tid)])
    more = ""
    if len(detail.faults) > 1:
        more = "".join(f"<li>{escape(str(f.get('code') or ''))} "
                       f"{escape(str(f.get('message') or ''))}: "
                       f"{escape(str(f.get('detail') or ''))}</li>" for f in detail.faults[1:])
        more = f"<p>Its other errors:</p><ul>{more}</ul>"
    return (head + _section("What happened", happened) + _section("The problem", problem)
            + _section("What was sent", _sent(detail.sent, detail))
            + _section("QuickBooks' answer", answer + more
                       or ("<p>None: nothing reached QuickBooks.</p>" if not detail.sent
                           else "")))


class SyncLogDetails(QWidget):
    """The selected row in full, and its actions' buttons."""

    def __init__(self, resync: QAction, exclude: QAction,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="syncLogDetailPane")
        self.text = QTextBrowser(self, objectName="syncLogDetails")
        self.text.setAccessibleName("Details of the selected sync log row")
        self.text.setOpenLinks(False)
        self.placeholder = QLabel(NOTHING_SELECTED, self, objectName="syncLogDetailsEmpty")
        self.placeholder.setWordWrap(True)
        self.resync = QPushButton(resync.text(), self, objectName="syncLogResyncButton")
        self.exclude = QPushButton(exclude.text(), self, objectName="syncLogExcludeButton")
        for button, action in ((self.resync, resync), (self.exclude, exclude)):
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            action.changed.connect(lambda b=button, a=action: b.setEnabled(a.isEnabled()))
            button.setEnabled(action.isEnabled())
        buttons = QHBoxLayout()
        buttons.addWidget(self.resync)
        buttons.addWidget(self.exclude)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.text, 1)
        self.shown: int | None = None  # the row id shown
        self.clear()

    def clear(self, words: str = NOTHING_SELECTED) -> None:
        self.shown = None
        self.text.clear()
        self.text.setVisible(False)
        self.placeholder.setText(words)
        self.placeholder.setVisible(True)

    def show_detail(self, detail: LogDetail) -> None:
        self.shown = detail.row.id
        self.placeholder.setVisible(False)
        self.text.setHtml(detail_html(detail))
        self.text.setVisible(True)

    def plain_text(self) -> str:
        return self.text.toPlainText() if self.text.isVisible() else self.placeholder.text()
