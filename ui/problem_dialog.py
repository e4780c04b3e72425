"""What "Fix it…" shows for a problem that has no fix-it wizard (one that clears by itself
with the next send, one SyncDesk cannot repair by itself yet): the document's problem in
plain words, what to do about it, and QuickBooks' own error as it came."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.hints import plain
from app.services.documents_views import DocumentDetail

FAULT_FIELDS = (("code", "Code"), ("message", "Message"), ("detail", "Detail"),
                ("element", "Field"), ("intuit_tid", "Request id"))


def raw_error(detail: DocumentDetail) -> str:
    """QuickBooks' error(s) behind the problem, one field a line; or why there are none."""
    box = detail.last_error
    if box is None:
        return ""
    parts = []
    for fault in box.faults:
        lines = [f"{label}: {fault[key]}" for key, label in FAULT_FIELDS if fault.get(key)]
        if lines:
            parts.append("\n".join(lines))
    if parts:
        return "\n\n".join(parts)
    if box.code:  # without faults, the message is SyncDesk's own words: shown above
        return "\n".join(f"{label}: {value}" for label, value in
                         (("Code", box.code), ("Message", box.message)) if value)
    return "QuickBooks sent no error: SyncDesk found this before sending the document."


class ProblemDialog(QDialog):
    def __init__(self, detail: DocumentDetail, parent: QWidget | None = None,
                 why: str = "") -> None:
        super().__init__(parent, objectName="problemDialog")
        box = detail.last_error
        assert box is not None
        self.setWindowTitle(f"{detail.number}: what went wrong")
        explanation = QLabel(box.explanation or box.message or "", self,
                             objectName="problemExplanation")
        explanation.setWordWrap(True)
        advice = QLabel(box.advice.words(plain), self, objectName="problemWhatToDo")
        advice.setWordWrap(True)
        self.raw = QPlainTextEdit(raw_error(detail), self, objectName="qboRawError")
        self.raw.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        if why:  # why there is no fix-it wizard for it
            no_wizard = QLabel(why, self, objectName="problemNoWizard")
            no_wizard.setWordWrap(True)
            layout.addWidget(no_wizard)
        layout.addWidget(QLabel("<b>What to do</b>", self))
        layout.addWidget(advice)
        layout.addWidget(QLabel("<b>QuickBooks' own error</b>", self))
        layout.addWidget(self.raw, 1)
        layout.addWidget(buttons)
        self.resize(520, 380)
