"""File > Import a CSV file…: purchase orders, supplier invoices or suppliers from a CSV
file, every row or none.

The dialog (``importDialog``) says which columns the file needs, imports in the
background with its progress and a Cancel, and then says how many came in; when any row
is bad, nothing is imported (the core checks the whole file first) and a table
(``importErrorsTable``) lists each problem with its row and column as a spreadsheet shows
them, so the file can be put right and imported again.

On a first run (no company yet) the import makes the company at the window's place and
opens it, as the first-run page's "Import from a CSV file…" promises.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.hints import plain
from app.services import Services
from app.services.documents import CsvImportError, import_columns
from app.text import count_of
from app.work import Cancelled, Progress
from ui.error_label import ErrorLabel
from ui.file_choice import CSV_FILES

if TYPE_CHECKING:
    from ui.window import MainWindow

# importWhatCombo's items: (text, what the core imports, the noun of one)
KINDS = (("Purchase orders", "pos", "purchase order"),
         ("Supplier invoices", "invoices", "supplier invoice"),
         ("Suppliers", "suppliers", "supplier"))
ERROR_COLUMNS = ("Row", "Column", "Problem")
LINES_NOTE = {"pos": " Rows with the same PO number are the lines of one PO and follow each "
                     "other.",
              "invoices": " Rows with the same invoice number are the lines of one invoice "
                          "and follow each other.",
              "suppliers": ""}


def first_upper(words: str) -> str:
    return words[:1].upper() + words[1:]


class ImportDialog(QDialog):
    """Choose what and which file, then Import; opened with ``open()``."""

    imported = Signal(object)  # the ImportReport, or the exception that stopped it

    def __init__(self, window: MainWindow, what: str = "pos") -> None:
        super().__init__(window, objectName="importDialog")
        self.setWindowTitle("Import a CSV file")
        self.setMinimumWidth(620)
        self._window = window
        self._task: Any = None
        self.last_report: Any = None
        self.what = QComboBox(self, objectName="importWhatCombo")
        self.what.setAccessibleName("What the file holds")
        for text, _what, _noun in KINDS:
            self.what.addItem(text)
        self.columns = QLabel(self, objectName="importColumnsLabel")
        self.columns.setWordWrap(True)
        self.columns.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.file = QLineEdit(self, objectName="importFileEdit")
        self.file.setAccessibleName("CSV file")
        self.file.setPlaceholderText("The CSV file to import")
        self.choose = QPushButton("Choose…", self, objectName="importChooseButton")
        self.choose.setToolTip("Pick the CSV file")
        self.choose.clicked.connect(self.choose_file)
        self.status = ErrorLabel("importStatus", self)
        self.status.setAccessibleName("Import result")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar(self, objectName="importProgress")
        self.progress.setAccessibleName("Import progress")
        self.progress.setVisible(False)
        self.errors = QTableWidget(0, len(ERROR_COLUMNS), self, objectName="importErrorsTable")
        self.errors.setAccessibleName("Problems found in the file")
        self.errors.setHorizontalHeaderLabels(list(ERROR_COLUMNS))
        self.errors.verticalHeader().setVisible(False)
        self.errors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.errors.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.errors.setWordWrap(True)
        self.errors.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)  # a long problem wraps in its row
        header = self.errors.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.errors.setVisible(False)
        self.import_button = QPushButton("Import", self, objectName="importButton")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Close", self, objectName="importCancelButton")
        self.cancel_button.clicked.connect(self.reject)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)

        form = QFormLayout()
        form.addRow("&What the file holds:", self.what)
        picking = QHBoxLayout()
        picking.addWidget(self.file, 1)
        picking.addWidget(self.choose)
        file_label = QLabel("&File:", self)
        file_label.setBuddy(self.file)
        form.addRow(file_label, picking)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.columns)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.errors, 1)
        layout.addWidget(buttons)
        for label in self.findChildren(QLabel):
            buddy = label.buddy()
            if buddy is not None:
                buddy.setAccessibleName(label.text().replace("&", "").rstrip(":"))
        self.what.currentIndexChanged.connect(self._what_changed)
        self.file.textChanged.connect(self._update)
        self.set_what(what)
        self._update()

    # --- choosing ---------------------------------------------------------------------

    def kind(self) -> tuple[str, str, str]:
        return KINDS[self.what.currentIndex()]

    def set_what(self, what: str) -> None:
        self.what.setCurrentIndex(next(i for i, k in enumerate(KINDS) if k[1] == what))
        self._what_changed()

    def _what_changed(self) -> None:
        required, optional = import_columns(self.kind()[1])
        self.columns.setText(
            f"The first row names the columns. Needed: {', '.join(required)}. Optional: "
            f"{', '.join(optional)}.{LINES_NOTE[self.kind()[1]]} Nothing is imported if "
            "any row has a problem.")

    def choose_file(self) -> None:
        path = self._window.files.open_file(self, "Import a CSV file", CSV_FILES)
        if path:
            self.file.setText(path)

    def _update(self) -> None:
        running = self._task is not None
        self.import_button.setEnabled(bool(self.file.text().strip()) and not running)
        for widget in (self.what, self.file, self.choose):
            widget.setEnabled(not running)
        self.cancel_button.setText("Cancel" if running else "Close")

    # --- importing ----------------------------------------------------------------------

    def start(self) -> None:
        """Import the file (every row or none) in the background."""
        from app.services.opening import open_services

        text = self.file.text().strip()
        if not text or self._task is not None:
            return
        path = Path(text).expanduser()
        _label, what, noun = self.kind()
        window = self._window
        services, create_at = window.ctx.services, window.first_run_db

        def job(progress: Any, cancel: Any) -> tuple[Services, Any, bool]:
            target, new = services, False
            if target is None:  # a first run: the company starts with this file
                target, new = open_services(create_at, create=True), True
            try:
                report = target.documents.import_csv(what, path, on_progress=progress,
                                                     cancel=cancel)
            except BaseException:
                if new:
                    target.close()
                raise
            return target, report, new

        self.errors.setRowCount(0)
        self.errors.setVisible(False)
        self._say(f"Importing {path.name}…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self._task = window.ctx.tasks.start(
            job, "import", on_progress=self._progressed,
            on_success=lambda answer: self._done(answer, path, noun),
            on_failure=lambda error: self._failed(error, path))
        self._update()

    def _progressed(self, p: Progress) -> None:
        self.progress.setRange(0, max(p.total, 0))
        self.progress.setValue(p.done)
        if p.current:
            self.status.setText(first_upper(p.current) + "…")

    def _ended(self) -> None:
        self._task = None
        self.progress.setVisible(False)
        self._update()

    def _say(self, words: str, *, trouble: bool = False) -> None:
        self.status.set_trouble(trouble)
        self.status.setText(words)

    def _done(self, answer: tuple[Services, Any, bool], path: Path, noun: str) -> None:
        target, report, new = answer
        self._ended()
        self.last_report = report
        window = self._window
        if new:
            window.open_company(target, on_close=target.close)
        else:
            window.refresh_tables()
            window.filter_bar.load_suppliers()
        self._say(f"Imported {count_of(report.count, noun)} from {path.name}.")
        window.statusBar().showMessage(
            f"Imported {count_of(report.count, noun)} from {path.name}.", 15000)
        self.imported.emit(report)

    def _failed(self, error: BaseException, path: Path) -> None:
        self._ended()
        if isinstance(error, Cancelled):
            self._say("Import cancelled; nothing was imported.")
        elif isinstance(error, CsvImportError):
            self.show_problems(error, path)
        elif isinstance(error, UserError):
            self._say(f"Nothing was imported: {error.words(plain)}", trouble=True)
        else:
            self._say("Nothing was imported: something went wrong that SyncDesk did not "
                      "expect (the details are in its log file).", trouble=True)
        self.imported.emit(error)

    def show_problems(self, error: CsvImportError, path: Path) -> None:
        problems = error.errors
        self._say(f"Nothing was imported: {path.name} has "
                  f"{count_of(len(problems), 'problem')}. Put the rows below right in the "
                  "file, then import it again.", trouble=True)
        self.errors.setRowCount(len(problems))
        for row, problem in enumerate(problems):
            cells = (str(problem.line) if problem.line else "",
                     problem.column or "", first_upper(problem.reason))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.errors.setItem(row, column, item)
        self.errors.setVisible(True)

    def reject(self) -> None:
        """Close, or while importing, Cancel: the import stops and nothing is kept."""
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self._say("Stopping…")
            return
        self.cancel_button.setEnabled(True)
        super().reject()


class Importer(QWidget):
    """File > Import a CSV file… and the first run's import button (not shown itself)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setVisible(False)
        self._window = window
        self.dialog: ImportDialog | None = None
        self.action = QAction("&Import a CSV file…", window, objectName="importCsvAction")
        self.action.setToolTip("Add purchase orders, supplier invoices or suppliers from a "
                               "CSV file (all rows or none)")
        self.action.triggered.connect(lambda _=False: self.open_dialog())

    def open_dialog(self, what: str | None = None) -> ImportDialog:
        """The import dialog (one at a time), for ``what`` (pos, invoices, suppliers)."""
        if self.dialog is None:
            self.dialog = ImportDialog(self._window, what or "pos")
        elif what is not None and self.dialog._task is None:
            self.dialog.set_what(what)
        self.dialog.open()
        return self.dialog


def install(window: MainWindow) -> Importer:
    importer = Importer(window)
    menu = window.menus["file"]
    menu.insertAction(window.findChild(QAction, "quitAction"), importer.action)
    window.first_run.import_requested.connect(importer.open_dialog)
    return importer
