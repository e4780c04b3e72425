"""A store connected to a sandbox company, and helpers to make documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from app.connection.service import ConnectRequest, connect, open_client
from app.domain.states import InvoiceStatus, PoStatus
from app.operations import creating
from app.operations.fields import LineValues
from app.operations.lookup import account_by_name, find_po, supplier_by_name
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.store.models import PoLine
from app.sync.engine import SyncEngine
from tests.qbo.conftest import FAST, memory_keyring, sandbox  # noqa: F401  (fixtures)


@pytest.fixture
def client(store, sandbox):  # noqa: F811
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    return open_client(store, Limits(), FAST)


@pytest.fixture
def engine(store, client):
    return SyncEngine(store, client, actor="tester")


def marker(store, number: str) -> str:
    """SyncDesk's marker on the QuickBooks object of ``number`` made by ``store``."""
    from app.domain.qbo_limits import marker as marker_of
    from app.store.identity import store_info

    with store.session() as s:
        return marker_of(number, store_info(s).lineage)


def make_po(store, number="PO-1", supplier="Acme Supply", account="Office Supplies & Software",
            approved_on=date(2026, 8, 3), lines=None, status=PoStatus.APPROVED):
    with store.session() as s:
        acct = account_by_name(s, account).id
        po = creating.create_po(
            s, number=number, supplier_id=supplier_by_name(s, supplier).id, actor="ann",
            status=status, approved_on=approved_on if status is PoStatus.APPROVED else None,
            created_on=approved_on,
            lines=lines or [LineValues(description="Toner", account_id=acct, qty=Decimal("4"),
                                       unit_price=Decimal("25.50")),
                            LineValues(description="Paper", account_id=acct,
                                       amount=Decimal("60.00"))])
        return po.id


def bill_po(store, po_number="PO-1", number="INV-1", reference="A-100",
            issue=date(2026, 8, 10), status=InvoiceStatus.APPROVED):
    """An invoice billing every line of the PO in full."""
    with store.session() as s:
        po = find_po(s, po_number)
        po_lines = s.exec(select(PoLine).where(PoLine.po_id == po.id).order_by(PoLine.line_no))
        lines = [LineValues(description=ln.description, account_id=ln.account_id, qty=ln.qty,
                            unit_price=ln.unit_price, amount=None if ln.qty else ln.amount,
                            po_line_no=ln.line_no) for ln in po_lines]
        invoice = creating.create_invoice(
            s, number=number, reference=reference, supplier_id=po.supplier_id, issue_date=issue,
            po=po, status=status, actor="ann", lines=lines)
        return invoice.id
