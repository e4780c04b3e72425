"""Many approved documents at once, inserted in bulk (benchmarks and the 1,000-PO tests)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import col, select

from app.domain.states import InvoiceStatus, PoStatus
from app.operations.lookup import account_by_name, supplier_by_name
from app.store.models import Invoice, InvoiceLine, PoLine, PurchaseOrder
from app.store.types import utcnow


def add_approved_documents(store, pos: int, bills: int = 0, by: str = "bench") -> None:
    """``pos`` approved POs of one line (two suppliers), and ``bills`` approved invoices
    billing the first of them in full, inserted in bulk."""
    now = utcnow()
    with store.session() as s:
        suppliers = [supplier_by_name(s, "Acme Supply").id,
                     supplier_by_name(s, "O'Brien & Sons").id]
        account = account_by_name(s, "Office Supplies & Software").id
        s.execute(insert(PurchaseOrder), [
            {"number": f"PO-{n:05d}", "supplier_id": suppliers[n % 2],
             "status": PoStatus.APPROVED.value, "approved_on": date(2026, 9, 1),
             "txn_date": date(2026, 9, 1), "currency": "USD", "total": Decimal("125.00"),
             "created_by": by, "created_at": now, "updated_at": now,
             "sync_state": "queued", "revision": 1} for n in range(pos)])
        po_rows = list(s.exec(select(PurchaseOrder).order_by(col(PurchaseOrder.id))))
        s.execute(insert(PoLine), [
            {"po_id": po.id, "line_no": 1, "description": "Paper", "account_id": account,
             "amount": Decimal("125.00")} for po in po_rows])
        if not bills:
            return
        s.execute(insert(Invoice), [
            {"number": f"INV-{n:05d}", "reference": f"B-{n:05d}",
             "supplier_id": po.supplier_id, "po_id": po.id,
             "status": InvoiceStatus.APPROVED.value, "issue_date": date(2026, 9, 5),
             "currency": "USD", "total": Decimal("125.00"), "created_by": by,
             "created_at": now, "updated_at": now, "sync_state": "queued", "revision": 1}
            for n, po in enumerate(po_rows[:bills])])
        lines = {line.po_id: line.id for line in s.exec(select(PoLine))}
        s.execute(insert(InvoiceLine), [
            {"invoice_id": invoice.id, "line_no": 1, "description": "Paper",
             "account_id": account, "amount": Decimal("125.00"),
             "po_line_id": lines[invoice.po_id]}
            for invoice in s.exec(select(Invoice))])
