"""The PO, invoice and supplier tables and the filter bar, on the demo company after a sync
(a real store, the sandbox in-process), driven through the real window."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date

import keyring
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QTableView

from app.domain.states import DocKind, SyncState
from app.services.demo import DemoCompany, open_demo
from app.services.documents_views import Count, FilterCounts, ListQuery
from tests import postgres
from tests.conftest import BACKENDS, need_postgres
from tests.qbo.conftest import MemoryKeyring
from tests.ui.window_driving import window_on_store
from ui.documents_view import DocumentsView
from ui.filter_bar import COUNT_ROLE, DEBOUNCE_MS, SYNC_CHOICES
from ui.models.documents import PAGE, ROW_ROLE, DocumentTableModel
from ui.models.suppliers import SupplierTableModel
from ui.window import MainWindow

ATTENTION = {SyncState.FAILED.value, SyncState.BLOCKED.value}


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[DemoCompany]:
    """The demo company, synced once for the module on each backend (the tests only read
    it): a file on SQLite, a database on PostgreSQL (dropped once the module is done, after
    every window on it has closed)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        with ExitStack() as stack:
            if request.param == "sqlite":
                db = str(tmp_path_factory.mktemp("demo") / "demo.db")
            else:
                db = stack.enter_context(postgres.new_database(need_postgres(request)))
            company = open_demo(db)
            try:
                company.services.sync.run()
                yield company
            finally:
                company.close()
    finally:
        keyring.set_keyring(previous)


def settings_file(path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return settings_file(tmp_path / "syncdesk.ini")


def open_window(qtbot, demo: DemoCompany, settings: QSettings) -> MainWindow:
    window = window_on_store(qtbot, demo.location, settings)  # as `syncdesk gui --db` does
    view = window.views[DocKind.PO]
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10000)
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=10000)
    return window


@pytest.fixture
def window(qtbot, demo, settings) -> Iterator[MainWindow]:
    window = open_window(qtbot, demo, settings)
    yield window
    window.close()


def shown(view: DocumentsView) -> list:
    model = view.model
    return [model.data(model.index(r, 0), ROW_ROLE) for r in range(model.rowCount())]


def wait_loaded(qtbot, view):
    return qtbot.waitSignal(view.loaded, timeout=10000)


# --- models ----------------------------------------------------------------------------


def test_document_models_of_both_kinds_pass_qtmodeltester(qtbot, qtmodeltester, demo):
    for kind in DocKind:
        model = DocumentTableModel(kind, lambda q, k=kind: demo.services.documents.list(k, q))
        query = ListQuery(limit=PAGE)
        model.show(query, demo.services.documents.list(kind, query))
        qtmodeltester.check(model, force_py=True)
        qbo = model.column_of("sync_state")
        texts = [model.data(model.index(r, qbo)) for r in range(model.rowCount())]
        assert any(t.startswith("Synced · ") for t in texts)  # with QuickBooks' status
        assert model.data(model.index(0, qbo), Qt.ItemDataRole.DecorationRole) is not None


def test_supplier_model_passes_qtmodeltester_and_sorts(qtbot, qtmodeltester, demo):
    model = SupplierTableModel()
    rows = demo.services.documents.supplier_overview()
    model.show(rows)
    qtmodeltester.check(model, force_py=True)
    assert [model.row(r).name for r in range(model.rowCount())] == [r.name for r in rows]
    attention = [c.key for c in model.columns].index("attention")
    model.sort(attention, Qt.SortOrder.DescendingOrder)
    counts = [model.row(r).needs_attention for r in range(model.rowCount())]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    qtmodeltester.check(model, force_py=True)


# --- the filter bar --------------------------------------------------------------------


def test_typing_in_the_filter_shows_only_matching_rows_after_the_pause(qtbot, window):
    view = window.views[DocKind.PO]
    before = shown(view)
    edit = window.findChild(QLineEdit, "filterEdit")
    with wait_loaded(qtbot, view):
        qtbot.keyClicks(edit, "harbor")
        assert shown(view) == before  # nothing asked yet: the bar waits for a pause
        assert window.filter_bar._typing.interval() == DEBOUNCE_MS
    rows = shown(view)
    assert rows and len(rows) < len(before)
    assert all("harbor" in (r.number + r.supplier).lower() for r in rows)


