"""The row actions: Resend, Approve, Exclude… and Include, on the selected rows.

One set of QActions serves the detail pane's buttons and the tables' context menu.
The chosen rows are handled in turn by one background task; each document's new
row comes back so that the table shows it in place (no reload), and what could not
be done is told in plain words, per document.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain import workflow
from app.domain.problems import label as problem_label
from app.domain.qbo_column import state_word
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.errors import UserError
from app.services.documents_views import DocumentRow
from app.work import Cancelled, check_cancel, report_progress
from ui.context import UiContext
from ui.fix_wizard import FixLauncher
from ui.theme import tone

log = logging.getLogger(__name__)

SAY_MS = 15000  # how long a Resend's outcome stays in the status bar
REASON_NEEDED = "Say why these documents stay out of QuickBooks: the reason is kept in " \
                "their history."
Selection = Callable[[], list[DocumentRow]]
Notify = Callable[[str, str], None]  # title, text


@dataclass
class ActionReport:
    """What one action did: each document's row as it is now, and what could not be done."""

    rows: list[DocumentRow] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # number, plain words


def approvable(row: DocumentRow) -> bool:
    """Whether the workflow lets ``row`` be approved (a draft or pending PO, an outstanding
    invoice)."""
    try:
        if row.kind is DocKind.PO:
            workflow.approve_po(PoStatus(row.status))
        else:
            workflow.approve_invoice(InvoiceStatus(row.status))
    except (UserError, ValueError):
        return False
    return True


