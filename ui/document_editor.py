"""The document editor: create or edit a PO or a supplier invoice with its lines, and take
it through its approval steps.

Everything the dialog reads or writes goes through ``services.documents`` in a worker
(``ctx.tasks``). Save sends the whole draft to the core, which checks every field at once:
each refused field is marked where it is (a red frame, its reason under it, and in the
lines table a tinted cell with the reason as tooltip), with a summary at the top, and
nothing is written. The workflow buttons show the steps the document's status allows;
a step on a document with unsaved changes saves it first. The dialog keeps the version
it read: a save (or a step) after someone else saved a newer one is refused, says who
changed what, and leaves what was typed in place.

Object names (tests and screen readers): the dialog ``documentEditor``; fields
``numberEdit``, ``supplierEdit``, ``currencyEdit``, ``memoEdit``; POs ``poDateEdit``;
invoices ``referenceEdit``, ``issueDateEdit``, ``dueDateEdit``, ``poEdit``; each field's
message ``<field>Error`` (``numberError``, ``supplierError``, ``poDateError``…, and
``linesError`` under the lines); ``errorSummary``; ``linesTable``, ``addLineButton``,
``removeLineButton``, ``totalLabel``; ``statusLabel``, ``savedLabel``; ``saveButton``,
``dismissButton``; workflow ``submitButton``, ``approveButton``, ``overrideButton``,
``cancelDocumentButton``, ``closeDocumentButton``, ``readyButton`` (invoices); a step's
confirmation is a ``QMessageBox`` named ``confirmStep``.

``install(window)`` adds Edit → New purchase order… (Ctrl+N), New invoice…, Edit… (Ctrl+E,
also a double-click on a row) to the main window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.qbo_column import state_word
from app.domain.roles import Permission
from app.domain.states import DocKind
from app.errors import UserError
from app.hints import plain
from app.services.documents import ListQuery, Step
from app.services.documents_views import DocumentRow
from app.services.drafts import (
    Draft,
    EditConflict,
    FieldErrors,
    SaveOutcome,
    allowed_steps,
    editable,
)
from app.text import count_of
from ui.chart_chooser import ChooserDelegate, fill, name_combo
from ui.context import UiContext
from ui.error_dialog import show_error
from ui.field_marks import error_colour, error_label, mark
from ui.models.draft_lines import DraftLinesModel
from ui.roles import tip as role_tip

if TYPE_CHECKING:
    from ui.window import MainWindow

CURRENCIES = ("USD", "CAD", "EUR", "GBP", "AUD")  # the usual ones; any ISO code may be typed
PO_LIST_LIMIT = 500  # an invoice's PO chooser lists the newest POs


@dataclass(frozen=True)
class Field:
    key: str  # the core's field name
    name: str  # the widget's name stem: ``<name>Edit``, ``<name>Error``
    label: str
    hint: str = ""


PO_FIELDS = (Field("number", "number", "PO number"), Field("supplier", "supplier", "Supplier"),
             Field("po_date", "poDate", "PO date",
                   "YYYY-MM-DD; empty: QuickBooks gets the approval date"),
             Field("currency", "currency", "Currency"), Field("memo", "memo", "Memo"))
INVOICE_FIELDS = (Field("number", "number", "Invoice number"),
                  Field("supplier", "supplier", "Supplier"),
                  Field("reference", "reference", "Supplier's invoice number"),
                  Field("issue_date", "issueDate", "Invoice date", "YYYY-MM-DD"),
                  Field("due_date", "dueDate", "Due date", "YYYY-MM-DD, or empty"),
                  Field("po", "po", "PO", "the PO this invoice bills, or empty"),
                  Field("currency", "currency", "Currency"), Field("memo", "memo", "Memo"))

STEP_BUTTONS = {  # step: (object name, label, tooltip)
    Step.SUBMIT: ("submitButton", "Submit", "Send this draft PO for approval"),
    Step.APPROVE: ("approveButton", "Approve",
                   "Approve; an approved document is queued for QuickBooks"),
    Step.OVERRIDE: ("overrideButton", "Approval override…",
                    "Finance: approve this pending PO at once, without the approval round"),
    Step.CANCEL: ("cancelDocumentButton", "Cancel PO…",
                  "Cancel this PO; one already in QuickBooks is closed there at the next sync"),
    Step.CLOSE: ("closeDocumentButton", "Close PO…",
                 "Close this approved PO: nothing more will be billed on it"),
    Step.READY: ("readyButton", "Ready to pay", "Mark this approved invoice ready to pay"),
}
PO_STEPS = (Step.SUBMIT, Step.APPROVE, Step.OVERRIDE, Step.CANCEL, Step.CLOSE)
INVOICE_STEPS = (Step.APPROVE, Step.READY)
STEP_DONE = {Step.SUBMIT: "submitted for approval", Step.APPROVE: "approved and queued for "
             "QuickBooks", Step.OVERRIDE: "approved by approval override and queued for "
             "QuickBooks", Step.CANCEL: "cancelled", Step.CLOSE: "closed",
             Step.READY: "marked ready to pay"}


def confirm_words(step: Step, number: str) -> str | None:
    """What a step that needs a Yes says first (None: it needs none)."""
    if step is Step.OVERRIDE:
        return (f"An approval override approves {number} now, without waiting for the "
                "approvers, and queues it for QuickBooks.\n\nUse it as finance when the "
                "purchase cannot wait for the approval round. The override is kept in the "
                "PO's history with your name.\n\nApprove by override?")
    if step is Step.CANCEL:
        return (f"Cancel {number}? A cancelled PO can no longer be edited or approved; if it "
                "is in QuickBooks already, the next sync closes it there.")
    if step is Step.CLOSE:
        return (f"Close {number}? A closed PO takes no more bills; the next sync closes it in "
                "QuickBooks too.")
    return None


def status_words(draft: Draft) -> str:
    status = draft.status.replace("_", " ").capitalize()
    state = state_word(draft.sync_state) if draft.sync_state else ""
    words = f"{status} · QuickBooks: {state}" if state else status
    return f"{words} · version {draft.revision}" if draft.revision else words


@dataclass(frozen=True)
class Lists:
    suppliers: list[str]
    accounts: list[str]
    items: list[str]
    pos: list[str]


class DocumentEditor(QDialog):
    """One PO or invoice: a new one (``number`` None) or a stored one."""

    changed = Signal(object, bool)  # the document's DocumentRow now, whether it is new
    loaded = Signal()  # the draft and the lists are shown
    saved = Signal(object)  # the SaveOutcome
    refused = Signal(object)  # the FieldErrors (or UserError) of a Save, or a step's error
    stepped = Signal(object)  # the Step done

    def __init__(self, ctx: UiContext, kind: DocKind, number: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="documentEditor")
        self._ctx = ctx
        self.kind = kind
        self.number = number
        self._clean: Draft | None = None
        self._draft: Draft | None = None
        self._lists = Lists([], [], [], [])
        self._busy = False
        self.confirmation: QMessageBox | None = None
        self.refused_errors: dict[Any, str] = {}  # the last Save's, by field
        self._shown_errors: dict[Any, str] = {}
        invoice = kind is DocKind.INVOICE
        self.noun = "invoice" if invoice else "PO"
        self.setWindowTitle(("New invoice" if invoice else "New purchase order")
                            if number is None else f"{self.noun} {number}".replace("PO PO",
                                                                                   "PO"))
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)

        self.status = QLabel(self, objectName="statusLabel")
        self.summary = QLabel(self, objectName="errorSummary")
        self.summary.setWordWrap(True)
        self.summary.hide()

        self.fields = INVOICE_FIELDS if invoice else PO_FIELDS
        self.edits: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        half = (len(self.fields) + 1) // 2
        for i, spec in enumerate(self.fields):
            row, col = (i, 0) if i < half else (i - half, 2)
            widget = self._field(spec)
            label = QLabel(spec.label, self)
            label.setBuddy(widget)
            label.setContentsMargins(0, 4, 0, 0)  # level with the text in its field
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(widget)
            box.addWidget(self.errors[spec.key])
            grid.addWidget(label, row, col, Qt.AlignmentFlag.AlignTop)
            grid.addLayout(box, row, col + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.supplier: QComboBox = self.edits["supplier"]  # type: ignore[assignment]
        self.currency: QComboBox = self.edits["currency"]  # type: ignore[assignment]
        self.currency.addItems(list(CURRENCIES))

        self.model = DraftLinesModel(invoice, self)
        self.model.changed.connect(self._lines_changed)
        self.table = QTableView(self, objectName="linesTable")
        self.table.setAccessibleName(f"Lines of the {self.noun}")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers
                                   & ~QAbstractItemView.EditTrigger.CurrentChanged)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for key, width in (("account", 190), ("item", 130), ("qty", 60), ("unit_price", 90),
                           ("amount", 100), ("po_line", 60)):
            if any(c.key == key for c in self.model.columns):
                self.table.setColumnWidth(self.model.column_of(key), width)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.table.setItemDelegateForColumn(self.model.column_of("account"), ChooserDelegate(
            lambda: self._lists.accounts, "account", self.table))
        self.table.setItemDelegateForColumn(self.model.column_of("item"), ChooserDelegate(
            lambda: self._lists.items, "item", self.table))
        self.add_line = QPushButton("Add line", self, objectName="addLineButton")
        self.add_line.clicked.connect(self._add_line)
        self.remove_line = QPushButton("Remove line", self, objectName="removeLineButton")
        self.remove_line.setToolTip("Take the selected lines out (saved with the document)")
        self.remove_line.clicked.connect(self._remove_lines)
        self.total = QLabel(self, objectName="totalLabel")
        self.total.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.errors["lines"] = error_label("lines", self)
        line_row = QHBoxLayout()
        line_row.addWidget(self.add_line)
        line_row.addWidget(self.remove_line)
        line_row.addStretch(1)
        line_row.addWidget(self.total)

        self.step_buttons: dict[Step, QPushButton] = {}
        steps = QHBoxLayout()
        for step in INVOICE_STEPS if invoice else PO_STEPS:
            name, text, tip = STEP_BUTTONS[step]
            button = QPushButton(text, self, objectName=name)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, s=step: self.run_step(s))
            button.hide()
            self.step_buttons[step] = button
            steps.addWidget(button)
        steps.addStretch(1)
        self.saved_label = QLabel(self, objectName="savedLabel")
        self.save_button = QPushButton("Save", self, objectName="saveButton")
        self.save_button.setDefault(True)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setToolTip("Check every field and save (Ctrl+S); nothing is saved "
                                    "while a field is wrong")
        self.save_button.clicked.connect(lambda: self.save())
        self.dismiss = QPushButton("Close", self, objectName="dismissButton")
        self.dismiss.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.saved_label, 1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.dismiss)

        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        layout.addLayout(grid)
        layout.addSpacing(6)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.errors["lines"])
        layout.addLayout(line_row)
        layout.addSpacing(6)
        layout.addLayout(steps)
        layout.addLayout(bottom)
        self.resize(940, 620)
        self._set_enabled(False)
        self.load()

    def _field(self, spec: Field) -> QWidget:
        widget: QWidget
        if spec.key in ("supplier", "currency"):
            widget = name_combo(f"{spec.name}Edit", spec.label, self)
            widget.editTextChanged.connect(self._dirty_changed)
        else:
            edit = QLineEdit(self, objectName=f"{spec.name}Edit")
            edit.setAccessibleName(spec.label)
            edit.setPlaceholderText(spec.hint)
            edit.textEdited.connect(self._dirty_changed)
            if spec.key == "po":
                edit.setClearButtonEnabled(True)
            widget = edit
        if spec.hint:
            widget.setWhatsThis(spec.hint)
        self.edits[spec.key] = widget
        self.errors[spec.key] = error_label(spec.name, self)
        return widget

    # --- reading and showing -----------------------------------------------------------

    def load(self) -> None:
        documents = self._ctx.services.documents
        kind, number = self.kind, self.number

        def job(_progress: Any, _cancel: Any) -> tuple[Draft, Lists]:
            draft = documents.draft(kind, number) if number else documents.new_draft(kind)
            suppliers = [s.name for s in documents.suppliers() if s.active]
            if draft.supplier and draft.supplier not in suppliers:
                suppliers.append(draft.supplier)
            accounts = [a.name for a in documents.accounts() if a.active]
            items = [i.name for i in documents.items() if i.active]
            pos = [r.number for r in documents.list(DocKind.PO, ListQuery(limit=PO_LIST_LIMIT))
                   ] if kind is DocKind.INVOICE else []
            return draft, Lists(sorted(suppliers, key=str.lower), accounts, items, pos)

        self._busy = True
        self.saved_label.setText("Reading…")
        self._ctx.tasks.start(job, "editor", on_success=self._loaded,
                              on_failure=self._load_failed)

    def _loaded(self, answer: tuple[Draft, Lists]) -> None:
        draft, lists = answer
        self._busy = False
        self._lists = lists
        fill(self.supplier, lists.suppliers)
        po = self.edits.get("po")
        if isinstance(po, QLineEdit):
            completer = QCompleter(lists.pos, po)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            po.setCompleter(completer)
        self.saved_label.setText("")
        self.show_draft(draft)
        self.loaded.emit()

    def _load_failed(self, error: BaseException) -> None:
        self._busy = False
        self.saved_label.setText("")
        self._show_problem(error)

    def show_draft(self, draft: Draft) -> None:
        """Fill the dialog with ``draft`` (as stored: nothing unsaved)."""
        self._draft = draft
        for spec in self.fields:
            widget = self.edits[spec.key]
            text = draft.text(spec.key)
            if isinstance(widget, QComboBox):
                widget.setEditText(text)
            elif isinstance(widget, QLineEdit):
                widget.setText(text)
        self.model.set_lines(draft.lines)
        self._clean = self.draft()
        self.show_errors({})
        can_edit = self.number is None or editable(self.kind, draft.status)
        self._set_enabled(can_edit)
        number = self.edits["number"]
        assert isinstance(number, QLineEdit)
        number.setReadOnly(self.number is not None)
        if self.number is None:
            self.status.setText(
                "A new PO: Save keeps it as a draft; then it can be submitted or approved here."
                if self.kind is DocKind.PO else
                "A new supplier invoice: Save keeps it as outstanding; then it can be approved "
                "here.")
        else:
            words = status_words(draft)
            if not can_edit:
                words += f" — a {draft.status.replace('_', ' ')} {self.noun} cannot be edited"
            self.status.setText(words)
        self._show_steps()
        self._dirty_changed()

    def _set_enabled(self, can_edit: bool) -> None:
        for spec in self.fields:
            widget = self.edits[spec.key]
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(not can_edit)
            else:
                widget.setEnabled(can_edit)
        self.model.editable = can_edit
        for widget in (self.add_line, self.remove_line, self.save_button):
            widget.setEnabled(can_edit)

    def _show_steps(self) -> None:
        allowed = allowed_steps(self.kind, self._draft.status) \
            if self.number is not None and self._draft is not None else ()
        for step, button in self.step_buttons.items():
            button.setVisible(step in allowed)
            button.setEnabled(step in allowed and not self._busy)
        override = self.step_buttons.get(Step.OVERRIDE)
        if override is not None:  # a finance user's or a company admin's (ui/roles.py)
            usual = self._override_tip = getattr(self, "_override_tip", override.toolTip())
            if not self._ctx.may(Permission.OVERRIDE_APPROVAL):
                override.setEnabled(False)
            override.setToolTip(role_tip(self._ctx, Permission.OVERRIDE_APPROVAL, usual))

    # --- the draft as typed --------------------------------------------------------------

    def draft(self) -> Draft:
        """What the dialog holds now."""
        base = self._draft or Draft(self.kind)
        values: dict[str, str] = {}
        for spec in self.fields:
            widget = self.edits[spec.key]
            if isinstance(widget, QComboBox):
                values[spec.key] = widget.currentText().strip()
            elif isinstance(widget, QLineEdit):
                values[spec.key] = widget.text().strip()
        return replace(base, **values, lines=self.model.lines())

    @property
    def dirty(self) -> bool:
        return self._clean is not None and self.draft() != self._clean

    def _dirty_changed(self, *_args: object) -> None:
        if self._clean is None:
            return
        if self.dirty:
            self.saved_label.setText("Unsaved changes")
        elif self.saved_label.text() == "Unsaved changes":
            self.saved_label.setText("")

    def _lines_changed(self) -> None:
        currency = self.currency.currentText().strip()
        self.total.setText(f"Total: {self.model.total_text()} {currency}".rstrip())
        self._dirty_changed()

    def _add_line(self) -> None:
        row = self.model.add_line()
        self.table.setCurrentIndex(self.model.index(row, 0))
        self.table.edit(self.model.index(row, 0))

    def _remove_lines(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}
                      or ({self.table.currentIndex().row()}
                          if self.table.currentIndex().isValid() else set()))
        self.model.remove_rows(rows)

    # --- errors at their fields --------------------------------------------------------

    def show_errors(self, errors: dict[Any, str]) -> None:
        """Each reason at its field (header, or (line, field) in the table); a summary on
        top. An empty mapping clears them all."""
        self._shown_errors = dict(errors)
        header = {k: v for k, v in errors.items() if isinstance(k, str)}
        lines = {(k[0] - 1, k[1]): v for k, v in errors.items() if isinstance(k, tuple)}
        for spec in self.fields:
            mark(self.edits[spec.key], self.errors[spec.key], header.get(spec.key))
        self.model.set_errors(lines)
        titles = {c.key: c.title.lower() for c in self.model.columns}
        line_words = [f"Line {row + 1}, {titles.get(key, key)}: {reason}"
                      for (row, key), reason in sorted(lines.items())]
        if "lines" in header:
            line_words.insert(0, header["lines"][:1].upper() + header["lines"][1:])
        mark(self.table, self.errors["lines"], "\n".join(line_words) or None)
        if errors:
            colour = error_colour(self.palette()).name()
            self.summary.setStyleSheet(f"color: {colour}; font-weight: bold;")
            self.summary.setText(f"Not saved: {count_of(len(errors), 'field')} "
                                 f"{'needs' if len(errors) == 1 else 'need'} a change (marked "
                                 "in red). Nothing was written.")
            self.summary.show()
            first = next(iter(errors))
            if isinstance(first, str) and first in self.edits:
                self.edits[first].setFocus()
            elif lines:
                row, key = min(lines)
                self.table.setCurrentIndex(self.model.index(row, self.model.column_of(key)))
        else:
            self.summary.hide()

    def changeEvent(self, event: QEvent) -> None:
        """Light or dark now: the marks are drawn again in the new scheme's red."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) \
                and self._shown_errors and not self.summary.isHidden():
            self.show_errors(self._shown_errors)

    def _show_problem(self, error: BaseException) -> None:
        """A refusal that is no single field's (the workflow, a PO line billed), or a
        failure: words in the summary; unexpected failures in the error dialog."""
        if isinstance(error, UserError):
            colour = error_colour(self.palette()).name()
            self.summary.setStyleSheet(f"color: {colour}; font-weight: bold;")
            self.summary.setText(error.words(plain))
            self.summary.show()
        else:
            show_error(self, error, self.windowTitle())

    # --- saving and steps ----------------------------------------------------------------

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Check and write the draft in the background; ``then`` runs once it is saved."""
        if self._busy:
            return
        documents = self._ctx.services.documents
        draft, number, kind = self.draft(), self.number, self.kind

        def job(_progress: Any, _cancel: Any) -> tuple[SaveOutcome, Draft, DocumentRow]:
            outcome = documents.save(number, draft) if number else documents.create(draft)
            return (outcome, documents.draft(kind, outcome.number),
                    documents.row(kind, outcome.number))

        self._start(job, "Saving…", lambda answer: self._saved(answer, then))

    def _saved(self, answer: tuple[SaveOutcome, Draft, DocumentRow],
               then: Callable[[], None] | None) -> None:
        outcome, draft, row = answer
        created = self.number is None
        self.number = outcome.number
        self.setWindowTitle(f"{self.noun} {outcome.number}".replace("PO PO", "PO"))
        self.show_draft(draft)
        if created:
            self.saved_label.setText(f"Saved {outcome.number} as a new {self.noun}.")
        elif outcome.changes:
            self.saved_label.setText(f"Saved {outcome.number}.")
        else:
            self.saved_label.setText("Nothing had changed.")
        self.changed.emit(row, created)
        self.saved.emit(outcome)
        if then is not None:
            then()

    def run_step(self, step: Step) -> None:
        """A workflow step: asked first when it needs a Yes; saved first when unsaved."""
        if self._busy or self.number is None:
            return
        question = confirm_words(step, self.number)
        if question is None:
            self._step_now(step)
            return
        box = QMessageBox(QMessageBox.Icon.Question, STEP_BUTTONS[step][1].rstrip("…"),
                          question, QMessageBox.StandardButton.Yes
                          | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmStep")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText(
            {Step.OVERRIDE: "Approve by override", Step.CANCEL: "Cancel the PO",
             Step.CLOSE: "Close the PO"}[step])
        box.button(QMessageBox.StandardButton.No).setText("Don't")
        box.buttonClicked.connect(
            lambda b: self._step_now(step)
            if box.standardButton(b) == QMessageBox.StandardButton.Yes else None)
        self.confirmation = box
        box.open()

    def _step_now(self, step: Step) -> None:
        if self._busy:
            return
        if self.dirty:
            self.save(then=lambda: self._step_now(step))
            return
        documents, kind, number = self._ctx.services.documents, self.kind, self.number
        assert number is not None

        shown = self._draft.revision if self._draft is not None else None

        def job(_progress: Any, _cancel: Any) -> tuple[Draft, DocumentRow]:
            documents.step(kind, number, step, expected_revision=shown)
            return documents.draft(kind, number), documents.row(kind, number)

        def done(answer: tuple[Draft, DocumentRow]) -> None:
            draft, row = answer
            self.show_draft(draft)
            self.saved_label.setText(f"{number} {STEP_DONE[step]}.")
            self.changed.emit(row, False)
            self.stepped.emit(step)

        self._start(job, "Working…", done)

    def _start(self, job: Any, words: str, done: Callable[[Any], None]) -> None:
        self._busy = True
        self.save_button.setEnabled(False)
        self._show_steps()
        self.saved_label.setText(words)

        def finished(answer: Any) -> None:
            self._busy = False
            self.save_button.setEnabled(self.model.editable)
            done(answer)

        def failed(error: BaseException) -> None:
            self._busy = False
            self.save_button.setEnabled(self.model.editable)
            self._show_steps()
            # An EditConflict (someone saved a newer version) leaves what was typed as it
            # is: the summary says who changed what, and the user opens it again to redo it.
            self.saved_label.setText("Not saved." if isinstance(error, FieldErrors | EditConflict)
                                     else "")
            if isinstance(error, FieldErrors):
                self.refused_errors = error.errors
                self.show_errors(error.errors)
            else:
                self.show_errors({})
                self._show_problem(error)
            self.refused.emit(error)

        self._ctx.tasks.start(job, "editor", on_success=finished, on_failure=failed)

    def reject(self) -> None:
        """Close; unsaved changes are asked about first."""
        if not self.dirty:
            super().reject()
            return
        what = self.number or f"this new {self.noun}"
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"Close without saving the changes to {what}?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmDiscard")
        box.button(QMessageBox.StandardButton.Yes).setText("Close without saving")
        box.button(QMessageBox.StandardButton.No).setText("Keep editing")
        box.buttonClicked.connect(
            lambda b: QDialog.reject(self)
            if box.standardButton(b) == QMessageBox.StandardButton.Yes else None)
        self.confirmation = box
        box.open()


# --- the main window's menu -----------------------------------------------------------------


class EditorLauncher:
    """Opens document editors from the window; the tables follow what they change."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.editor: DocumentEditor | None = None
        menu = window.menus["edit"]
        self.new_po = QAction("New purchase order…", window, objectName="newPoAction",
                              shortcut=QKeySequence.StandardKey.New)
        self.new_po.setToolTip("Write a new purchase order (Ctrl+N)")
        self.new_po.triggered.connect(lambda: self.open(DocKind.PO))
        self.new_invoice = QAction("New invoice…", window, objectName="newInvoiceAction")
        self.new_invoice.setToolTip("Enter a supplier's invoice")
        self.new_invoice.triggered.connect(lambda: self.open(DocKind.INVOICE))
        self.edit = QAction("Edit…", window, objectName="editDocumentAction",
                            shortcut=QKeySequence("Ctrl+E"))
        self.edit.setToolTip("Edit the selected document, or take it through its approval "
                             "(Ctrl+E, or double-click its row)")
        self.edit.triggered.connect(self.edit_selected)
        first = menu.actions()[0] if menu.actions() else None
        menu.insertActions(first, [self.new_po, self.new_invoice, self.edit])  # type: ignore[arg-type]
        if first is not None:
            menu.insertSeparator(first)
        for view in window.views.values():
            view.table.doubleClicked.connect(lambda _index: self.edit_selected())
            view.selection_changed.connect(self.update)
        window.nav.currentChanged.connect(lambda _i: self.update())
        window.company_opened.connect(self.update)
        self.update()

    def update(self, *_args: object) -> None:
        has_company = self.window.ctx.services is not None
        for action in (self.new_po, self.new_invoice):
            action.setEnabled(has_company)
        self.edit.setEnabled(has_company and len(self.window.selected_rows()) == 1)

    def edit_selected(self) -> DocumentEditor | None:
        rows = self.window.selected_rows()
        if len(rows) != 1:
            self.window.statusBar().showMessage("Select one document to edit.", 8000)
            return None
        return self.open(rows[0].kind, rows[0].number)

    def open(self, kind: DocKind, number: str | None = None) -> DocumentEditor | None:
        if self.window.ctx.services is None:
            return None
        editor = DocumentEditor(self.window.ctx, kind, number, self.window)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.changed.connect(self._changed)
        self.editor = editor
        editor.open()
        return editor

    def _changed(self, row: DocumentRow, created: bool) -> None:
        if created:
            self.window.refresh_tables()
        else:
            self.window.actions.rows_changed.emit([row])


def install(window: MainWindow) -> EditorLauncher:
    """Edit → New purchase order… (Ctrl+N), New invoice…, Edit… (Ctrl+E; a double-click
    on a row does the same)."""
    return EditorLauncher(window)