def test_needs_attention_shows_only_failed_and_blocked_rows(qtbot, window, demo):
    combo = window.findChild(QComboBox, "syncFilterCombo")
    assert combo.itemText(0) == "All"
    at = combo.findText("Needs attention")
    expected = demo.services.documents.list(
        DocKind.PO, ListQuery(sync_state="needs_attention"))
    assert expected  # the demo company has blocked POs
    assert combo.itemData(at, COUNT_ROLE) == str(len(expected))
    view = window.views[DocKind.PO]
    with wait_loaded(qtbot, view):
        combo.setCurrentIndex(at)
    rows = shown(view)
    assert [r.number for r in rows] == [r.number for r in expected]
    assert {r.sync_state for r in rows} <= ATTENTION
    qbo = view.model.column_of("sync_state")
    assert all(view.model.data(view.model.index(i, qbo)).startswith(("Failed", "Blocked"))
               for i in range(len(rows)))


def test_sync_items_are_their_plain_names_and_their_counts_show_beside(qtbot, window, demo):
    """Outside tests compare the items' text exactly: it is the plain name; each item's count
    (``All``: every document) is in COUNT_ROLE, drawn in the open list and on the closed
    combo, and in the tooltips."""
    combo = window.findChild(QComboBox, "syncFilterCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == \
        ["All", "Synced", "Not synced", "Queued", "Needs attention", "Excluded"]
    counts = demo.services.documents.counts(DocKind.PO, window.filter_bar.query())
    expected = [counts.total, counts["synced"], counts["not_synced"], counts["queued"],
                counts["needs_attention"], counts["excluded"]]
    assert [combo.itemData(i, COUNT_ROLE) for i in range(combo.count())] == \
        [str(c) for c in expected]
    assert expected[0].count == len(demo.services.documents.list(DocKind.PO))
    attention = combo.findText("Needs attention")
    assert combo.itemData(attention, Qt.ItemDataRole.ToolTipRole) == \
        f"Needs attention: {expected[4]} documents"
    view = window.views[DocKind.PO]
    with wait_loaded(qtbot, view):
        combo.setCurrentIndex(attention)
    assert combo.currentText() == "Needs attention"
    assert f"Needs attention: {expected[4]} documents" in combo.toolTip()
    # The closed combo draws the count after the name (the picture differs without it).
    with_count = combo.grab().toImage()
    combo.setItemData(attention, None, COUNT_ROLE)
    without = combo.grab().toImage()
    combo.setItemData(attention, str(expected[4]), COUNT_ROLE)
    assert with_count != without and combo.grab().toImage() == with_count
    combo.showPopup()
    qtbot.waitUntil(lambda: combo.view().isVisible(), timeout=5000)
    popup = combo.view().viewport().grab().toImage()
    combo.hidePopup()
    assert not blank(popup, 0, popup.width())
    # "All" is drawn at the row's left, its count at the row's right.
    row = combo.view().visualRect(combo.model().index(0, 0))
    assert not blank(popup, row.width() * 3 // 4, row.width(), row.top(), row.bottom())


def blank(image, left: int, right: int, top: int = 0, bottom: int | None = None) -> bool:
    """Whether ``image`` is one colour in the box (``bottom`` inclusive)."""
    bottom = image.height() - 1 if bottom is None else bottom
    colours = {image.pixel(x, y) for x in range(left, right) for y in range(top, bottom + 1)}
    return len(colours) <= 1


def test_counts_keep_the_items_order_and_the_combo_its_size(window):
    bar = window.filter_bar
    size = bar.sync.sizeHint()
    current = bar.sync.currentIndex()
    big = FilterCounts({state: Count(1000, more=True)
                        for state in (*(s.value for s in SyncState), "needs_attention")})
    bar.show_counts(big, DocKind.PO)
    assert [bar.sync.itemText(i) for i in range(bar.sync.count())] == \
        [text for text, _state in SYNC_CHOICES]
    assert bar.sync.itemData(4, COUNT_ROLE) == "1,000+"
    assert bar.sync.itemData(0, COUNT_ROLE) == "6,000+"
    assert bar.sync.sizeHint() == size and bar.sync.currentIndex() == current
    small = FilterCounts({state: Count(3) for state in big.by_state})
    bar.show_counts(small, DocKind.INVOICE)  # another page's counts wait for that page
    assert bar.sync.itemData(4, COUNT_ROLE) == "1,000+"


def test_status_supplier_and_dates_filter(qtbot, window, demo):
    bar, view = window.filter_bar, window.views[DocKind.PO]
    status = window.findChild(QComboBox, "statusFilterCombo")
    assert status.itemText(0) == "All statuses" and status.findText("Pending") > 0
    with wait_loaded(qtbot, view):
        status.setCurrentIndex(status.findText("Draft"))
    assert shown(view) and {r.status for r in shown(view)} == {"draft"}
    with wait_loaded(qtbot, view):
        status.setCurrentIndex(0)
    qtbot.waitUntil(lambda: bar.supplier.count() > 1, timeout=10000)  # names, off the GUI thread
    names = [s.name for s in demo.services.documents.suppliers()]
    assert [bar.supplier.itemText(i) for i in range(bar.supplier.count())] == \
        ["All suppliers", *names]
    with wait_loaded(qtbot, view):
        bar.supplier.setCurrentIndex(bar.supplier.findText("Harbor Freight Lines"))
    assert shown(view) and {r.supplier for r in shown(view)} == {"Harbor Freight Lines"}
    with wait_loaded(qtbot, view):
        bar.supplier.setCurrentIndex(0)
    with wait_loaded(qtbot, view):
        bar.date_from.setDate(date(2026, 10, 1))
        bar.from_check.setChecked(True)
    assert shown(view) and min(r.date for r in shown(view)) >= date(2026, 10, 1)
    with wait_loaded(qtbot, view):
        bar.to_check.setChecked(True)
        bar.date_to.setDate(date(2026, 10, 10))
    assert shown(view) and max(r.date for r in shown(view)) <= date(2026, 10, 10)
    assert bar.query().date_from == date(2026, 10, 1)


def test_each_page_keeps_its_filter_through_switches_refreshes_and_a_sync(qtbot, window):
    bar, pos, invoices = window.filter_bar, window.views[DocKind.PO], window.views[DocKind.INVOICE]
    with wait_loaded(qtbot, pos):
        bar.text.setText("harbor")
    harbor = [r.number for r in shown(pos)]
    with wait_loaded(qtbot, invoices):
        window.show_page(1)
    assert bar.text.text() == "" and bar.status.itemText(1) != "Draft"  # invoices' own
    with wait_loaded(qtbot, invoices):
        bar.sync.setCurrentIndex(4)  # Needs attention
    attention = [r.number for r in shown(invoices)]
    with wait_loaded(qtbot, pos):
        window.show_page(0)
    assert bar.text.text() == "harbor" and bar.sync.currentIndex() == 0
    assert [r.number for r in shown(pos)] == harbor
    with wait_loaded(qtbot, pos):
        pos.refresh()
    assert [r.number for r in shown(pos)] == harbor
    with wait_loaded(qtbot, pos):
        window.start_sync()
    qtbot.waitUntil(lambda: not window.ctx.tasks.running("sync"), timeout=30000)
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=10000)
    assert [r.number for r in shown(pos)] == harbor and bar.text.text() == "harbor"
    window.show_page(1)
    assert bar.sync.currentIndex() == 4 and bar.text.text() == ""
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=10000)
    assert [r.number for r in shown(invoices)] == attention


