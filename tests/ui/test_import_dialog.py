"""File > Import a CSV file… (issue 14): a file with a bad row imports nothing and its
problems are listed by row and column; a good file comes in and the dialog says how
many. The supplier editor: a field error shown at its field, nothing saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QTableView, QTableWidget

from app.domain.states import DocKind
from tests.ui.test_companies import demo_books
from tests.ui.window_driving import show_page, wait_row, window_on_store

WORK_TIMEOUT = 60_000


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, db_path, settings):
    """The window on the demo company's books, on the test's backend."""
    window = window_on_store(qtbot, demo_books(db_path), settings)
    wait_row(qtbot, window.findChild(QTableView, "poTable"), "PO-1001")
    yield window
    window.close()


HEADER = "number,supplier,description,account,qty,unit_price\n"
SUPPLIER = "Brightline Packaging"


def import_through_the_dialog(qtbot, window, what: str, path: Path):
    window.files.answers.append(str(path))
    window.findChild(QAction, "importCsvAction").trigger()
    dialog = window.companies.importer.dialog
    assert dialog.isVisible()
    combo = dialog.findChild(QComboBox, "importWhatCombo")
    combo.setCurrentIndex(next(i for i in range(combo.count())
                               if combo.itemText(i).lower().startswith(what)))
    dialog.findChild(QPushButton, "importChooseButton").click()
    with qtbot.waitSignal(dialog.imported, timeout=WORK_TIMEOUT) as ended:
        dialog.findChild(QPushButton, "importButton").click()
    return dialog, ended.args[0]


def test_a_csv_import_with_a_bad_row_imports_nothing(qtbot, window, tmp_path):
    pos = window.services.documents
    before = pos.count(DocKind.PO)
    path = tmp_path / "new-pos.csv"
    path.write_text(HEADER
                    + f"PO-7001,{SUPPLIER},Boxes,Supplies & Materials,10,2.50\n"
                    + f"PO-7002,{SUPPLIER},Tape,Supplies & Materials,ten,1.25\n"
                    + f"PO-7003,{SUPPLIER},Labels,Supplies & Materials,4,3.00\n",
                    encoding="utf-8")
    dialog, _error = import_through_the_dialog(qtbot, window, "purchase", path)

    table = dialog.findChild(QTableWidget, "importErrorsTable")
    assert table.isVisible() and table.rowCount() == 1
    assert [table.horizontalHeaderItem(c).text() for c in range(3)] == [
        "Row", "Column", "Problem"]
    row, column, problem = (table.item(0, c).text() for c in range(3))
    assert (row, column) == ("3", "qty")
    assert "ten" in problem and problem[0].isupper()
    status = dialog.findChild(QLabel, "importStatus").text()
    assert "Nothing was imported" in status and "1 problem" in status

    assert pos.count(DocKind.PO) == before  # not even the good rows
    for number in ("PO-7001", "PO-7003"):
        assert all(r.number != number for r in pos.list(DocKind.PO))

    # put right, imported again from the same dialog: the table goes, the count is said
    path.write_text(path.read_text(encoding="utf-8").replace(",ten,", ",10,"),
                    encoding="utf-8")
    with qtbot.waitSignal(dialog.imported, timeout=WORK_TIMEOUT) as ended:
        dialog.findChild(QPushButton, "importButton").click()
    assert ended.args[0].count == 3
    assert not table.isVisible()
    assert dialog.findChild(QLabel, "importStatus").text() == (
        "Imported 3 purchase orders from new-pos.csv.")
    assert pos.count(DocKind.PO) == before + 3
    wait_row(qtbot, window.findChild(QTableView, "poTable"), "PO-7002")
    dialog.close()


def test_suppliers_come_in_and_a_file_that_is_no_csv_is_said_plainly(qtbot, window, tmp_path):
    path = tmp_path / "suppliers.csv"
    path.write_text("name,email,currency\nNorthwind Paper,ap@northwind.example,USD\n"
                    "Southwind Ink,,\n", encoding="utf-8")
    dialog, report = import_through_the_dialog(qtbot, window, "suppliers", path)
    assert report.count == 2
    assert dialog.findChild(QLabel, "importStatus").text() == (
        "Imported 2 suppliers from suppliers.csv.")
    assert window.services.documents.suppliers("wind")[0].name == "Northwind Paper"
    dialog.close()

    missing = tmp_path / "nowhere.csv"
    dialog, _error = import_through_the_dialog(qtbot, window, "suppliers", missing)
    status = dialog.findChild(QLabel, "importStatus").text()
    assert status.startswith("Nothing was imported: cannot read") and "Traceback" not in status
    assert not dialog.findChild(QTableWidget, "importErrorsTable").isVisible()
    dialog.close()


def error_label(editor, field: str) -> QLabel:
    label = editor.findChild(QLabel, f"{field}Error")
    assert label is not None, f"no {field}Error label"
    return label


def test_the_supplier_editor_shows_a_bad_value_at_its_field_and_saves_nothing(
        qtbot, window):
    suppliers = show_page(qtbot, window, "Suppliers", "supplierTable")
    qtbot.waitUntil(lambda: suppliers.model().rowCount() > 0, timeout=WORK_TIMEOUT)
    documents = window.services.documents
    count = len(documents.suppliers())

    window.findChild(QAction, "newSupplierAction").trigger()
    editor = window.companies.suppliers.editor
    assert editor.objectName() == "supplierEditor" and editor.isVisible()
    editor.name.setText(SUPPLIER)  # taken
    editor.email.setText("accounts at example")
    editor.save_button.click()
    qtbot.waitUntil(lambda: error_label(editor, "email").isVisible(), timeout=WORK_TIMEOUT)
    assert error_label(editor, "email").text() == "Bad e-mail address 'accounts at example'"
    assert error_label(editor, "name").isVisible()
    assert SUPPLIER in error_label(editor, "name").text()
    assert not error_label(editor, "currency").isVisible()
    assert editor.isVisible() and len(documents.suppliers()) == count  # nothing saved

    editor.name.setText("Harbourside Stationers")
    editor.email.setText("ap@harbourside.example")
    with qtbot.waitSignal(editor.saved, timeout=WORK_TIMEOUT):
        editor.save_button.click()
    assert not editor.isVisible()
    added = documents.suppliers("harbourside")[0]
    assert (added.email, added.currency, added.active) == ("ap@harbourside.example", "USD",
                                                           True)
    qtbot.waitUntil(lambda: any(suppliers.model().index(r, 0).data() == added.name
                                for r in range(suppliers.model().rowCount())),
                    timeout=WORK_TIMEOUT)

    # edit a row (double-click): a currency that is none is refused at its field
    row = next(r for r in range(suppliers.model().rowCount())
               if suppliers.model().index(r, 0).data() == added.name)
    suppliers.doubleClicked.emit(suppliers.model().index(row, 0))
    editor = window.companies.suppliers.editor
    assert editor.name.text() == added.name and editor.currency.text() == "USD"
    editor.currency.setText("XX")
    editor.active.setChecked(False)
    editor.save_button.click()
    qtbot.waitUntil(lambda: error_label(editor, "currency").isVisible(), timeout=WORK_TIMEOUT)
    assert "XX" in error_label(editor, "currency").text()
    assert documents.suppliers("harbourside")[0].active  # the whole edit refused
    editor.currency.setText("CAD")
    with qtbot.waitSignal(editor.saved, timeout=WORK_TIMEOUT):
        qtbot.keyClick(editor, Qt.Key.Key_Return)  # Save is the default button
    changed = documents.suppliers("harbourside")[0]
    assert (changed.currency, changed.active) == ("CAD", False)


def test_a_first_run_imports_through_the_dialog_into_a_new_company(qtbot, tmp_path, settings):
    # SQLite only: a first run is a store file that is not there yet (a PostgreSQL
    # address is taken to be there, so the window never offers a first run for one).
    missing = tmp_path / "new-company.db"
    csv = tmp_path / "suppliers.csv"
    csv.write_text("name,email\nNorthwind Paper,ap@northwind.example\n", encoding="utf-8")
    window = window_on_store(qtbot, missing, settings)
    assert not window.findChild(QAction, "newSupplierAction").isEnabled()  # no company yet
    first_run = window.findChild(QComboBox, "importKindCombo")
    first_run.setCurrentIndex(2)  # Suppliers
    window.findChild(QPushButton, "firstRunImportButton").click()
    dialog = window.companies.importer.dialog
    assert dialog.isVisible() and dialog.kind()[1] == "suppliers"
    dialog.file.setText(str(csv))
    with qtbot.waitSignal(window.company_opened, timeout=WORK_TIMEOUT):
        dialog.findChild(QPushButton, "importButton").click()
    assert missing.exists()
    assert [s.name for s in window.services.documents.suppliers()] == ["Northwind Paper"]
    assert window.findChild(QAction, "newSupplierAction").isEnabled()
    assert window.recent() == [window.services.location]
    dialog.close()
    window.close()
