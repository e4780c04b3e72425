"""Screenshots of the company dialogs, the CSV import with its problems and the supplier
editor with a field error, light and dark (skipped unless ``SYNCDESK_SHOTS`` is set).

    SYNCDESK_SHOTS=.build/shots .venv/bin/python -m pytest tests/ui/test_shots_comp.py
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel, QTableView, QTableWidget

from tests.ui.shots import SHOTS, each_scheme, save
from tests.ui.test_companies import demo_books, work_dialog_done
from tests.ui.test_import_dialog import HEADER, SUPPLIER, import_through_the_dialog
from tests.ui.window_driving import wait_row, window_on_store

pytestmark = pytest.mark.skipif(not SHOTS, reason="set SYNCDESK_SHOTS to a folder to save "
                                "screenshots into")


def test_shots_of_companies_import_and_supplier_editor(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    books = demo_books(tmp_path / "books.db")
    window = window_on_store(qtbot, books, settings)
    wait_row(qtbot, window.findChild(QTableView, "poTable"), "PO-1001")

    path = tmp_path / "april-pos.csv"
    path.write_text(HEADER
                    + f"PO-7001,{SUPPLIER},Boxes,Supplies & Materials,10,2.50\n"
                    + f"PO-7002,{SUPPLIER},Tape,Supplies & Materials,ten,1.25\n"
                    + "PO-7003,Nobody Ltd,Labels,Supplies & Materials,4,3.00\n"
                    + f"PO-7004,{SUPPLIER},Pallets,Petty cash,1,90.00\n",
                    encoding="utf-8")
    dialog, _error = import_through_the_dialog(qtbot, window, "purchase", path)
    dialog.resize(720, 460)
    for scheme in each_scheme():
        save(dialog, f"import-errors-{scheme}.png")
    assert dialog.findChild(QTableWidget, "importErrorsTable").rowCount() >= 3
    dialog.close()

    editor = window.companies.suppliers.new_supplier()
    editor.name.setText(SUPPLIER)
    editor.email.setText("accounts at example")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.findChild(QLabel, "emailError").isVisible(), timeout=30000)
    for scheme in each_scheme():
        save(editor, f"supplier-editor-error-{scheme}.png")
    editor.close()

    window.files.answers.append(str(tmp_path / "books-backup.db"))
    window.companies.backup()
    work_dialog_done(qtbot, window)
    for scheme in each_scheme():
        save(window.companies.work, f"backup-done-{scheme}.png")
    window.companies.work.close()

    box = window.companies.ask_restore(Path(tmp_path / "books-backup.db"))
    for scheme in each_scheme():
        save(box, f"restore-confirm-{scheme}.png")
    box.close()
    window.close()