# --- the tables ------------------------------------------------------------------------


def test_the_header_shows_the_stores_order_and_a_click_sorts_by_total_in_sql(qtbot, window,
                                                                              demo):
    view = window.views[DocKind.PO]
    table = window.findChild(QTableView, "poTable")
    header = table.horizontalHeader()
    assert header.sortIndicatorSection() == view.model.column_of("date")
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    newest = demo.services.documents.list(DocKind.PO, ListQuery(limit=PAGE))
    assert [r.number for r in shown(view)] == [r.number for r in newest]
    total = view.model.column_of("total")
    for _click in range(2):
        at = QPoint(header.sectionViewportPosition(total) + 10, header.height() // 2)
        with wait_loaded(qtbot, view):
            qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at)
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        assert header.sortIndicatorSection() == total
        expected = demo.services.documents.list(
            DocKind.PO, ListQuery(sort="total", descending=descending, limit=PAGE))
        rows = shown(view)
        assert [r.number for r in rows] == [r.number for r in expected]
        totals = [r.total for r in rows]
        assert totals == sorted(totals, reverse=descending)


def test_rows_do_not_wrap_and_long_names_are_elided(window):
    table = window.findChild(QTableView, "poTable")
    assert not table.wordWrap() and table.textElideMode() == Qt.TextElideMode.ElideRight
    view = window.views[DocKind.PO]
    total = view.model.index(0, view.model.column_of("total"))
    assert view.model.data(total).endswith(" USD")
    assert int(view.model.data(total, Qt.ItemDataRole.TextAlignmentRole)) & \
        int(Qt.AlignmentFlag.AlignRight)


