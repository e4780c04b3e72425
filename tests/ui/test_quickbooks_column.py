"""The QuickBooks column, the one a bookkeeper looks at first, is whole on screen on the PO and
invoice tables at 800x600, 1024x768 and 1280x800, also with a column layout saved by an older
SyncDesk; the supplier is what gives up room on a narrow window."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication

from app.domain.states import DocKind
from app.services.demo import DemoCompany, open_demo
from tests.qbo.conftest import MemoryKeyring
from tests.ui.window_driving import window_on_store
from ui.documents_view import DocumentsView
from ui.window import MainWindow

SIZES = [(800, 600), (1024, 768), (1280, 800)]
PAGES = {DocKind.PO: 0, DocKind.INVOICE: 1}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[DemoCompany]:
    """The demo company, synced once (its blocked documents carry the longest words)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    company = open_demo(str(tmp_path_factory.mktemp("demo") / "demo.db"))
    company.services.sync.run()
    yield company
    company.close()
    keyring.set_keyring(previous)


def open_window(qtbot, demo: DemoCompany, settings: QSettings) -> MainWindow:
    window = window_on_store(qtbot, demo.location, settings)
    qtbot.waitUntil(lambda: window.views[DocKind.PO].model.rowCount() > 0, timeout=10000)
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=10000)
    return window


def longest_quickbooks_text(demo: DemoCompany, kind: DocKind) -> str:
    texts = [r.table_text for r in demo.services.documents.list(kind)]
    return max(texts, key=len)


def settle(qtbot, window: MainWindow, kind: DocKind, size: tuple[int, int]) -> DocumentsView:
    window.resize(*size)
    window.nav.setCurrentIndex(PAGES[kind])
    view = window.views[kind]
    qtbot.waitUntil(lambda: window.size().toTuple() == size and view.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10000)
    QApplication.processEvents()
    return view


def assert_quickbooks_column_whole(view: DocumentsView, longest: str) -> None:
    table, header = view.table, view.table.horizontalHeader()
    column = view.model.column_of("sync_state")
    assert not header.isSectionHidden(column)
    assert column == 1  # right after the number
    left = header.sectionViewportPosition(column)
    width = header.sectionSize(column)
    viewport = table.viewport().rect()
    assert viewport.contains(QRect(left, 0, width, 1)), (left, width, viewport)
    words = table.fontMetrics().horizontalAdvance(longest) + table.iconSize().width() + 4
    assert width - 8 >= words, (longest, width, words)  # the cell's margins are 8 px


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", [DocKind.PO, DocKind.INVOICE], ids=lambda k: k.value)
def test_the_quickbooks_column_is_whole_on_screen(qtbot, demo, tmp_path, kind, size):
    window = open_window(qtbot, demo, QSettings(str(tmp_path / "ui.ini"),
                                                QSettings.Format.IniFormat))
    view = settle(qtbot, window, kind, size)
    longest = longest_quickbooks_text(demo, kind)
    assert longest.startswith("Blocked: ")  # the synced demo's long words
    assert_quickbooks_column_whole(view, longest)
    # The supplier gives up room first: on a wide window it has its own width again.
    supplier = view.model.column_of("supplier")
    assert view.table.columnWidth(supplier) >= 90
    window.close()


def test_at_1280_the_whole_invoice_table_fits_beside_the_detail_pane(qtbot, demo, tmp_path):
    window = open_window(qtbot, demo, QSettings(str(tmp_path / "ui.ini"),
                                                QSettings.Format.IniFormat))
    view = settle(qtbot, window, DocKind.INVOICE, (1280, 800))
    assert view.table.horizontalScrollBar().maximum() == 0  # no column behind a scrollbar
    header = view.table.horizontalHeader()
    po = view.model.column_of("po_number")
    assert header.sectionViewportPosition(po) + header.sectionSize(po) <= \
        view.table.viewport().width()
    window.close()


def test_a_layout_saved_by_an_older_syncdesk_does_not_hide_the_quickbooks_column(
        qtbot, demo, tmp_path):
    """Before the QuickBooks column followed the number, a saved layout could hide it or keep
    it narrow; such a layout (no version) is validated: the column shows, whole, and the
    user's other choices stay."""
    path = tmp_path / "old.ini"
    old = QSettings(str(path), QSettings.Format.IniFormat)
    for name in ("poTable", "invoiceTable"):
        old.setValue(f"tables/{name}/hiddenColumns", "sync_state,date")
        old.setValue(f"tables/{name}/columnWidths",
                     "number=76,supplier=157,date=84,total=112,status=93,sync_state=60")
    old.sync()
    window = open_window(qtbot, demo, QSettings(str(path), QSettings.Format.IniFormat))
    for kind in (DocKind.PO, DocKind.INVOICE):
        view = settle(qtbot, window, kind, (1024, 768))
        assert view.hidden_columns() == ["date"]  # the user's own choice kept
        assert_quickbooks_column_whole(view, longest_quickbooks_text(demo, kind))
    window.close()
    # Saved again as this version: a column the user hides now stays hidden.
    again = open_window(qtbot, demo, QSettings(str(path), QSettings.Format.IniFormat))
    again.views[DocKind.PO].show_column("sync_state", False)
    again.close()
    third = open_window(qtbot, demo, QSettings(str(path), QSettings.Format.IniFormat))
    assert third.views[DocKind.PO].hidden_columns() == ["sync_state", "date"]
    assert third.views[DocKind.INVOICE].hidden_columns() == ["date"]
    third.close()


def test_the_supplier_shrinks_first_and_gets_its_width_back(qtbot, demo, tmp_path):
    window = open_window(qtbot, demo, QSettings(str(tmp_path / "ui.ini"),
                                                QSettings.Format.IniFormat))
    view = settle(qtbot, window, DocKind.PO, (1280, 800))
    supplier = view.model.column_of("supplier")
    wide = view.table.columnWidth(supplier)
    view = settle(qtbot, window, DocKind.PO, (800, 600))
    assert view.table.columnWidth(supplier) < wide
    tip = view.model.data(view.model.index(0, supplier), Qt.ItemDataRole.ToolTipRole)
    assert tip == view.model.data(view.model.index(0, supplier))  # the whole name on hover
    view = settle(qtbot, window, DocKind.PO, (1280, 800))
    assert view.table.columnWidth(supplier) == wide
    window.close()
