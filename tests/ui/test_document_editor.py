"""The document editor (issue 14, "Editing"): creating, editing and approving a PO through
the dialogs, a field error shown at its field with nothing written, and the approval
override — on the demo company's window (no sync needed)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from app.domain.states import DocKind, PoStatus, SyncState
from app.services.documents import ListQuery
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.window_driving import cell_texts, select, show_page, wait_row
from ui import create_main_window
from ui.document_editor import DocumentEditor

WAIT = 30000


@pytest.fixture
def window(qtbot, tmp_path: Path, db_path, memory_keyring):  # noqa: F811
    """The demo window on the test's backend (closed, its work ended, before the store
    goes)."""
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = create_main_window(["--demo", "--db", str(db_path)], settings=settings)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


def idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)


def editor_of(qtbot, window) -> DocumentEditor:
    editor = window.editor.editor
    assert editor is not None and editor.objectName() == "documentEditor"
    qtbot.waitUntil(lambda: editor._clean is not None, timeout=WAIT)  # draft and lists read
    return editor


def child(editor: DocumentEditor, kind, name: str):
    found = editor.findChild(kind, name)
    assert found is not None, f"the editor has no {name}"
    return found


def cell(editor: DocumentEditor, row: int, key: str):
    return editor.model.index(row, editor.model.column_of(key))


def click(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def save(qtbot, editor: DocumentEditor, signal: str = "saved") -> None:
    with qtbot.waitSignal(getattr(editor, signal), timeout=WAIT):
        click(qtbot, child(editor, QPushButton, "saveButton"))


def step(qtbot, editor: DocumentEditor, button: str) -> None:
    with qtbot.waitSignal(editor.stepped, timeout=WAIT):
        click(qtbot, child(editor, QPushButton, button))


def an_expense_account(services) -> str:
    return next(a.name for a in services.documents.accounts()
                if a.active and (a.type or "") in ("Expense", "Cost of Goods Sold"))


def test_a_new_po_refused_at_its_fields_then_saved_submitted_and_approved(qtbot, window):
    services = window.ctx.services
    documents = services.documents
    before = documents.count(DocKind.PO)
    action = window.findChild(QAction, "newPoAction")
    assert action is not None and action.shortcut().toString() == "Ctrl+N"
    assert action in window.menus["edit"].actions()
    action.trigger()
    editor = editor_of(qtbot, window)
    number = editor.edits["number"].text()
    assert number.startswith("PO-")
    supplier = next(s.name for s in documents.suppliers() if s.active)
    account = an_expense_account(services)
    assert editor.supplier.findText(supplier) >= 0  # the chooser lists the suppliers
    editor.supplier.setEditText(supplier)
    qtbot.keyClicks(editor.edits["po_date"], "2026-08-01")  # PO-date editing is off
    qtbot.keyClicks(editor.edits["memo"], "Printer paper for the Denver office")
    model = editor.model
    assert model.setData(cell(editor, 0, "description"), "Printer paper, A4")
    assert model.setData(cell(editor, 0, "account"), account)
    assert model.setData(cell(editor, 0, "qty"), "10")
    assert model.setData(cell(editor, 0, "unit_price"), "12,50")  # a decimal comma
    save(qtbot, editor, "refused")

    po_date_error = child(editor, QLabel, "poDateError")
    assert po_date_error.isVisible()
    assert "PO-date editing is off" in po_date_error.text()
    assert "approval date" in po_date_error.text()
    assert editor.edits["po_date"].toolTip() == editor.edits["po_date"].accessibleDescription()
    lines_error = child(editor, QLabel, "linesError")
    assert lines_error.isVisible() and "Line 1, unit price" in lines_error.text()
    assert "decimal comma" in lines_error.text() and "12.50" in lines_error.text()
    tip = model.data(cell(editor, 0, "unit_price"), Qt.ItemDataRole.ToolTipRole)
    assert "decimal comma" in tip
    assert model.data(cell(editor, 0, "unit_price"), Qt.ItemDataRole.BackgroundRole) is not None
    assert child(editor, QLabel, "supplierError").isHidden()
    summary = child(editor, QLabel, "errorSummary")
    assert summary.isVisible() and "Nothing was written" in summary.text()
    assert documents.count(DocKind.PO) == before  # nothing was written
    assert not child(editor, QPushButton, "submitButton").isVisible()  # not saved yet

    editor.edits["po_date"].clear()
    model.setData(cell(editor, 0, "unit_price"), "12.50")
    assert model.data(cell(editor, 0, "amount")) == "125.00"  # qty × unit price
    assert "125.00" in child(editor, QLabel, "totalLabel").text()
    save(qtbot, editor)
    assert not po_date_error.isVisible() and not summary.isVisible()
    assert editor.number == number
    detail = documents.detail(DocKind.PO, number)
    assert (detail.status, detail.total, detail.supplier, detail.po_date) == \
        (PoStatus.DRAFT.value, Decimal("125.00"), supplier, None)
    assert documents.count(DocKind.PO) == before + 1
    table = show_page(qtbot, window, "Purchase Orders", "poTable")
    wait_row(qtbot, table, number)  # the table shows the new PO

    step(qtbot, editor, "submitButton")
    assert documents.detail(DocKind.PO, number).status == PoStatus.PENDING.value
    assert not child(editor, QPushButton, "submitButton").isVisible()
    step(qtbot, editor, "approveButton")
    detail = documents.detail(DocKind.PO, number)
    assert (detail.status, detail.sync_state) == (PoStatus.APPROVED.value,
                                                  SyncState.QUEUED.value)
    assert "Approved" in child(editor, QLabel, "statusLabel").text()
    assert child(editor, QPushButton, "closeDocumentButton").isVisible()
    qtbot.waitUntil(lambda: any(t.startswith("Queued") for t in
                                cell_texts(table.model(), wait_row(qtbot, table, number))),
                    timeout=WAIT)
    editor.reject()
    idle(qtbot, window)


def test_editing_a_po_from_its_row(qtbot, window):
    documents = window.ctx.services.documents
    number = documents.list(DocKind.PO, ListQuery(status=PoStatus.PENDING.value))[0].number
    before = documents.detail(DocKind.PO, number)
    table = show_page(qtbot, window, "Purchase Orders", "poTable")
    select(qtbot, table, number)
    edit = window.findChild(QAction, "editDocumentAction")
    assert edit.shortcut().toString() == "Ctrl+E" and edit.isEnabled()
    edit.trigger()
    editor = editor_of(qtbot, window)
    assert editor.edits["number"].text() == number and editor.edits["number"].isReadOnly()
    assert editor.model.rowCount() == len(before.lines)
    editor.edits["memo"].clear()
    qtbot.keyClicks(editor.edits["memo"], "Agreed by phone")
    assert editor.dirty
    click(qtbot, child(editor, QPushButton, "addLineButton"))
    row = editor.model.rowCount() - 1
    model = editor.model
    model.setData(cell(editor, row, "description"), "Delivery")
    model.setData(cell(editor, row, "account"), before.lines[0].account or "")
    model.setData(cell(editor, row, "amount"), "-5")  # refused: it must not be negative
    save(qtbot, editor, "refused")
    assert "must not be negative" in child(editor, QLabel, "linesError").text()
    assert documents.detail(DocKind.PO, number).memo == before.memo  # nothing written
    model.setData(cell(editor, row, "amount"), "35")
    save(qtbot, editor)
    after = documents.detail(DocKind.PO, number)
    assert after.memo == "Agreed by phone"
    assert after.total == before.total + Decimal("35.00")
    assert [ln.description for ln in after.lines][-1] == "Delivery"
    assert documents.history(DocKind.PO, number)[-1].summary.startswith("Edited ")
    qtbot.waitUntil(lambda: f"{after.total:,.2f}" in " ".join(
        cell_texts(table.model(), wait_row(qtbot, table, number))), timeout=WAIT)
    assert not editor.dirty
    editor.reject()
    idle(qtbot, window)


def test_approval_override_asks_first_and_approves(qtbot, window):
    documents = window.ctx.services.documents
    number = documents.list(DocKind.PO, ListQuery(status=PoStatus.PENDING.value))[0].number
    table = show_page(qtbot, window, "Purchase Orders", "poTable")
    row = select(qtbot, table, number)
    where = table.visualRect(table.model().index(row, 0)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)  # opens it
    editor = editor_of(qtbot, window)
    assert editor.number == number
    override = child(editor, QPushButton, "overrideButton")
    assert override.isVisible() and "approval round" in override.toolTip()
    assert not child(editor, QPushButton, "submitButton").isVisible()  # pending already
    click(qtbot, override)
    box = editor.confirmation
    assert isinstance(box, QMessageBox) and box.objectName() == "confirmStep"
    assert "without waiting for the approvers" in box.text() and number in box.text()
    with qtbot.waitSignal(editor.stepped, timeout=WAIT):
        box.button(QMessageBox.StandardButton.Yes).click()
    detail = documents.detail(DocKind.PO, number)
    assert (detail.status, detail.sync_state) == (PoStatus.APPROVED.value,
                                                  SyncState.QUEUED.value)
    summaries = [h.summary for h in documents.history(DocKind.PO, number)]
    assert any("approval override" in s for s in summaries)
    assert not override.isVisible()  # approved: no override any more
    editor.reject()
    idle(qtbot, window)


def test_saying_no_to_the_override_changes_nothing(qtbot, window):
    documents = window.ctx.services.documents
    number = documents.list(DocKind.PO, ListQuery(status=PoStatus.PENDING.value))[0].number
    window.editor.open(DocKind.PO, number)
    editor = editor_of(qtbot, window)
    click(qtbot, child(editor, QPushButton, "overrideButton"))
    editor.confirmation.button(QMessageBox.StandardButton.No).click()
    idle(qtbot, window)
    assert documents.detail(DocKind.PO, number).status == PoStatus.PENDING.value
    editor.reject()


def test_a_new_invoice_billing_a_po(qtbot, window):
    documents = window.ctx.services.documents
    po = documents.list(DocKind.PO, ListQuery(status=PoStatus.APPROVED.value))[0]
    line = documents.detail(DocKind.PO, po.number).lines[0]
    window.findChild(QAction, "newInvoiceAction").trigger()
    editor = editor_of(qtbot, window)
    assert editor.edits["issue_date"].text()  # dated today
    editor.supplier.setEditText(po.supplier)
    qtbot.keyClicks(editor.edits["reference"], "SUP-4411")
    qtbot.keyClicks(editor.edits["po"], po.number)
    qtbot.keyClicks(editor.edits["due_date"], "2001-01-01")  # before the invoice date
    model = editor.model
    model.setData(cell(editor, 0, "description"), line.description or "Goods")
    model.setData(cell(editor, 0, "account"), line.account or "")
    model.setData(cell(editor, 0, "amount"), "10")
    model.setData(cell(editor, 0, "po_line"), "99")
    save(qtbot, editor, "refused")
    assert child(editor, QLabel, "dueDateError").isVisible()
    assert f"{po.number} has no line 99" in child(editor, QLabel, "linesError").text()
    editor.edits["due_date"].clear()
    model.setData(cell(editor, 0, "po_line"), str(line.line))
    save(qtbot, editor)
    detail = documents.detail(DocKind.INVOICE, editor.number)
    assert (detail.po_number, detail.reference, detail.lines[0].po_line) == \
        (po.number, "SUP-4411", line.line)
    assert child(editor, QPushButton, "approveButton").isVisible()
    step(qtbot, editor, "approveButton")
    assert documents.detail(DocKind.INVOICE, editor.number).status == "approved"
    assert child(editor, QPushButton, "readyButton").isVisible()
    editor.reject()
    idle(qtbot, window)
