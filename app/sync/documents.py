"""Plain snapshots of the documents a sync sends, read from the store in one go.

The engine works on these rather than on live ORM rows so that no database
transaction stays open while it waits on QuickBooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.domain import request_ids
from app.domain.problems import Kind
from app.domain.qbo_limits import MARKER as MARKER  # re-exported: the sync's marker
from app.domain.qbo_limits import is_marked, marker
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.store.identity import store_info
from app.store.models import (
    Account,
    Invoice,
    InvoiceLine,
    Item,
    PoLine,
    PurchaseOrder,
    Supplier,
)


@dataclass
class SyncLine:
    line_no: int
    amount: Decimal
    description: str | None = None
    account: str | None = None  # local account name
    item: str | None = None  # local item name
    qty: Decimal | None = None
    unit_price: Decimal | None = None
    qbo_line_id: str | None = None
    po_line_no: int | None = None  # invoices: the PO line billed
    po_qbo_line_id: str | None = None


@dataclass
class PoRef:
    """What an invoice needs to know of the PO it bills."""

    id: int
    number: str
    txn_date: date
    sync_state: str
    qbo_id: str | None
    status: str
    problem: str | None = None  # its own problem, when it is blocked or failed


@dataclass
class SyncDoc:
    kind: DocKind
    id: int
    number: str
    status: str
    supplier_id: int
    supplier: str
    vendor_id: str | None
    txn_date: date
    currency: str
    total: Decimal
    memo: str | None
    revision: int
    attempt: int
    sync_state: str
    problem: str | None
    qbo_id: str | None
    pending_request_id: str | None
    auto_retries: int
    reference: str | None = None  # invoices: the supplier's number (the Bill's DocNumber)
    due_date: date | None = None
    po: PoRef | None = None
    lines: list[SyncLine] = field(default_factory=list)
    drift: dict[str, Any] | None = None  # QuickBooks-side changes since the last sync
    pending_revision: int | None = None  # the revision the pending request sent
    pending_sent: dict[str, Any] | None = None  # … and its DocNumber and VendorRef
    lineage: str = ""  # the store's lineage: in the marker of every object it creates
    legacy_held: bool = False  # the store wrote bare markers before it had a lineage
    legacy_pending: bool = False  # the pending create was sent with the bare marker
    next_attempt_at: datetime | None = None  # a failed document's next try

    @property
    def label(self) -> str:
        """How sentences name it: "PO-1001" (or "PO 17"), "invoice INV-2001"."""
        if self.kind is DocKind.PO:
            return self.number if self.number.upper().startswith("PO") else f"PO {self.number}"
        return f"invoice {self.number}"

    @property
    def entity(self) -> str:
        return "PurchaseOrder" if self.kind is DocKind.PO else "Bill"

    @property
    def doc_number(self) -> str:
        """What QuickBooks gets as DocNumber."""
        return self.number if self.kind is DocKind.PO else (self.reference or self.number)

    @property
    def marker(self) -> str:
        """SyncDesk's marker on the object this document makes: its number, the lineage."""
        return marker(self.number, self.lineage or None)

    def made(self, obj: dict[str, Any]) -> bool:
        """Whether QuickBooks' ``obj`` carries this document's marker of this store's lineage.

        The bare marker of older SyncDesks counts only for an object whose id the
        store holds (or for a create in flight from before the lineage), never for
        another store's object of the same number.
        """
        note = obj.get("PrivateNote")
        if is_marked(note, self.number, self.lineage or None):
            return True
        if not is_marked(note, self.number):
            return False
        held = self.qbo_id is not None and str(obj.get("Id")) == self.qbo_id
        return self.legacy_pending or (self.legacy_held and held)

    def request_id(self, store_id: str) -> str:
        """A new create's request id (see ``app.domain.request_ids``): saved on the
        document before it is sent, so a retry of the same create sends it again."""
        return request_ids.document_create(store_id, self.kind, self.id, self.revision,
                                           self.attempt)

    def update_request_id(self, store_id: str) -> str:
        """An update's request id (the client adds the SyncToken it updates)."""
        return request_ids.document_update(store_id, self.kind, self.id, self.revision)


