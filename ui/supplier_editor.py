"""The supplier editor (``supplierEditor``): a new supplier, or one supplier's name, e-mail,
currency and active flag.

The core decides (``services.documents.create_supplier`` / ``edit_supplier``, in the
background): every value it refuses is shown under its field (``nameError``,
``emailError``, ``currencyError``, ``activeError``) and nothing is saved. Opened from the
Edit menu (New supplier…, Edit supplier…) and by a double-click on a row of the
suppliers page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.wording import field_words
from app.errors import UserError
from app.hints import plain
from app.services.documents import SupplierInvalid
from app.text import count_of
from ui.error_dialog import error_words
from ui.error_label import ErrorLabel
from ui.field_marks import error_label, mark

if TYPE_CHECKING:
    from ui.window import MainWindow

FIELDS = ("name", "email", "currency", "active")
LABELS = {"name": "&Name:", "email": "&E-mail:", "currency": "&Currency:", "active": "Active:"}
RENAME_NOTE = ("Renaming a supplier also renames its vendor in QuickBooks on the next sync; "
               "documents its old name kept out of QuickBooks are sent again.")


def first_upper(words: str) -> str:
    return words[:1].upper() + words[1:]


class SupplierEditor(QDialog):
    """``supplier`` None: a new one; else the row (name, email, currency, active) to edit."""

    saved = Signal(object)  # the SupplierRow made, or the SupplierEditOutcome

    def __init__(self, window: MainWindow, supplier: Any = None) -> None:
        super().__init__(window, objectName="supplierEditor")
        self._window = window
        self.supplier = supplier
        self._task: Any = None
        self._errors: dict[str, str] = {}  # the reasons shown at their fields
        self.setWindowTitle("New supplier" if supplier is None else f"Edit {supplier.name}")
        self.setMinimumWidth(440)
        self.name = QLineEdit(self, objectName="nameEdit")
        self.email = QLineEdit(self, objectName="emailEdit")
        self.email.setPlaceholderText("ap@supplier.example (optional)")
        self.currency = QLineEdit(self, objectName="currencyEdit")
        self.currency.setMaxLength(3)
        self.currency.setPlaceholderText("The company's home currency" if supplier is None
                                         else "")
        self.currency.setToolTip("A three-letter currency code: USD, EUR, GBP, CAD…")
        self.active = QCheckBox("Use this supplier on new documents", self,
                                objectName="activeCheck")
        self.active.setChecked(True)
        self.inputs: dict[str, QWidget] = {"name": self.name, "email": self.email,
                                           "currency": self.currency, "active": self.active}
        self.field_errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for key in FIELDS:
            widget = self.inputs[key]
            if isinstance(widget, QLineEdit):  # a marked field keeps room for its text
                widget.setMinimumHeight(widget.sizeHint().height() + 4)
            widget.setAccessibleName(LABELS[key].replace("&", "").rstrip(":"))
            error = error_label(key, self)
            error.setAccessibleName(f"Problem with the {field_words(key)}")
            self.field_errors[key] = error
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(widget)
            column.addWidget(error)
            label = QLabel(LABELS[key], self)
            label.setBuddy(widget)
            form.addRow(label, column)
        self.note = QLabel(RENAME_NOTE if supplier is not None else
                           "The supplier is added in QuickBooks as a vendor when its first "
                           "document is synced.", self, objectName="supplierEditorNote")
        self.note.setWordWrap(True)
        self.error = ErrorLabel("supplierEditorError", self)
        self.error.setVisible(False)
        self.save_button = QPushButton("Save" if supplier is not None else "Add supplier", self,
                                       objectName="supplierSaveButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Cancel", self, objectName="supplierCancelButton")
        cancel.clicked.connect(self.reject)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if supplier is not None:
            self.name.setText(supplier.name)
            self.email.setText(supplier.email or "")
            self.currency.setText(supplier.currency)
            self.active.setChecked(bool(supplier.active))

    def _mark(self) -> None:
        for key, label in self.field_errors.items():
            mark(self.inputs[key], label, self._errors.get(key))  # frame, tooltip, words

    def changeEvent(self, event: QEvent) -> None:
        """The scheme changed: the marks again, in its red (a marked field's style sheet
        keeps the colours it was given)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._errors:
            self._mark()

    # --- values -------------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        return {"name": self.name.text(), "email": self.email.text(),
                "currency": self.currency.text().upper(), "active": self.active.isChecked()}

    def changes(self) -> dict[str, object]:
        """What differs from the supplier as it was (everything, for a new one)."""
        values = self.values()
        if self.supplier is None:
            return values
        was = {"name": self.supplier.name, "email": self.supplier.email or "",
               "currency": self.supplier.currency, "active": bool(self.supplier.active)}
        return {key: value for key, value in values.items()
                if (value.strip() if isinstance(value, str) else value) != was[key]}

    # --- saving -------------------------------------------------------------------------

    def save(self) -> None:
        """Ask the core to add or change the supplier (in the background)."""
        services = self._window.ctx.services
        if services is None or self._task is not None:
            return
        changes = self.changes()
        if not changes:
            self.accept()
            return
        documents, supplier = services.documents, self.supplier
        # What the dialog showed for the fields it changes: someone else's change to one
        # of them since is refused, not overwritten.
        seen = {} if supplier is None else {key: getattr(supplier, key) for key in changes}

        def job(_progress: Any, _cancel: Any) -> Any:
            if supplier is None:
                return documents.create_supplier(changes)
            return documents.edit_supplier(supplier.name, changes, seen=seen)

        self.show_errors({})
        self.save_button.setEnabled(False)
        self._task = self._window.ctx.tasks.start(job, "supplier", on_success=self._saved,
                                                  on_failure=self._refused)

    def _saved(self, outcome: Any) -> None:
        self._task = None
        self.save_button.setEnabled(True)
        self.saved.emit(outcome)
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self._task = None
        self.save_button.setEnabled(True)
        if isinstance(error, SupplierInvalid):
            self.show_errors(error.errors)
        elif isinstance(error, UserError):
            self.show_errors({}, first_upper(error.words(plain)))
        else:
            words, details = error_words(error)
            self.show_errors({}, f"{words} {details}")

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        """Each reason under its field (the first bad field gets the focus); ``general``
        for a refusal that is no one field's."""
        self._errors = dict(errors)
        self._mark()
        self.layout().activate()
        self.adjustSize()  # room for the words shown under the fields
        unknown = [f"{field_words(k)}: {r}" for k, r in errors.items()
                   if k not in self.field_errors]
        words = " ".join([general, *unknown]).strip()
        self.error.setText(words)
        self.error.setVisible(bool(words))
        bad = [key for key in FIELDS if key in errors]
        if bad:
            self.inputs[bad[0]].setFocus()


