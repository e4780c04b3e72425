"""Companies from the File menu: New company…, Open company… and Open recent, Back up… and
Restore… (issue 14). The file choices are given to ``window.files`` (no native dialog);
everything else goes through the window's own actions, dialogs and worker tasks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMessageBox, QPushButton, QTableView
from sqlalchemy.engine import make_url

from app.services.opening import company_location, kept_location, open_company
from tests.ui.window_driving import wait_row, window_on_store
from ui.window import store_label

OPEN_TIMEOUT = 60_000  # ms, on a busy 2-core machine
WORK_TIMEOUT = 60_000


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def demo_books(path: Path | str) -> Path | str:
    """A company store with the demo company's suppliers and documents (no QuickBooks)."""
    with open_company(str(path), create=True) as services:
        services.company.init(demo_company=True)
    return path


def small_books(path: Path | str, tmp_path: Path) -> Path | str:
    """Another company: one supplier and one PO of its own."""
    csv = tmp_path / "second.csv"
    csv.write_text("number,supplier,description,account,qty,unit_price\n"
                   "PO-9001,Second Street Print,Flyers,Supplies & Materials,2,40.00\n",
                   encoding="utf-8")
    with open_company(str(path), create=True) as services:
        services.company.init()
        services.documents.create_supplier({"name": "Second Street Print"})
        services.documents.import_csv("pos", csv)
    return path


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, f"no action named {name!r}"
    assert found in window.menus["file"].actions() or found in window.menus["edit"].actions()
    return found


def label(where: Path | str) -> str:
    """A store as File > Open recent names it: the file's path, or the team store's
    address (without a password)."""
    return str(where) if isinstance(where, Path) else store_label(kept_location(where))


def open_other(qtbot, window, where: Path | str, monkeypatch: pytest.MonkeyPatch) -> None:
    """File > Open company… choosing a file, or File > Open team company… given the team
    store's address as people type it."""
    if isinstance(where, Path):
        window.files.answers.append(str(where))
        name = "openCompanyAction"
    else:
        typed = where.replace("postgresql+psycopg://", "postgresql://", 1)
        monkeypatch.setattr(QInputDialog, "getText",
                            staticmethod(lambda *args, **kw: (typed, True)))
        name = "openTeamCompanyAction"
    with qtbot.waitSignal(window.company_opened, timeout=OPEN_TIMEOUT):
        action(window, name).trigger()


def po_numbers(window) -> list[str]:
    model = window.findChild(QTableView, "poTable").model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_opening_another_company_and_back(qtbot, tmp_path, settings, another_db_path,
                                           monkeypatch):
    """A company file (File > Open company…), or a team store on PostgreSQL (File > Open
    team company…); then back through File > Open recent."""
    first = demo_books(another_db_path("first"))
    second = small_books(another_db_path("second"), tmp_path)
    window = window_on_store(qtbot, first, settings)
    table = window.findChild(QTableView, "poTable")
    wait_row(qtbot, table, "PO-1001")

    open_other(qtbot, window, second, monkeypatch)  # chooses second.db, or its address
    wait_row(qtbot, table, "PO-9001")
    qtbot.waitUntil(lambda: po_numbers(window) == ["PO-9001"])
    assert window.recent()[:2] == [kept_location(company_location(str(second))),
                                   kept_location(company_location(str(first)))]

    window.recent_menu.aboutToShow.emit()  # File > Open recent, as it opens
    entries = {a.text(): a for a in window.recent_menu.actions()}
    assert list(entries)[:2] == [label(second), label(first)]
    with qtbot.waitSignal(window.company_opened, timeout=OPEN_TIMEOUT):
        entries[label(first)].trigger()
    wait_row(qtbot, table, "PO-1001")
    assert "PO-9001" not in po_numbers(window)
    assert window.recent()[0] == kept_location(company_location(str(first)))
    window.close()


def test_a_new_company_starts_empty_and_never_replaces_a_company_file(qtbot, tmp_path,
                                                                     settings):
    first = demo_books(tmp_path / "first.db")
    window = window_on_store(qtbot, first, settings)
    wait_row(qtbot, window.findChild(QTableView, "poTable"), "PO-1001")

    window.files.answers.append(str(first))  # a file with a company in it: refused
    action(window, "newCompanyAction").trigger()
    qtbot.waitUntil(lambda: window.companies.last_error is not None, timeout=WORK_TIMEOUT)
    assert "choose a new file name" in window.companies.last_error.text()
    window.companies.last_error.close()
    assert window.services.location == company_location(str(first))

    window.files.answers.append(str(tmp_path / "Fresh Start"))  # ".db" is added
    with qtbot.waitSignal(window.company_opened, timeout=OPEN_TIMEOUT):
        action(window, "newCompanyAction").trigger()
    fresh = tmp_path / "Fresh Start.db"
    assert fresh.exists()
    assert window.recent()[0] == company_location(str(fresh))
    qtbot.waitUntil(lambda: window.views[next(iter(window.views))].model.rowCount() == 0)
    assert po_numbers(window) == []
    assert window.services.documents.accounts()  # the default chart of accounts
    window.close()