def _names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    accounts = {a.id: a.name for a in session.exec(select(Account)) if a.id is not None}
    items = {i.id: i.name for i in session.exec(select(Item)) if i.id is not None}
    return accounts, items


def _identify(session: Session, doc: SyncDoc) -> SyncDoc:
    """Give ``doc`` the store's lineage (and whether bare markers count for it)."""
    info = store_info(session)
    doc.lineage = info.lineage
    doc.legacy_held = info.legacy_markers
    doc.legacy_pending = bool(doc.pending_request_id
                              and doc.pending_request_id in (info.legacy_requests or []))
    return doc


def load_po(session: Session, po: PurchaseOrder, names: tuple[dict[int, str], dict[int, str]]
            ) -> SyncDoc:
    supplier = session.get(Supplier, po.supplier_id)
    assert supplier is not None and po.id is not None
    accounts, items = names
    lines = session.exec(select(PoLine).where(PoLine.po_id == po.id)
                         .order_by(col(PoLine.line_no))).all()
    return _identify(session, SyncDoc(
        kind=DocKind.PO, id=po.id, number=po.number, status=po.status,
        supplier_id=supplier.id or 0, supplier=supplier.name, vendor_id=supplier.qbo_vendor_id,
        txn_date=po.txn_date, currency=po.currency, total=po.total, memo=po.memo,
        revision=po.revision, attempt=po.attempt, sync_state=po.sync_state,
        problem=po.problem, qbo_id=po.qbo_id, pending_request_id=po.pending_request_id,
        auto_retries=po.auto_retries, drift=po.qbo_drift, pending_revision=po.pending_revision,
        pending_sent=po.pending_sent, next_attempt_at=po.next_attempt_at,
        lines=[SyncLine(line.line_no, line.amount, line.description,
                        accounts.get(line.account_id) if line.account_id else None,
                        items.get(line.item_id) if line.item_id else None,
                        line.qty, line.unit_price, line.qbo_line_id) for line in lines],
    ))


def load_invoice(session: Session, invoice: Invoice,
                 names: tuple[dict[int, str], dict[int, str]]) -> SyncDoc:
    supplier = session.get(Supplier, invoice.supplier_id)
    assert supplier is not None and invoice.id is not None
    accounts, items = names
    po = session.get(PurchaseOrder, invoice.po_id) if invoice.po_id else None
    po_lines = {}
    if po is not None:
        po_lines = {line.id: line for line in session.exec(
            select(PoLine).where(PoLine.po_id == po.id))}
    lines = []
    for line in session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                             .order_by(col(InvoiceLine.line_no))):
        billed = po_lines.get(line.po_line_id) if line.po_line_id else None
        lines.append(SyncLine(
            line.line_no, line.amount, line.description,
            accounts.get(line.account_id) if line.account_id else None,
            items.get(line.item_id) if line.item_id else None, line.qty, line.unit_price,
            line.qbo_line_id, billed.line_no if billed else None,
            billed.qbo_line_id if billed else None))
    return _identify(session, SyncDoc(
        kind=DocKind.INVOICE, id=invoice.id, number=invoice.number, status=invoice.status,
        supplier_id=supplier.id or 0, supplier=supplier.name,
        vendor_id=supplier.qbo_vendor_id, txn_date=invoice.issue_date,
        currency=invoice.currency, total=invoice.total, memo=invoice.memo,
        revision=invoice.revision, attempt=invoice.attempt, sync_state=invoice.sync_state,
        problem=invoice.problem, qbo_id=invoice.qbo_id,
        pending_request_id=invoice.pending_request_id, auto_retries=invoice.auto_retries,
        drift=invoice.qbo_drift, pending_revision=invoice.pending_revision,
        pending_sent=invoice.pending_sent, next_attempt_at=invoice.next_attempt_at,
        reference=invoice.reference, due_date=invoice.due_date,
        po=PoRef(po.id or 0, po.number, po.txn_date, po.sync_state, po.qbo_id, po.status,
                 po.problem)
        if po else None,
        lines=lines,
    ))


