"""Filtered, paged listings built for 100,000-row tables.

Filtering, sorting and paging happen in SQL; only the requested page of plain
rows comes back into Python. Filters use the indexed columns (status,
sync_state, supplier_id, the date column); free text is a case-insensitive
``LIKE`` on number, supplier name and reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.domain.states import NEEDS_ATTENTION, DocKind
from app.store.models import Invoice, PurchaseOrder, Supplier

NEEDS_ATTENTION_FILTER = "needs_attention"


@dataclass(frozen=True)
class DocumentFilter:
    """What a listing shows. ``sync_state`` may also be ``needs_attention`` (failed or blocked)."""

    status: str | None = None
    sync_state: str | None = None
    supplier_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class DocumentRow:
    """One line of a PO or invoice listing (a stable JSON shape, see DESIGN.md)."""

    number: str
    supplier: str
    date: date
    total: Decimal
    currency: str
    status: str
    sync_state: str
    problem: str | None
    qbo_id: str | None
    reference: str | None = None
    po_number: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "number": self.number,
            "supplier": self.supplier,
            "date": self.date.isoformat(),
            "total": str(self.total.quantize(Decimal("0.01"))),
            "currency": self.currency,
            "status": self.status,
            "sync_state": self.sync_state,
            "problem": self.problem,
            "qbo_id": self.qbo_id,
        }
        if self.reference is not None or self.po_number is not None:
            data["reference"] = self.reference
            data["po_number"] = self.po_number
        return data


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _apply_filter(query: Select[Any], model: Any, date_column: Any, flt: DocumentFilter,
                  text_columns: list[Any]) -> Select[Any]:
    if flt.status:
        query = query.where(model.status == flt.status)
    if flt.sync_state == NEEDS_ATTENTION_FILTER:
        query = query.where(model.sync_state.in_([s.value for s in NEEDS_ATTENTION]))
    elif flt.sync_state:
        query = query.where(model.sync_state == flt.sync_state)
    if flt.problem:
        query = query.where(model.problem == flt.problem)
    if flt.supplier_id is not None:
        query = query.where(model.supplier_id == flt.supplier_id)
    if flt.date_from:
        query = query.where(date_column >= flt.date_from)
    if flt.date_to:
        query = query.where(date_column <= flt.date_to)
    if flt.text and flt.text.strip():
        pattern = _like(flt.text.strip())
        query = query.where(or_(*(c.ilike(pattern, escape="\\") for c in text_columns)))
    return query


def _po_query(flt: DocumentFilter, columns: list[Any]) -> Select[Any]:
    query = (
        select(*columns)
        .select_from(PurchaseOrder)
        .join(Supplier, col(Supplier.id) == col(PurchaseOrder.supplier_id))
    )
    return _apply_filter(query, PurchaseOrder, col(PurchaseOrder.txn_date), flt,
                         [col(PurchaseOrder.number), col(Supplier.name)])


_BilledPo = aliased(PurchaseOrder)


def _invoice_query(flt: DocumentFilter, columns: list[Any]) -> Select[Any]:
    query = (
        select(*columns)
        .select_from(Invoice)
        .join(Supplier, col(Supplier.id) == col(Invoice.supplier_id))
        .outerjoin(_BilledPo, _BilledPo.id == col(Invoice.po_id))
    )
    return _apply_filter(query, Invoice, col(Invoice.issue_date), flt,
                         [col(Invoice.number), col(Supplier.name), col(Invoice.reference)])


def list_documents(
    session: Session,
    kind: DocKind,
    flt: DocumentFilter = DocumentFilter(),
    *,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = True,
) -> list[DocumentRow]:
    """One page of a PO or invoice listing, newest first by default."""
    if kind is DocKind.PO:
        model, date_column = PurchaseOrder, col(PurchaseOrder.txn_date)
        extra: list[Any] = []
    else:
        model, date_column = Invoice, col(Invoice.issue_date)
        extra = [col(Invoice.reference), _BilledPo.number]
    columns = [
        model.number, Supplier.name, date_column, model.total, model.currency, model.status,
        model.sync_state, model.problem, model.qbo_id, *extra,
    ]
    query = _po_query(flt, columns) if kind is DocKind.PO else _invoice_query(flt, columns)
    order = (date_column.desc(), model.id.desc()) if newest_first else (date_column, model.id)
    query = query.order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [DocumentRow(*row) for row in session.execute(query)]


def count_documents(session: Session, kind: DocKind, flt: DocumentFilter = DocumentFilter()
                    ) -> int:
    """How many documents match ``flt`` (for the window's page count)."""
    if kind is DocKind.PO:
        query = _po_query(flt, [func.count()])
    else:
        query = _invoice_query(flt, [func.count()])
    return int(session.execute(query).scalar_one())


def count_by(session: Session, kind: DocKind, column: str) -> dict[str, int]:
    """Documents counted by ``sync_state``, or by ``problem`` over failed and blocked ones."""
    model = PurchaseOrder if kind is DocKind.PO else Invoice
    group = getattr(model, column)
    query = select(group, func.count()).group_by(group)
    if column == "problem":
        query = query.where(model.sync_state.in_([s.value for s in NEEDS_ATTENTION]))
    rows = session.execute(query)
    return {key: n for key, n in rows if key is not None}


def problem_groups(session: Session) -> dict[str, dict[str, Any]]:
    """Failed or blocked documents that share a root cause (one supplier, one account, …).

    The window offers to fix such a group at once; the key is the problem's group.
    """
    groups: dict[str, dict[str, Any]] = {}
    for model in (PurchaseOrder, Invoice):
        rows = session.execute(
            select(model.number, model.problem, model.last_error_detail)
            .where(model.sync_state.in_([s.value for s in NEEDS_ATTENTION]))
            .order_by(model.id))
        for number, problem, detail in rows:
            key = (detail or {}).get("group")
            if not key:
                continue
            entry = groups.setdefault(key, {"problem": problem, "documents": []})
            entry["documents"].append(number)
    return {k: v for k, v in groups.items() if len(v["documents"]) > 1}


def not_synced_by_status(session: Session, kind: DocKind) -> dict[str, int]:
    """Documents not meant for QuickBooks yet, counted by their own status (draft, …)."""
    model = PurchaseOrder if kind is DocKind.PO else Invoice
    rows = session.execute(select(model.status, func.count())
                           .where(model.sync_state == "not_synced").group_by(model.status))
    return {status: n for status, n in rows}
