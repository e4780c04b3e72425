"""Creating POs and invoices with their lines, and queueing a document for QuickBooks.

Every function works inside the caller's session (one transaction) and
writes a history event for each document it creates and each queueing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from app.domain import workflow
from app.domain.events import Event
from app.domain.money import format_money
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.hints import Action, Hint
from app.operations import fields as f
from app.operations.history import record
from app.operations.settings import get_setting
from app.store.models import (
    Invoice,
    InvoiceLine,
    PoLine,
    PurchaseOrder,
    Supplier,
)
from app.store.types import utcnow

Document = PurchaseOrder | Invoice


def today() -> date:
    return utcnow().date()


def check_po_date_allowed(session: Session, po_date: date | None) -> None:
    if po_date is not None and not get_setting(session, "enable_po_date_editing"):
        raise f.FieldError(
            "setting a PO date needs the company setting enable_po_date_editing on ({0}); "
            "otherwise QuickBooks gets the approval date",
            Hint.of(Action.TURN_ON_SETTING, key="enable_po_date_editing", words=""),
        )


def create_po(
    session: Session,
    *,
    number: str,
    supplier_id: int,
    lines: Sequence[f.LineValues],
    actor: str,
    status: PoStatus = PoStatus.PENDING,
    po_date: date | None = None,
    approved_on: date | None = None,
    currency: str | None = None,
    memo: str | None = None,
    created_on: date | None = None,
) -> PurchaseOrder:
    """Add a PO with its lines; an approved one is queued for QuickBooks."""
    if not lines:
        raise f.FieldError("a PO needs at least one line")
    check_po_date_allowed(session, po_date)
    created = created_on or today()
    if status is PoStatus.APPROVED and approved_on is None:
        approved_on = today()
    po = PurchaseOrder(
        number=number,
        supplier_id=supplier_id,
        status=status.value,
        po_date=po_date,
        approved_on=approved_on,
        txn_date=workflow.po_txn_date(po_date, approved_on, created),
        currency=currency or get_setting(session, "home_currency"),
        memo=memo,
        created_by=actor,
    )
    session.add(po)
    session.flush()
    assert po.id is not None
    total = _add_lines(session, lines, lambda values, fields: PoLine(po_id=po.id, **fields))
    po.total = total
    record(session, DocKind.PO, po.id, actor, Event.CREATED,
           f"Created {number} ({status.value})",
           {"total": format_money(total), "lines": len(lines)})
    if status is PoStatus.APPROVED:
        queue(session, DocKind.PO, po, actor, "approved on creation")
    session.add(po)
    return po


def create_invoice(
    session: Session,
    *,
    number: str,
    reference: str,
    supplier_id: int,
    issue_date: date,
    lines: Sequence[f.LineValues],
    actor: str,
    po: PurchaseOrder | None = None,
    status: InvoiceStatus = InvoiceStatus.OUTSTANDING,
    due_date: date | None = None,
    currency: str | None = None,
    memo: str | None = None,
) -> Invoice:
    """Add a supplier invoice with its lines; an approved one is queued."""
    if not lines:
        raise f.FieldError("an invoice needs at least one line")
    check_invoice_links(session, supplier_id, po, issue_date, due_date)
    invoice = Invoice(
        number=number, reference=reference, supplier_id=supplier_id,
        po_id=po.id if po else None, status=status.value, issue_date=issue_date,
        due_date=due_date, currency=currency or get_setting(session, "home_currency"),
        memo=memo, created_by=actor,
    )
    session.add(invoice)
    session.flush()
    assert invoice.id is not None
    po_lines = po_line_ids(session, po)
    total = _add_lines(session, lines, lambda values, fields: InvoiceLine(
        invoice_id=invoice.id, po_line_id=po_line_id(po_lines, values.po_line_no, po),
        **fields))
    invoice.total = total
    record(session, DocKind.INVOICE, invoice.id, actor, Event.CREATED,
           f"Created {number} ({status.value})",
           {"total": format_money(total), "lines": len(lines), "reference": reference})
    if status in workflow.SYNCABLE_INVOICE:
        queue(session, DocKind.INVOICE, invoice, actor, "approved on creation")
    session.add(invoice)
    return invoice


def _add_lines(session: Session, lines: Sequence[f.LineValues],
               make: Callable[[f.LineValues, dict[str, Any]], PoLine | InvoiceLine]) -> Decimal:
    """Add a new document's lines (numbered from 1); returns their total."""
    total = Decimal("0.00")
    default = get_setting(session, "default_expense_account")
    for line_no, values in enumerate(lines, start=1):
        if default and values.account_id is None and values.item_id is None:
            values = replace(values, account_id=f.account_id(session, default))
        f.check_account_or_item(values)
        amount = f.settle_amount(values)
        total += amount
        session.add(make(values, {
            "line_no": line_no, "description": values.description,
            "account_id": values.account_id, "item_id": values.item_id, "qty": values.qty,
            "unit_price": values.unit_price, "amount": amount}))
    return total


def check_invoice_links(
    session: Session, supplier_id: int, po: PurchaseOrder | None, issue: date, due: date | None
) -> None:
    if due is not None and due < issue:
        raise f.FieldError(f"the due date {due} is before the issue date {issue}")
    if po is not None and po.supplier_id != supplier_id:
        po_supplier = session.get(Supplier, po.supplier_id)
        name = po_supplier.name if po_supplier else "another supplier"
        raise f.FieldError(f"{po.number} is a PO of {name}, not of this invoice's supplier")


def po_line_ids(session: Session, po: PurchaseOrder | None) -> dict[int, int]:
    if po is None:
        return {}
    rows = session.exec(select(PoLine).where(PoLine.po_id == po.id))
    return {line.line_no: line.id for line in rows if line.id is not None}


def po_line_id(by_no: dict[int, int], line_no: int | None, po: PurchaseOrder | None) -> int | None:
    if line_no is None:
        return None
    if po is None:
        raise f.FieldError("po_line is given but the invoice names no PO")
    if line_no not in by_no:
        raise f.FieldError(f"{po.number} has no line {line_no}")
    return by_no[line_no]


def queue(session: Session, kind: DocKind, doc: Document, actor: str, why: str) -> None:
    """Mark a document for the next sync (an excluded one stays excluded)."""
    assert doc.id is not None
    before = SyncState(doc.sync_state)
    after = workflow.queued_state(before)
    if after is SyncState.EXCLUDED:
        record(session, kind, doc.id, actor, Event.NOT_QUEUED,
               f"Not queued for QuickBooks: excluded ({doc.excluded_reason or 'no reason'})")
        return
    doc.sync_state = after.value
    doc.problem = None
    doc.queued_at = utcnow()
    session.add(doc)
    record(session, kind, doc.id, actor, Event.QUEUED, f"Queued for QuickBooks ({why})")

