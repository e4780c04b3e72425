"""Shared steps of the fixes about a document's own copy in QuickBooks (a bill number in
use, a PO to send first, a record deleted or changed there, a lost PO link, an unknown
error): reading the document and its QuickBooks record, describing both in words, and
forgetting a QuickBooks record that is gone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from app.domain.money import format_money
from app.domain.states import DocKind, SyncState
from app.qbo.client import QboClient
from app.qbo.errors import QboFault
from app.qbo.query import quote
from app.store.models import Invoice, InvoiceLine, PoLine, PurchaseOrder, Supplier
from app.sync.fixes.base import Change, Target

Document = PurchaseOrder | Invoice
Line = PoLine | InvoiceLine


def entity(kind: DocKind) -> str:
    """QuickBooks' entity of a document kind."""
    return "PurchaseOrder" if kind is DocKind.PO else "Bill"


def entity_words(kind: DocKind) -> str:
    """How sentences name QuickBooks' record of a document kind."""
    return "purchase order" if kind is DocKind.PO else "bill"


def label(kind: DocKind, number: str) -> str:
    """How sentences name a document: "PO-1001", "invoice INV-2001"."""
    if kind is DocKind.PO:
        return number if number.upper().startswith("PO") else f"PO {number}"
    return f"invoice {number}"


def load(session: Session, target: Target) -> Document:
    """The target's row in the store."""
    model: type[Document] = PurchaseOrder if target.kind is DocKind.PO else Invoice
    row = session.get(model, target.id)
    assert row is not None
    return row


def lines_of(session: Session, kind: DocKind, doc_id: int) -> list[Line]:
    if kind is DocKind.PO:
        return list(session.exec(select(PoLine).where(PoLine.po_id == doc_id)
                                 .order_by(col(PoLine.line_no))))
    return list(session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == doc_id)
                             .order_by(col(InvoiceLine.line_no))))


def belonging(number: str, changes: Iterable[Change]) -> list[Change]:
    """``changes`` as the document ``number``'s (its history gets them); a change that
    names its document already keeps it."""
    return [c if c.document is not None else replace(c, document=number) for c in changes]


def vendor_of(session: Session, supplier_id: int) -> str | None:
    supplier = session.get(Supplier, supplier_id)
    return supplier.qbo_vendor_id if supplier is not None else None


def money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def money_text(value: Any) -> str:
    amount = money(value)
    return format_money(amount) if amount is not None else "(none)"


def qbo_lines(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """A transaction's lines, without QuickBooks' subtotal line."""
    return [line for line in obj.get("Line", []) if line.get("DetailType") != "SubTotalLineDetail"]


def our_lines_text(lines: list[Line]) -> str:
    return "; ".join(f"{line.line_no}: " + ", ".join(
        p for p in (line.description, format_money(line.amount)) if p) for line in lines) \
        or "(none)"


def their_lines_text(obj: dict[str, Any]) -> str:
    return "; ".join(f"{n}: " + ", ".join(
        str(p) for p in (line.get("Description"), money_text(line.get("Amount"))) if p)
        for n, line in enumerate(qbo_lines(obj), start=1)) or "(none)"


def read_or_none(client: QboClient, name: str, qbo_id: str) -> dict[str, Any] | None:
    """QuickBooks' record, or None when it was deleted there (or never was)."""
    try:
        return client.read(name, qbo_id)
    except QboFault as fault:
        if "610" in fault.codes:
            return None
        raise


def bills_of(client: QboClient, vendor_id: str, doc_number: str | None = None
             ) -> list[dict[str, Any]]:
    """The vendor's bills in QuickBooks (of one number, when given)."""
    where = f"VendorRef = {quote(vendor_id)}"
    if doc_number is not None:
        where += f" and DocNumber = {quote(doc_number)}"
    return list(client.query(f"select * from Bill where {where} maxresults 1000")
                .get("Bill", []))


def forget_qbo_copy(session: Session, kind: DocKind, doc: Document) -> None:
    """SyncDesk no longer holds a QuickBooks record for ``doc`` (its line ids go too); a
    new create gets a new request id (the old one would replay the record that is gone)."""
    assert doc.id is not None
    doc.qbo_id = doc.qbo_sync_token = doc.qbo_status = None
    doc.pending_request_id = None
    doc.pending_revision = None
    doc.pending_sent = None
    doc.attempt += 1
    for line in lines_of(session, kind, doc.id):
        line.qbo_line_id = None
        session.add(line)
    session.add(doc)


def clear_problem(doc: Document, state: SyncState) -> None:
    """The document's problem is gone: it stands in ``state``."""
    doc.sync_state = state.value
    doc.problem = None
    doc.last_error_code = doc.last_error_message = None
    doc.last_error_detail = None
    doc.next_attempt_at = None
    doc.auto_retries = 0


def state_words(state: str) -> str:
    return state.replace("_", " ").capitalize()