class SupplierEditing(QWidget):
    """Edit > New supplier… and Edit supplier… (not shown itself)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setVisible(False)
        self._window = window
        self.editor: SupplierEditor | None = None
        self.new_action = QAction("New &supplier…", window, objectName="newSupplierAction")
        self.new_action.setToolTip("Add a supplier")
        self.new_action.triggered.connect(lambda _=False: self.new_supplier())
        self.edit_action = QAction("Edit s&upplier…", window, objectName="editSupplierAction")
        self.edit_action.setToolTip("Change the selected supplier's name, e-mail, currency "
                                    "or whether it is active (Suppliers page)")
        self.edit_action.triggered.connect(lambda _=False: self.edit_selected())
        table = window.suppliers.table
        table.doubleClicked.connect(self._double_clicked)
        table.selectionModel().selectionChanged.connect(lambda *_: self.update())
        window.suppliers.model.modelReset.connect(self.update)
        window.nav.currentChanged.connect(lambda _i: self.update())
        window.company_opened.connect(self.update)

    def selected(self) -> Any:
        """The supplier row selected on the suppliers page, when it is the page shown."""
        view = self._window.suppliers
        if self._window.pages.currentWidget() is not view:
            return None
        rows = view.table.selectionModel().selectedRows()
        return view.model.row(rows[0].row()) if len(rows) == 1 else None

    def update(self) -> None:
        company = self._window.ctx.services is not None
        self.new_action.setEnabled(company)
        self.edit_action.setEnabled(company and self.selected() is not None)

    def new_supplier(self) -> SupplierEditor | None:
        return self._open(None)

    def edit_selected(self) -> SupplierEditor | None:
        supplier = self.selected()
        return self._open(supplier) if supplier is not None else None

    def edit(self, supplier: Any) -> SupplierEditor | None:
        return self._open(supplier)

    def _double_clicked(self, index: QModelIndex) -> None:
        supplier = self._window.suppliers.model.row(index.row())
        if supplier is not None:
            self._open(supplier)

    def _open(self, supplier: Any) -> SupplierEditor | None:
        if self._window.ctx.services is None:
            return None
        if self.editor is not None:
            self.editor.deleteLater()
        self.editor = SupplierEditor(self._window, supplier)
        self.editor.saved.connect(self._saved)
        self.editor.open()
        return self.editor

    def _saved(self, outcome: Any) -> None:
        window = self._window
        window.suppliers.refresh()
        window.filter_bar.load_suppliers()
        changes = getattr(outcome, "changes", None)
        if changes is None:
            words = f"Supplier {outcome.name} added."
        elif outcome.renamed:
            window.refresh_tables()  # the documents show the new name
            again = (f" {count_of(len(outcome.requeued), 'document')} queued again."
                     if outcome.requeued else "")
            words = f"Supplier renamed to {outcome.name}.{again}"
        else:
            words = f"Supplier {outcome.name} saved."
        window.statusBar().showMessage(words, 15000)


def install(window: MainWindow) -> SupplierEditing:
    editing = SupplierEditing(window)
    menu = window.menus["edit"]
    menu.addSeparator()
    menu.addAction(editing.new_action)
    menu.addAction(editing.edit_action)
    editing.update()
    return editing
