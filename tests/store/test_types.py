from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.exc import StatementError
from sqlmodel import select

from app.store.models import PoLine, PurchaseOrder, Supplier
from app.store.types import ScaledDecimal, UTCDateTime


def test_money_round_trips_exactly(store):
    with store.session() as session:
        supplier = Supplier(name="Exact Ltd")
        session.add(supplier)
        session.flush()
        po = PurchaseOrder(number="PO-X", supplier_id=supplier.id, txn_date=datetime.now(UTC)
                           .date(), created_by="t", total=Decimal("0.30"))
        session.add(po)
        session.flush()
        session.add(PoLine(po_id=po.id, line_no=1, amount=Decimal("0.30"),
                           qty=Decimal("0.1"), unit_price=Decimal("3")))
    with store.session() as session:
        line = session.get(PoLine, 1)
        assert line.amount == Decimal("0.30") and str(line.amount) == "0.30"
        assert line.qty == Decimal("0.1")
        assert session.get(PurchaseOrder, po.id).total + Decimal("0.70") == Decimal("1.00")


def test_floats_and_extra_places_are_refused():
    column = ScaledDecimal(2)
    with pytest.raises(TypeError, match="never float"):
        column.process_bind_param(0.1, None)
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        column.process_bind_param(Decimal("1.005"), None)
    assert column.process_bind_param(Decimal("-12.34"), None) == -1234


def test_timestamps_must_be_aware_and_come_back_in_utc():
    column = UTCDateTime()
    with pytest.raises(ValueError, match="timezone-aware"):
        column.process_bind_param(datetime(2026, 1, 1), None)
    back = column.process_result_value(datetime(2026, 1, 1, 12), None)
    assert back.tzinfo is UTC


def test_a_failed_multi_row_change_leaves_nothing(store):
    with pytest.raises(StatementError), store.session() as session:
        session.add(Supplier(name="Half Written"))
        session.flush()
        session.add(PoLine(po_id=999, line_no=1, amount=0.5))  # float: refused
    with store.session() as session:
        assert session.exec(select(Supplier).where(Supplier.name == "Half Written")).first() is None