def test_the_column_chooser_hides_a_column_for_good(qtbot, demo, tmp_path):
    path = tmp_path / "columns.ini"
    first = open_window(qtbot, demo, settings_file(path))
    view = first.views[DocKind.INVOICE]
    menu = view.column_menu()
    checks = {a.text(): a for a in menu.actions() if a.isCheckable()}
    assert set(checks) == {c.title for c in view.model.columns}
    assert not checks["Number"].isEnabled()  # the number always shows
    checks["Supplier's no."].trigger()
    header = view.table.horizontalHeader()
    assert header.isSectionHidden(view.model.column_of("reference"))
    header.resizeSection(view.model.column_of("supplier"), 321)  # the user drags a border
    first.close()
    second = open_window(qtbot, demo, settings_file(path))
    again = second.views[DocKind.INVOICE]
    assert again.hidden_columns() == ["reference"]
    assert not again.table.horizontalHeader().isSectionHidden(0)
    assert again.table.horizontalHeader().sectionSize(again.model.column_of("supplier")) == 321
    assert second.views[DocKind.PO].hidden_columns() == []  # each table its own
    second.close()


def test_an_older_answer_is_dropped(qtbot, window):
    view = window.views[DocKind.PO]
    answers = []
    view.loaded.connect(lambda: answers.append(view.model.query.text))
    view.apply(ListQuery(text="harbor"))
    view.apply(ListQuery(text="northwind"))
    qtbot.waitUntil(lambda: answers == ["northwind"], timeout=10000)
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=10000)
    assert answers == ["northwind"]  # the first answer came, and was not shown
    assert shown(view) and all("northwind" in r.supplier.lower() for r in shown(view))


# --- suppliers ---------------------------------------------------------------------------


def test_the_suppliers_page_shows_links_and_documents_needing_attention(qtbot, window, demo):
    table = window.findChild(QTableView, "supplierTable")
    with qtbot.waitSignal(window.suppliers.loaded, timeout=10000):
        window.show_page(2)
    model = table.model()
    expected = demo.services.documents.supplier_overview()
    assert model.rowCount() == len(expected)
    keys = [c.key for c in model.columns]
    texts = {model.data(model.index(r, 0)): model.data(model.index(r, keys.index("quickbooks")))
             for r in range(model.rowCount())}
    assert texts["Acme Office Supply"] == "Linked to Acme Office Supply (active)"
    assert not any("vendor " in t for t in texts.values())  # vendors by name, never by id
    harbor = next(r for r in expected if r.name == "Harbor Freight Lines")
    assert harbor.needs_attention >= 1
    at = next(r for r in range(model.rowCount()) if model.row(r).name == harbor.name)
    assert model.data(model.index(at, keys.index("attention"))) == \
        str(harbor.needs_attention)
    with qtbot.waitSignal(window.suppliers.loaded, timeout=10000):
        window.suppliers.search.setText("harb")
    assert [model.row(r).name for r in range(model.rowCount())] == ["Harbor Freight Lines"]


def test_a_supplier_whose_only_vendor_is_inactive_says_so_on_the_suppliers_page(qtbot, window):
    """Harbor Freight Lines' only QuickBooks vendor is inactive in the demo's sandbox: the page
    names that vendor and says it is inactive (a blocked icon), never "not linked"; a supplier
    with no vendor in QuickBooks at all is not linked yet."""
    table = window.findChild(QTableView, "supplierTable")
    with qtbot.waitSignal(window.suppliers.loaded, timeout=10000):
        window.show_page(2)
    model = table.model()
    column = [c.key for c in model.columns].index("quickbooks")
    texts = {model.data(model.index(r, 0)): model.data(model.index(r, column))
             for r in range(model.rowCount())}
    harbor = texts["Harbor Freight Lines"]
    assert harbor == "Linked by name to Harbor Freight Lines (inactive in QuickBooks)"
    assert texts["Pacific Rim Imports"] == "Not linked yet"
    at = list(texts).index("Harbor Freight Lines")
    vendor_id = model.row(at).qbo_vendor_id
    assert vendor_id  # the id is kept, in the tooltip
    assert model.data(model.index(at, column), Qt.ItemDataRole.ToolTipRole) == \
        f"{harbor} — QuickBooks vendor id {vendor_id}"


def test_a_filter_matching_nothing_says_so_and_problems_show_in_full(qtbot, window):
    view = window.views[DocKind.PO]
    blocked = next(i for i, r in enumerate(shown(view)) if r.sync_state == "blocked")
    tip = view.model.data(view.model.index(blocked, view.model.column_of("sync_state")),
                          Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Blocked: ") and len(tip) > len(shown(view)[blocked].quickbooks)
    assert view.empty.isHidden()
    with wait_loaded(qtbot, view):
        window.filter_bar.text.setText("no such document anywhere")
    assert view.model.rowCount() == 0 and not view.empty.isHidden()
    assert view.empty.text() == "No purchase orders match this filter"
    with wait_loaded(qtbot, view):
        window.filter_bar.text.setText("")
    assert view.empty.isHidden()