class ReasonDialog(QDialog):
    """Asks why documents are excluded; an empty reason is refused in the dialog itself.
    Opened with ``open()`` (the window is never blocked); ``reason_given`` on OK."""

    reason_given = Signal(str)

    def __init__(self, numbers: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="excludeReasonDialog")
        self.setWindowTitle("Exclude from QuickBooks")
        what = numbers[0] if len(numbers) == 1 else f"these {len(numbers)} documents"
        label = QLabel(f"Why should {what} stay out of QuickBooks?", self)
        label.setWordWrap(True)
        self.reason = QLineEdit(self, objectName="excludeReasonEdit")
        self.reason.setPlaceholderText("e.g. entered in QuickBooks by hand")
        self.refusal = QLabel(self, objectName="excludeReasonRefusal")
        self.refusal.setWordWrap(True)
        tone(self.refusal, "error")
        self.refusal.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Exclude")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(self.refusal)
        layout.addWidget(self.buttons)
        self.resize(420, self.sizeHint().height())

    def accept(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.refusal.setText(REASON_NEEDED)
            self.refusal.show()
            return
        super().accept()
        self.reason_given.emit(reason)


class DocumentActions(QObject):
    """Resend, Approve, Exclude…, Include on the rows ``selection()`` gives.

    ``rows_changed`` carries the changed documents' new rows (the window puts them in
    the tables and refreshes the detail pane); ``notify(title, text)`` tells the user
    what could not be done (by default a non-blocking message box)."""

    rows_changed = Signal(list)
    finished = Signal(object)  # the ActionReport

    def __init__(self, ctx: UiContext, selection: Selection, parent: QWidget,
                 notify: Notify | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._selection = selection
        self._parent = parent
        self._notify = notify or self._message_box
        self.reason_dialog: ReasonDialog | None = None
        self._busy = False
        self.message: QMessageBox | None = None
        self.said = ""  # the last word given in the status bar
        self.fixer = FixLauncher(ctx, parent)
        self.fixer.rows_changed.connect(self.rows_changed)
        self.resend = self._action("Resend", "resendAction",
                                   "Send again to QuickBooks now, whatever happened before",
                                   self._resend)
        self.approve = self._action("Approve", "approveAction",
                                    "Approve; an approved document goes to QuickBooks",
                                    self._approve)
        self.exclude = self._action("Exclude…", "excludeAction",
                                    "Keep out of QuickBooks (asks why)", self._exclude)
        self.include = self._action("Include", "includeAction",
                                    "Let an excluded document sync again", self._include)
        self.menu = QMenu(parent, objectName="rowMenu")
        self.menu.addActions(list(self.actions().values()))
        self.update()

    def _action(self, text: str, name: str, tip: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self._parent)
        action.setObjectName(name)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def actions(self) -> dict[str, QAction]:
        return {"resend": self.resend, "approve": self.approve, "exclude": self.exclude,
                "include": self.include}

    # --- what is enabled -----------------------------------------------------------------

    def update(self) -> None:
        """Enable what makes sense for the selected rows (none while an action runs)."""
        rows = [] if self.busy else self._selection()
        excluded = [r.sync_state == SyncState.EXCLUDED.value for r in rows]
        self.resend.setEnabled(any(r.can_resend for r in rows))  # the service's rule
        self.approve.setEnabled(any(approvable(r) for r in rows))
        self.exclude.setEnabled(bool(rows) and not all(excluded))
        self.include.setEnabled(any(excluded))
        self.exclude.setVisible(not rows or not all(excluded))
        self.include.setVisible(any(excluded))

    @property
    def busy(self) -> bool:
        """Whether an action is under way (its documents not all handled yet)."""
        return self._busy

    # --- the context menu ----------------------------------------------------------------

    def attach(self, table: QTableView) -> None:
        """The same actions in ``table``'s context menu (right-click on a row)."""
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(lambda at: self._menu(table, at))

    def _menu(self, table: QTableView, at: QPoint) -> None:
        index = table.indexAt(at)
        if not index.isValid():
            return
        if not table.selectionModel().isRowSelected(index.row(), index.parent()):
            table.selectRow(index.row())
        self.update()
        self.menu.popup(table.viewport().mapToGlobal(at))

    # --- the actions ---------------------------------------------------------------------

    def _targets(self) -> list[DocumentRow]:
        return [] if self.busy else self._selection()

    def _resend(self) -> None:
        sync = self._ctx.services.sync
        self.run("Resend", [r for r in self._targets() if r.can_resend],
                 lambda r: sync.resend(r.kind, r.number))

    def _approve(self) -> None:
        documents = self._ctx.services.documents
        self.run("Approve", [r for r in self._targets() if approvable(r)],
                 lambda r: documents.approve(r.kind, r.number))

    def fix_document(self, kind: DocKind, number: str) -> None:
        """"Fix it…": the document's fix-it wizard (or its problem, when it has none)."""
        self.fixer.open(kind, number)

    def _exclude(self) -> None:
        rows = [r for r in self._targets() if r.sync_state != SyncState.EXCLUDED.value]
        if not rows:
            return
        self.reason_dialog = ReasonDialog([r.number for r in rows], self._parent)
        self.reason_dialog.reason_given.connect(lambda reason: self.exclude_with(rows, reason))
        self.reason_dialog.open()

    def exclude_with(self, rows: list[DocumentRow], reason: str) -> None:
        if not reason.strip():
            self._notify("Exclude", REASON_NEEDED)
            return
        sync = self._ctx.services.sync
        self.run("Exclude", rows, lambda r: sync.exclude(r.kind, r.number, reason.strip()))

    def _include(self) -> None:
        sync = self._ctx.services.sync
        self.run("Include", [r for r in self._targets()
                             if r.sync_state == SyncState.EXCLUDED.value],
                 lambda r: sync.include(r.kind, r.number))

    def run(self, title: str, rows: list[DocumentRow], act: Callable[[DocumentRow], object]
            ) -> None:
        """``act`` on each row in turn, in one background task."""
        if not rows or self.busy:
            return
        documents = self._ctx.services.documents

        def job(progress: object, cancel: object) -> ActionReport:
            report = ActionReport()
            for done, row in enumerate(rows):
                check_cancel(cancel)  # type: ignore[arg-type]
                report_progress(progress, done, len(rows), row.number)  # type: ignore[arg-type]
                try:
                    act(row)
                except UserError as exc:
                    report.errors.append((row.number, str(exc)))
                except Cancelled:
                    raise
                except Exception:  # told in words; the traceback goes to the log
                    log.exception("%s of %s failed", title, row.number)
                    report.errors.append((row.number, "something went wrong; the details "
                                                      "are in SyncDesk's log file"))
                with contextlib.suppress(UserError):  # gone meanwhile: nothing to show
                    report.rows.append(documents.row(row.kind, row.number))
            return report

        self._busy = True
        self._ctx.tasks.start(job, "actions", on_success=lambda r: self._done(title, r),
                              on_failure=lambda e: self._failed(title, e))
        self.update()

    def _done(self, title: str, report: ActionReport) -> None:
        self._busy = False
        self.update()
        if report.rows:
            self.rows_changed.emit(report.rows)
        if report.errors:
            self._notify(title, _errors_text(title, report.errors))
        elif title == "Resend" and report.rows:
            self._say(_resent_text(report.rows))
        self.finished.emit(report)

    def _say(self, text: str) -> None:
        """A word in the window's status bar (a Resend's outcome)."""
        self.said = text
        status = getattr(self._parent, "statusBar", None)
        if callable(status):
            status().showMessage(text, SAY_MS)

    def _failed(self, title: str, error: BaseException) -> None:
        self._busy = False
        self.update()
        text = "Stopped." if isinstance(error, Cancelled) else str(error)
        self._notify(title, text)
        self.finished.emit(ActionReport(errors=[("", text)]))

    def _message_box(self, title: str, text: str) -> None:
        self.message = QMessageBox(QMessageBox.Icon.Information, title, text,
                                   QMessageBox.StandardButton.Ok, self._parent)
        self.message.setObjectName("actionMessage")
        self.message.open()


def _resent_text(rows: list[DocumentRow]) -> str:
    """What a Resend came to: "PO-1063 is still blocked: A/P or A/R account"."""
    stuck = [r for r in rows if r.sync_state != SyncState.SYNCED.value]
    if not stuck:
        return (f"{rows[0].number} is in QuickBooks now." if len(rows) == 1
                else f"{len(rows)} documents are in QuickBooks now.")
    if len(rows) == 1:
        row = rows[0]
        why = problem_label(row.problem) if row.problem else "see its details"
        if row.sync_state == SyncState.BLOCKED.value:
            return f"{row.number} is still blocked: {why}"
        if row.sync_state == SyncState.FAILED.value:
            return f"{row.number} failed again: {why}"
        return f"{row.number} is {state_word(row.sync_state).lower()}."
    names = ", ".join(r.number for r in stuck[:3]) + ("…" if len(stuck) > 3 else "")
    return f"{len(stuck)} of {len(rows)} documents are not in QuickBooks yet: {names}"


def _errors_text(title: str, errors: list[tuple[str, str]]) -> str:
    if len(errors) == 1:
        number, words = errors[0]
        return f"{title} did not go through for {number}: {words}"
    lines = "\n".join(f"• {number}: {words}" for number, words in errors)
    return f"{title} did not go through for {len(errors)} documents:\n{lines}"