def kept_copies(books: Path | str, tmp_path: Path) -> list[Path]:
    """The copies a restore kept of the company as it was: beside its file, or, for a team
    store, in SyncDesk's data folder on this computer (in the test's own folder)."""
    if isinstance(books, Path):
        return list(books.parent.glob(f"{books.name}.before-restore-*.bak"))
    name = make_url(books).database
    return list((tmp_path / "xdg-data").rglob(f"{name}.before-restore-*.bak"))


def work_dialog_done(qtbot, window) -> str:
    dialog = window.companies.work
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.ended, timeout=WORK_TIMEOUT)
    assert dialog.findChild(QPushButton, "companyWorkCloseButton").isVisible()
    return dialog.status.text()


def test_backup_and_restore(qtbot, tmp_path, settings, another_db_path):
    books = demo_books(another_db_path("books"))
    window = window_on_store(qtbot, books, settings)
    wait_row(qtbot, window.findChild(QTableView, "poTable"), "PO-1001")

    backup = tmp_path / "books-backup.db"
    window.files.answers.append(str(backup))
    action(window, "backupAction").trigger()
    words = work_dialog_done(qtbot, window)
    assert backup.exists() and str(backup) in words and "backed up" in words
    window.companies.work.close()

    # a change after the backup: a new supplier (through the supplier editor)
    editor = window.companies.suppliers.new_supplier()
    editor.name.setText("After The Backup Co")
    with qtbot.waitSignal(editor.saved, timeout=WORK_TIMEOUT):
        editor.save_button.click()
    assert [s.name for s in window.services.documents.suppliers("after the backup")] == [
        "After The Backup Co"]
    before = window.services

    window.files.answers.append(str(backup))
    action(window, "restoreAction").trigger()
    confirm = window.companies.confirm
    assert isinstance(confirm, QMessageBox) and confirm.isVisible()
    said = confirm.text() + " " + confirm.informativeText()
    assert "books-backup.db" in said and "before-restore" in said and "keeps the company" in said
    # where the copy goes: beside the file, or (a team store) in the data folder here
    assert ("beside its file" in said) == isinstance(books, Path)
    assert ("on this computer, in " in said) == (not isinstance(books, Path))
    with qtbot.waitSignal(window.company_opened, timeout=WORK_TIMEOUT):
        confirm.button(QMessageBox.StandardButton.Yes).click()
    words = work_dialog_done(qtbot, window)
    assert "restored" in words

    assert window.services is not before  # the restored company, opened anew
    assert window.services.documents.suppliers("after the backup") == []  # the change is gone
    kept = kept_copies(books, tmp_path)
    assert len(kept) == 1 and str(kept[0]) in words
    with open_company(str(kept[0]), write=False) as services:  # the copy holds the change
        assert [s.name for s in services.documents.suppliers("after the backup")] == [
            "After The Backup Co"]
    wait_row(qtbot, window.findChild(QTableView, "poTable"), "PO-1001")
    window.close()


def test_a_restore_needs_a_yes_and_a_backup(qtbot, tmp_path, settings, another_db_path):
    books = demo_books(another_db_path("books"))
    window = window_on_store(qtbot, books, settings)
    not_a_backup = tmp_path / "notes.db"
    not_a_backup.write_text("shopping list", encoding="utf-8")

    window.files.answers.append(str(not_a_backup))
    action(window, "restoreAction").trigger()
    window.companies.confirm.button(QMessageBox.StandardButton.Cancel).click()
    assert window.companies.work is None  # nothing started
    assert not list(tmp_path.rglob("*.bak"))

    window.files.answers.append(str(not_a_backup))
    action(window, "restoreAction").trigger()
    window.companies.confirm.button(QMessageBox.StandardButton.Yes).click()
    words = work_dialog_done(qtbot, window)
    assert "did not happen" in words and "not a SyncDesk backup" in words
    assert "as it was" in words
    assert not list(tmp_path.rglob("*.bak"))
    assert window.services.documents.suppliers()  # the company is still open and whole
    window.close()