def due_documents(session: Session, now: datetime) -> list[SyncDoc]:
    """What a sync sends now: queued documents, invoices waiting on their PO, and
    transient failures whose retry time has come. POs first, then invoices."""
    names = _names(session)

    def due(model: type[PurchaseOrder] | type[Invoice]) -> list:
        retry = (col(model.sync_state) == SyncState.FAILED.value) & \
            (col(model.next_attempt_at) <= now)
        waiting = (col(model.sync_state) == SyncState.BLOCKED.value) & \
            (col(model.problem) == Kind.WAITING_ON_PO.value)
        query = select(model).where(or_(col(model.sync_state) == SyncState.QUEUED.value,
                                        retry, waiting)).order_by(col(model.id))
        return list(session.exec(query))

    pos = [load_po(session, po, names) for po in due(PurchaseOrder)
           if po.status in (PoStatus.APPROVED, PoStatus.CLOSED, PoStatus.CANCELLED)]
    invoices = [load_invoice(session, inv, names) for inv in due(Invoice)
                if inv.status in (InvoiceStatus.APPROVED, InvoiceStatus.READY_TO_PAY)]
    return pos + invoices


_SENDABLE = {DocKind.PO: (PoStatus.APPROVED, PoStatus.CLOSED, PoStatus.CANCELLED),
             DocKind.INVOICE: (InvoiceStatus.APPROVED, InvoiceStatus.READY_TO_PAY)}


def is_due(doc: SyncDoc, now: datetime) -> bool:
    """Whether ``doc`` (as loaded) is one ``due_documents`` would give at ``now``."""
    if doc.status not in _SENDABLE[doc.kind]:
        return False
    if doc.sync_state == SyncState.QUEUED.value:
        return True
    if doc.sync_state == SyncState.FAILED.value:
        return doc.next_attempt_at is not None and doc.next_attempt_at <= now
    return doc.sync_state == SyncState.BLOCKED.value and doc.problem == Kind.WAITING_ON_PO.value


#: What a sync changes on a document (and an edit, its revision): a PO whose columns
#: these are unchanged since it was read is the same PO to send.
_BOOKKEEPING = ("status", "revision", "attempt", "sync_state", "problem", "qbo_id",
                "pending_request_id", "pending_revision", "auto_retries", "next_attempt_at")


def reload(session: Session, docs: list[SyncDoc]) -> list[SyncDoc | None]:
    """``docs`` as the store holds them now (None for one that is gone), in order: a PO
    whose bookkeeping did not change since it was read is given back as it was (read in
    one query for all); the rest, and every invoice (its PO may have moved), read anew."""
    pos = [doc.id for doc in docs if doc.kind is DocKind.PO]
    columns = [getattr(PurchaseOrder, name) for name in _BOOKKEEPING]
    now = {row[0]: tuple(row[1:]) for row in session.exec(
        select(PurchaseOrder.id, *columns).where(col(PurchaseOrder.id).in_(pos)))} \
        if pos else {}
    names: tuple[dict[int, str], dict[int, str]] | None = None
    fresh: list[SyncDoc | None] = []
    for doc in docs:
        if doc.kind is DocKind.PO and now.get(doc.id) == tuple(
                getattr(doc, name) for name in _BOOKKEEPING):
            fresh.append(doc)
            continue
        row = session.get(PurchaseOrder if doc.kind is DocKind.PO else Invoice, doc.id)
        if row is None:
            fresh.append(None)
            continue
        names = names or _names(session)
        fresh.append(load_po(session, row, names) if isinstance(row, PurchaseOrder)
                     else load_invoice(session, row, names))
    return fresh


def load(session: Session, kind: DocKind, doc_id: int) -> SyncDoc:
    names = _names(session)
    if kind is DocKind.PO:
        po = session.get(PurchaseOrder, doc_id)
        assert po is not None
        return load_po(session, po, names)
    invoice = session.get(Invoice, doc_id)
    assert invoice is not None
    return load_invoice(session, invoice, names)
