"""The PO and invoice table model over the documents service and a real store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from app.domain.states import DocKind, SyncState
from app.services import Services
from app.services.documents_views import DocumentRow, ListQuery
from tests.sync.conftest import make_po
from ui.models.documents import PAGE, DocumentTableModel


@pytest.fixture
def services(store):
    for n in range(1, 251):
        make_po(store, number=f"PO-{n:04d}")
    return Services.for_store(store)


def _model(services, kind=DocKind.PO) -> DocumentTableModel:
    model = DocumentTableModel(kind, lambda q: services.documents.list(kind, q))
    query = ListQuery(sort="number", descending=False, limit=PAGE)
    model.show(query, services.documents.list(kind, query))
    return model


def test_the_model_passes_qtmodeltester(qtmodeltester, services):
    model = _model(services)
    qtmodeltester.check(model, force_py=True)
    model.fetchMore()
    qtmodeltester.check(model, force_py=True)


def test_pages_arrive_as_the_view_scrolls(services):
    model = _model(services)
    assert model.rowCount() == PAGE and model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 250 and not model.canFetchMore()
    numbers = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert numbers == [f"PO-{n:04d}" for n in range(1, 251)]  # in order, none twice


def test_column_texts_and_the_quickbooks_column(services):
    model = _model(services)
    qbo = model.column_of("sync_state")
    assert model.headerData(qbo, Qt.Orientation.Horizontal) == "QuickBooks"
    assert model.data(model.index(0, qbo)).startswith("Queued")
    total = model.column_of("total")
    assert "162.00" in model.data(model.index(0, total))
    align = model.data(model.index(0, total), Qt.ItemDataRole.TextAlignmentRole)
    assert align & int(Qt.AlignmentFlag.AlignRight)


def test_sorting_asks_the_store(services):
    model = _model(services)
    asked: list[tuple[str, bool]] = []
    model.sort_requested.connect(lambda key, desc: asked.append((key, desc)))
    model.sort(model.column_of("total"), Qt.SortOrder.DescendingOrder)
    assert asked == [("total", True)]


def test_one_row_is_replaced_in_place(qtbot, services):
    model = _model(services)
    old = model.row(3)
    assert old is not None
    new = DocumentRow(old.kind, old.number, old.supplier, old.date, old.total, old.currency,
                      old.status, SyncState.SYNCED.value, None, "77")
    with qtbot.waitSignal(model.dataChanged, timeout=1000):
        assert model.replace_row(new)
    assert model.data(model.index(3, model.column_of("sync_state"))).startswith("Synced")
    assert not model.replace_row(DocumentRow(DocKind.PO, "PO-NOPE", "x", date(2026, 1, 1),
                                             Decimal(1), "USD", "approved", "queued", None,
                                             None))
