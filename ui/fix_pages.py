"""The fix-it wizard's pages: what went wrong → the way to fix it → what it needs →
preview → applying → result. Each page reads the wizard's state (``ui.fix_wizard``);
none asks a service itself: the wizard does that off the GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.domain.states import DocKind, SyncState
from app.services.fixes import Change, FixChoices, Option
from ui.theme import tone

if TYPE_CHECKING:
    from ui.fix_wizard import FixWizard

PROBLEM, OPTION, INPUTS, PREVIEW, APPLY, RESULT = range(6)
ERROR_STYLE = "error"  # tones (ui/theme.py ``tone``): the colour follows light and dark
HELP_STYLE = "quiet"
CHANGE_COLUMNS = ("Where", "What", "Now", "After the fix")
NONE = "(none)"


def label(text: str, parent: QWidget, name: str = "", style: str = "") -> QLabel:
    widget = QLabel(text, parent, objectName=name)
    widget.setWordWrap(True)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if style:
        tone(widget, style)
    return widget


def document_words(kind: DocKind, number: str) -> str:
    """A document as the tables name it (its number says PO or invoice already)."""
    return number


def numbers(subject: FixChoices) -> str:
    return ", ".join(t.number for t in subject.targets)


def clear_layout(layout: QVBoxLayout | QFormLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.deleteLater()


class FixPage(QWizardPage):
    """A page that knows its wizard (typed) and can say it is busy."""

    def __init__(self, name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName=name)
        self.setTitle(title)
        self.busy = False

    def fix_wizard(self) -> FixWizard:
        return self.wizard()  # type: ignore[return-value]

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.busy and super().isComplete()


class ProblemPage(FixPage):
    """What went wrong, in plain words, with the QuickBooks record involved; the offer to
    fix every document of the same cause at once."""

    def __init__(self, title: str, single: FixChoices, group: FixChoices | None) -> None:
        super().__init__("fixProblemPage", title)
        self.setSubTitle("What went wrong")
        self._single, self._group = single, group
        layout = QVBoxLayout(self)
        self.documents = label("", self, "fixDocuments")
        layout.addWidget(self.documents)
        self.summary = label("", self, "fixSummary")
        layout.addWidget(self.summary)
        layout.addSpacing(8)
        self.record_title = label("<b>The details</b>", self, "fixRecordTitle")
        layout.addWidget(self.record_title)
        self.record = QFormLayout()
        layout.addLayout(self.record)
        layout.addSpacing(8)
        self.bulk = QCheckBox(self, objectName="fixAllCheck")
        self.bulk_words = label("", self, "fixAllDocuments", HELP_STYLE)
        layout.addWidget(self.bulk)
        layout.addWidget(self.bulk_words)
        layout.addStretch(1)
        if group is not None:
            count = len(group.targets)
            self.bulk.setText("Fix both documents with this cause" if count == 2 else
                              f"Fix all {count} documents with this cause")
            self.bulk_words.setText(f"They are {numbers(group)}: one fix for all of them, "
                                    "then each is sent again (purchase orders first).")
            self.bulk.toggled.connect(self._show)
        else:
            self.bulk.hide()
            self.bulk_words.hide()
        self._show()

    def _show(self) -> None:
        subject = self._group if self.bulk.isChecked() and self._group else self._single
        self.summary.setText(subject.choices.summary)
        clear_layout(self.record)
        for name, value in subject.choices.record:
            self.record.addRow(f"{name}:", label(value, self))
        self.record_title.setVisible(bool(subject.choices.record))
        first = subject.targets[0]
        if len(subject.targets) == 1:
            self.documents.setText(f"<b>{document_words(first.kind, first.number)}</b> "
                                   f"({first.supplier})")
        else:
            self.documents.setText(f"<b>{len(subject.targets)} documents:</b> "
                                   f"{numbers(subject)}")


class OptionPage(FixPage):
    """The ways to fix it, the recommended one first and chosen."""

    def __init__(self) -> None:
        super().__init__("fixOptionPage", "Choose how to fix it")
        self.setSubTitle("The recommended way is chosen already.")
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        self._options: tuple[Option, ...] = ()
        self.layout_ = QVBoxLayout(self)
        self.error = label("", self, "fixOptionError", ERROR_STYLE)
        self._shown_for: object = None

    def initializePage(self) -> None:
        subject = self.fix_wizard().subject
        if self._shown_for is subject:
            return  # back here: keep what the user chose
        self._shown_for = subject
        chosen = self.chosen_name()
        for button in self.buttons.values():
            self.group.removeButton(button)
        self.layout_.removeWidget(self.error)
        clear_layout(self.layout_)
        self.buttons = {}
        self._options = subject.options
        for at, option in enumerate(self._options):
            title = option.title + ("  (recommended)" if option.recommended else "")
            button = QRadioButton(title, self, objectName=f"fixOption_{option.name}")
            self.group.addButton(button, at)
            self.buttons[option.name] = button
            self.layout_.addWidget(button)
            why = label(option.why, self, f"fixWhy_{option.name}", HELP_STYLE)
            why.setContentsMargins(24, 0, 0, 8)
            self.layout_.addWidget(why)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.error)
        self.error.hide()
        self.error.clear()
        if self._options:
            (self.buttons.get(chosen or "") or self.buttons[self._options[0].name]).setChecked(
                True)

    def chosen_name(self) -> str | None:
        for name, button in self.buttons.items():
            if button.isChecked():
                return name
        return None

    def chosen(self) -> Option:
        name = self.chosen_name()
        return next((o for o in self._options if o.name == name), self._options[0])

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def nextId(self) -> int:
        return INPUTS if self._options and self.chosen().inputs else PREVIEW

    def validatePage(self) -> bool:
        if self.chosen().inputs:
            return True
        self.error.hide()
        return self.fix_wizard().planned(self, self.chosen(), {})


class InputsPage(FixPage):
    """What the chosen way needs, prefilled with the suggestions; each field's own
    message under it when the plan cannot use it."""

    def __init__(self) -> None:
        super().__init__("fixInputsPage", "Fill in what it needs")
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLineEdit | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        self.error = label("", self, "fixInputsError", ERROR_STYLE)
        self._shown_for: tuple[object, str] | None = None

    def initializePage(self) -> None:
        wizard = self.fix_wizard()
        option = wizard.option_page.chosen()
        self.setSubTitle(option.title)
        if self._shown_for == (wizard.subject, option.name):
            return  # back here: keep what the user typed
        self._shown_for = (wizard.subject, option.name)
        self.form.removeWidget(self.error)
        clear_layout(self.form)
        self.fields, self.errors = {}, {}
        for spec in option.inputs:
            field: QLineEdit | QComboBox
            if spec.choices:
                field = QComboBox(self, objectName=f"fixInput_{spec.key}")
                if spec.suggested not in spec.choices:
                    field.addItem(spec.suggested)  # nothing suggested: the user chooses
                field.addItems(list(spec.choices))
                field.setCurrentText(spec.suggested)
                field.currentTextChanged.connect(lambda _t, k=spec.key: self._edited(k))
            else:
                field = QLineEdit(spec.suggested, self, objectName=f"fixInput_{spec.key}")
                field.textEdited.connect(lambda _t, k=spec.key: self._edited(k))
            column = QWidget(self)
            rows = QVBoxLayout(column)
            rows.setContentsMargins(0, 0, 0, 0)
            rows.setSpacing(2)
            rows.addWidget(field)
            if spec.help:
                rows.addWidget(label(spec.help, column, f"fixHelp_{spec.key}", HELP_STYLE))
            error = label("", column, f"fixInputError_{spec.key}", ERROR_STYLE)
            error.hide()
            rows.addWidget(error)
            self.form.addRow(f"{spec.label}:", column)
            self.fields[spec.key] = field
            self.errors[spec.key] = error
        self.form.addRow(self.error)
        self.error.hide()

    def values(self) -> dict[str, str]:
        return {key: (field.currentText() if isinstance(field, QComboBox) else field.text())
                .strip() for key, field in self.fields.items()}

    def _edited(self, key: str) -> None:
        if key in self.errors:
            self.errors[key].hide()

    def show_errors(self, errors: dict[str, str]) -> None:
        loose = []
        for key, text in errors.items():
            if key in self.errors:
                self.errors[key].setText(text)
                self.errors[key].show()
            else:
                loose.append(text)
        if loose:
            self.show_error(" ".join(loose))
        first = next((self.fields[k] for k in errors if k in self.fields), None)
        if first is not None:
            first.setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def nextId(self) -> int:
        return PREVIEW

    def validatePage(self) -> bool:
        for error in self.errors.values():
            error.hide()
        self.error.hide()
        wizard = self.fix_wizard()
        return wizard.planned(self, wizard.option_page.chosen(), self.values())


class PreviewPage(FixPage):
    """Every change on both sides, old → new, and what is sent again. Its Next button
    ("Fix it") is the one that writes."""

    def __init__(self) -> None:
        super().__init__("fixPreviewPage", "Check the changes")
        self.setSubTitle("Nothing has changed yet. “Fix it” makes these changes, then sends "
                         "the documents to QuickBooks again.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Fix it")
        layout = QVBoxLayout(self)
        self.table = read_only_table(CHANGE_COLUMNS, self, "fixChangesTable")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        self.resend = label("", self, "fixResendList")
        layout.addWidget(self.resend)
        self.note = label("", self, "fixNote")
        layout.addWidget(self.note)
        layout.addStretch(1)

    def initializePage(self) -> None:
        plan = self.fix_wizard().plan
        assert plan is not None
        self.table.setRowCount(len(plan.changes))
        for row, change in enumerate(plan.changes):
            for column, text in enumerate(change_cells(change)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        fit_rows(self.table)
        if not plan.changes:
            self.table.hide()
        else:
            self.table.show()
        sent = ", ".join(document_words(k, n) for k, n in plan.resend)
        self.resend.setText(f"<b>Sent to QuickBooks again:</b> {sent}." if sent else
                            "No document needs sending again.")
        self.note.setText(plan.note)
        self.note.setVisible(bool(plan.note))


def fit_rows(table: QTableWidget) -> None:
    """A read-only table as tall as its rows (the page's stretch takes the rest)."""
    table.resizeRowsToContents()
    height = (table.horizontalHeader().height() + 2 * table.frameWidth()
              + sum(table.rowHeight(r) for r in range(table.rowCount())))
    table.setFixedHeight(min(max(height, 48), 300))


def read_only_table(columns: tuple[str, ...], parent: QWidget, name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent, objectName=name)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setWordWrap(True)
    return table


def change_cells(change: Change) -> tuple[str, str, str, str]:
    return (change.side.value, change.what, change.old or NONE, change.new or NONE)


class ApplyPage(FixPage):
    """The fix under way: its steps as a progress bar; Cancel asks it to stop."""

    def __init__(self) -> None:
        super().__init__("fixApplyPage", "Fixing")
        self.setSubTitle("Making the changes, then sending the documents again.")
        layout = QVBoxLayout(self)
        self.step = label("Starting…", self, "fixStep")
        self.bar = QProgressBar(self, objectName="fixProgress")
        self.bar.setRange(0, 0)
        layout.addWidget(self.step)
        layout.addWidget(self.bar)
        layout.addStretch(1)
        self.done = False

    def initializePage(self) -> None:
        self.done = False
        plan = self.fix_wizard().plan
        self.setSubTitle("Making the changes, then sending the documents again."
                         if plan is not None and plan.resend else "Making the changes.")
        self.fix_wizard().start_apply()

    def show_step(self, done: int, total: int, what: str | None) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        if what:
            self.step.setText(f"{what}…" if done < total else what)

    def finish(self) -> None:
        self.done = True
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.done


class ResultPage(FixPage):
    """Where each document stands now: Synced, or what is still wrong."""

    def __init__(self) -> None:
        super().__init__("fixResultPage", "Done")
        self.setSubTitle("Where each document stands now")
        layout = QVBoxLayout(self)
        self.headline = label("", self, "fixOutcome")
        layout.addWidget(self.headline)
        self.table = read_only_table(("Document", "Where it stands"), self, "fixResultTable")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        layout.addStretch(1)

    def initializePage(self) -> None:
        wizard = self.fix_wizard()
        self.setTitle(wizard.outcome_title())
        self.headline.setText(wizard.outcome_words())
        rows = wizard.outcome_rows()
        self.table.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        fit_rows(self.table)
        self.table.setVisible(bool(rows))


def state_words(sync_state: str, problem: str | None) -> str:
    """Where a document stands after the fix, in plain words."""
    if sync_state == SyncState.SYNCED.value:
        return "Synced"
    word = sync_state.replace("_", " ").capitalize()
    return f"{word}: {problem}" if problem else word
