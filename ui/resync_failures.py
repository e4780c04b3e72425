"""Resync Failures (the toolbar's ``resyncFailuresButton``): the button says how many
documents it would send ("Resync failures (8)"); a click asks the store what it would
send (off the GUI thread), lists them in a Yes/No confirmation, and on Yes starts the
window's own resync (a sync, with its progress and Cancel in the status bar)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from app.domain.qbo_column import column_text
from app.services.sync_log import ResyncPreview
from app.text import count_of
from ui.context import UiContext

BUTTON = "Resync failures"
LISTED = 15  # documents named in the question itself; all of them under "Show Details"
NOTHING = ("No document has failed or been blocked, so there is nothing to send again. "
           "Excluded documents stay out until they are included again.")


def button_text(count: int) -> str:
    return f"{BUTTON} ({count:,})" if count else BUTTON


def preview_lines(preview: ResyncPreview) -> list[str]:
    """One line per document: "PO-1061 — Blocked: name taken in QuickBooks"."""
    return [f"{d.number} — {column_text(d.sync_state, d.problem)}" for d in preview.documents]


class ResyncFailures(QObject):
    """The count on ``button`` and the confirmation before ``start`` (the resync itself)."""

    def __init__(self, ctx: UiContext, button: QPushButton, start: Callable[[], None],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._button = button
        self._start = start
        self._parent = parent
        self._asked = 0
        self.count: int | None = None
        self.box: QMessageBox | None = None
        button.setAccessibleName(BUTTON)

    def refresh_count(self, *_: object) -> None:
        """Ask again how many documents Resync Failures would send (off the GUI thread)."""
        services = self._ctx.services
        if services is None:
            return
        self._asked += 1
        number = self._asked
        self._ctx.tasks.start(lambda _p, _c: services.sync_log.resync_preview(),
                              "resync count",
                              on_success=lambda preview: self._counted(number, preview))

    def _counted(self, number: int, preview: ResyncPreview) -> None:
        if number != self._asked:
            return  # an older question's answer
        self.count = preview.count
        self._button.setText(button_text(preview.count))

    def ask(self) -> None:
        """The button's click: what would be sent, then the question."""
        services = self._ctx.services
        if services is None or self._ctx.tasks.running("resync preview"):
            return
        self._asked += 1
        number = self._asked
        self._ctx.tasks.start(lambda _p, _c: services.sync_log.resync_preview(),
                              "resync preview",
                              on_success=lambda preview: self._confirm(number, preview))

    def _confirm(self, number: int, preview: ResyncPreview) -> None:
        self._counted(number, preview)
        if self.box is not None and self.box.isVisible():
            return
        if not preview.count:
            self.box = QMessageBox(QMessageBox.Icon.Information, BUTTON, NOTHING,
                                   QMessageBox.StandardButton.Ok, self._parent)
            self.box.setObjectName("resyncNothingMessage")
            self.box.open()
            return
        lines = preview_lines(preview)
        shown = "\n".join(f"• {line}" for line in lines[:LISTED])
        if len(lines) > LISTED:
            shown += f"\n… and {len(lines) - LISTED:,} more (Show Details lists them all)."
        what = count_of(preview.count, "document")
        box = QMessageBox(QMessageBox.Icon.Question, BUTTON,
                          f"Send {what} to QuickBooks again?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self._parent)
        box.setObjectName("resyncConfirm")
        box.setInformativeText(f"{shown}\n\nEach is checked again first; what is still wrong "
                               "stays blocked. Excluded documents are not sent.")
        if len(lines) > LISTED:
            box.setDetailedText("\n".join(lines))
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.button(QMessageBox.StandardButton.Yes).setText("Send again")
        box.button(QMessageBox.StandardButton.No).setText("Not now")
        box.finished.connect(lambda _r, box=box: self._answered(box))
        self.box = box
        box.open()

    def _answered(self, box: QMessageBox) -> None:
        if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
            self._start()
