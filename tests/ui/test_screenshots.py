"""Screenshots of the window on the demo company, for a person to look at.

Set ``SYNCDESK_SHOTS=/some/folder`` to run it (skipped otherwise):

    SYNCDESK_SHOTS=.build/shots .venv/bin/python -m pytest tests/ui/test_screenshots.py

It saves ``po-blocked.png`` (the PO table after a sync of the demo company, with the detail
pane of a blocked PO), ``invoices.png`` and ``suppliers.png``. Every picture is saved
before anything is checked, so a failing check still leaves the pictures to look at. The
checks are what a bookkeeper notices at a glance: a table with rows, the detail pane
showing the selected document and its problem, and the QuickBooks column wide enough to
read (its text not cut off).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView, QWidget

from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.window_driving import (
    cell_texts,
    detail_texts,
    find_row,
    select,
    show_page,
    start_sync,
    table,
    wait_detail,
    wait_sync_done,
)
from ui import create_main_window

SHOTS = os.environ.get("SYNCDESK_SHOTS")
BLOCKED_PO = "PO-1061"  # the demo company's PO blocked by a duplicate supplier name

pytestmark = pytest.mark.skipif(not SHOTS, reason="set SYNCDESK_SHOTS to a folder to save "
                                "screenshots of the window into")


def blocked_row(model, number: str) -> int | None:
    row = find_row(model, number)
    if row is None or not any(t.startswith("Blocked") for t in cell_texts(model, row)):
        return None
    return row


def save(widget: QWidget, name: str) -> Path:
    folder = Path(SHOTS or ".")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path


def quickbooks_column(view: QTableView) -> int | None:
    model = view.model()
    for column in range(model.columnCount()):
        if str(model.headerData(column, Qt.Orientation.Horizontal) or "").startswith("QuickBooks"):
            return column
    return None


def clipped_quickbooks_texts(view: QTableView) -> list[str]:
    """QuickBooks cells (of the rows on screen) whose text is wider than the column."""
    column = quickbooks_column(view)
    if column is None:
        return ["(no QuickBooks column)"]
    if view.isColumnHidden(column):
        return ["(the QuickBooks column is hidden)"]
    model, metrics = view.model(), view.fontMetrics()
    room = view.columnWidth(column) - 8  # the cell's own margins
    icon = view.iconSize().width() or 16
    clipped = []
    for row in range(min(model.rowCount(), 40)):
        text = str(model.data(model.index(row, column)) or "")
        has_icon = model.data(model.index(row, column),
                              Qt.ItemDataRole.DecorationRole) is not None
        if metrics.horizontalAdvance(text) + (icon + 4 if has_icon else 0) > room:
            clipped.append(text)
    return clipped


def test_screenshots_of_the_demo_company(qtbot, tmp_path):
    window = create_main_window(["--demo", "--db", str(tmp_path / "demo.db")])
    qtbot.addWidget(window)
    window.show()
    problems: list[str] = []

    po_table = table(window, "poTable")
    qtbot.waitUntil(lambda: po_table.model().rowCount() > 0, timeout=10000)
    start_sync(qtbot, window)
    wait_sync_done(qtbot, window)
    model = po_table.model()
    number = BLOCKED_PO
    select(qtbot, po_table, number)
    try:  # the table asks the store again once the sync is done
        qtbot.waitUntil(lambda: blocked_row(model, number) is not None, timeout=10000)
    except qtbot.TimeoutError:
        row = find_row(model, number)
        problems.append(f"after the sync {number}'s row says "
                        f"{cell_texts(model, row) if row is not None else None}, not Blocked")
    row = find_row(model, number)
    if row is not None and row not in {i.row() for i in po_table.selectionModel().selectedRows()}:
        po_table.selectRow(row)  # the refreshed rows may have dropped the selection
    wait_detail(qtbot, window, number)
    qtbot.wait(300)  # the history arrives with the detail; let it paint
    save(window, "po-blocked.png")
    problems += [f"PO table: QuickBooks text cut off: {t!r}"
                 for t in clipped_quickbooks_texts(po_table)[:5]]
    words = detail_texts(window)
    if "Blocked" not in words:
        problems.append(f"the detail pane of {number} does not say it is blocked: {words!r}")

    invoice_table = show_page(qtbot, window, "Invoices", "invoiceTable")
    qtbot.waitUntil(lambda: invoice_table.model().rowCount() > 0, timeout=10000)
    qtbot.wait(200)
    save(window, "invoices.png")
    problems += [f"invoice table: QuickBooks text cut off: {t!r}"
                 for t in clipped_quickbooks_texts(invoice_table)[:5]]

    try:
        suppliers = show_page(qtbot, window, "Suppliers", "supplierTable")
    except AssertionError as missing:
        save(window, "suppliers.png")
        problems.append(str(missing))
    else:
        qtbot.waitUntil(lambda: suppliers.model().rowCount() > 0, timeout=10000)
        qtbot.wait(200)
        save(window, "suppliers.png")
    window.close()
    assert not problems, "\n".join(problems)
