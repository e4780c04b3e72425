"""Adding and editing a supplier (name, e-mail, currency, active), with its history.

A supplier has no document of its own, so its history is kept under the kind
``supplier`` in the history table, and each of its open documents gets a note
too. Renaming a supplier queues again the documents that its old name kept
out of QuickBooks (a name clash, an inactive vendor of that name, a name too
long); documents already in QuickBooks stay as they are: they stay linked to
the same QuickBooks vendor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.domain.events import Event
from app.domain.problems import Kind
from app.domain.states import NEEDS_ATTENTION, DocKind, InvoiceStatus, PoStatus
from app.errors import UserError
from app.hints import Action, Hint
from app.operations import fields as f
from app.operations import versions
from app.operations.creating import queue
from app.operations.editing import Change
from app.operations.history import record
from app.operations.lookup import supplier_by_name
from app.operations.settings import get_setting
from app.store.models import HistoryEvent, Invoice, PurchaseOrder, Supplier
from app.store.types import utcnow

SUPPLIER_FIELDS = ("name", "email", "currency", "active")
SUPPLIER_KIND = "supplier"  # the history table's doc_kind for supplier events
# Problems that come from the supplier's name: a rename is worth another try.
NAME_PROBLEMS = (Kind.DUPLICATE_NAME, Kind.INACTIVE_VENDOR)


class SupplierInvalid(UserError):
    """Values refused, each at its field: ``errors`` maps a field (``name``, ``email``,
    ``currency``, ``active``) to the reason in plain words. Nothing was saved."""

    def __init__(self, who: str, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{who}: {key}: {reason}" for key, reason in errors.items()))


@dataclass
class SupplierEdit:
    name: str  # the supplier's name after the edit
    changes: list[Change] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)  # document numbers queued again
    qbo_vendor_id: str | None = None


def find_supplier(session: Session, name: str) -> Supplier:
    supplier = supplier_by_name(session, name)
    if supplier is None:
        raise UserError(f"there is no supplier named {name!r} ({{0}} shows them)",
                        Hint.of(Action.LIST_SUPPLIERS, words="the list of suppliers"))
    return supplier


def edit_supplier(session: Session, name: str, pairs: Sequence[tuple[str, str]], actor: str,
                  seen: Mapping[str, object] | None = None) -> SupplierEdit:
    """Apply ``field=value`` pairs to one supplier (all of them or none); ``seen``: the
    values an editor showed for the fields it changes (``SupplierChanged`` when another
    change got there first)."""
    supplier = find_supplier(session, name)
    assert supplier.id is not None
    if seen:
        versions.hold_supplier(session, supplier, {k: v for k, v in seen.items()
                                                   if k in SUPPLIER_FIELDS}, SUPPLIER_KIND)
    changes: list[Change] = []
    for key, value in _parse_all(session, supplier, supplier.name, pairs).items():
        old = getattr(supplier, key)
        if old == value:
            continue
        setattr(supplier, key, value)
        changes.append(Change(key, _show(old), _show(value)))
    result = SupplierEdit(supplier.name, changes, qbo_vendor_id=supplier.qbo_vendor_id)
    if not changes:
        return result
    supplier.updated_at = utcnow()
    session.add(supplier)
    detail = {"changes": [{"field": c.field, "old": c.old, "new": c.new} for c in changes]}
    renamed = next((c for c in changes if c.field == "name"), None)
    summary = (f"Supplier renamed: {renamed.old} → {renamed.new}" if renamed and len(changes) == 1
               else f"Supplier {supplier.name} edited: " + ", ".join(c.field for c in changes))
    session.add(HistoryEvent(doc_kind=SUPPLIER_KIND, doc_id=supplier.id, actor=actor,
                             action="supplier_edited", summary=summary, detail=detail))
    for kind, doc in _open_documents(session, supplier.id):
        assert doc.id is not None
        record(session, kind, doc.id, actor, Event.SUPPLIER_EDITED, summary, detail)
        if renamed and _blocked_by_name(doc):
            queue(session, kind, doc, actor, f"the supplier was renamed to {supplier.name}")
            result.requeued.append(doc.number)
    return result


def create_supplier(session: Session, pairs: Sequence[tuple[str, str]], actor: str
                    ) -> Supplier:
    """A new supplier from ``field=value`` pairs (``name`` required; ``currency`` defaults
    to the company's home currency, ``active`` to yes). Every bad value is reported at its
    field at once (``SupplierInvalid``); nothing is added then."""
    given = dict(pairs)
    if not given.get("name", "").strip():
        given["name"] = ""  # a missing name is refused at its field like an empty one
    values = _parse_all(session, None, "the new supplier", list(given.items()))
    if values.get("currency") is None:
        values["currency"] = get_setting(session, "home_currency")
    if values.get("active") is None:
        values["active"] = True
    supplier = Supplier(**values)
    session.add(supplier)
    session.flush()
    assert supplier.id is not None
    session.add(HistoryEvent(doc_kind=SUPPLIER_KIND, doc_id=supplier.id, actor=actor,
                             action=Event.CREATED, summary=f"Supplier {supplier.name} added",
                             detail={"changes": [{"field": key, "old": None, "new": _show(value)}
                                                 for key, value in values.items()
                                                 if value is not None]}))
    return supplier


def supplier_events(session: Session, name: str) -> list[HistoryEvent]:
    """A supplier's own history, oldest first."""
    supplier = find_supplier(session, name)
    return list(session.exec(select(HistoryEvent).where(
        HistoryEvent.doc_kind == SUPPLIER_KIND, HistoryEvent.doc_id == supplier.id)
        .order_by(col(HistoryEvent.id))))


def _parse_all(session: Session, supplier: Supplier | None, who: str,
               pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Every pair's value, or ``SupplierInvalid`` naming each bad field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, text in pairs:
        try:
            values[key] = _parse(session, supplier, key, text)
        except f.FieldError as exc:
            errors[key] = str(exc)
    if errors:
        raise SupplierInvalid(who, errors)
    return values


def _parse(session: Session, supplier: Supplier | None, key: str, text: str) -> Any:
    if key == "name":
        value = f.supplier_name(text)  # the same check as a CSV import's name column
        query = select(Supplier).where(func.lower(Supplier.name) == value.lower())
        if supplier is not None:
            query = query.where(Supplier.id != supplier.id)
        clash = session.exec(query).first()
        if clash is not None:
            raise f.FieldError(f"another supplier is already named {clash.name!r}")
        return value
    if key == "email":
        return f.optional(f.parse_email)(text)
    if supplier is None and not text.strip() and key in ("currency", "active"):
        return None  # a new supplier's default (the home currency, active)
    if key == "currency":
        return f.parse_currency_code(text)
    if key == "active":
        return f.parse_yes_no(text)
    raise f.FieldError("not an editable field; choose from " + ", ".join(SUPPLIER_FIELDS))


def _show(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _blocked_by_name(doc: PurchaseOrder | Invoice) -> bool:
    if doc.sync_state not in [s.value for s in NEEDS_ATTENTION]:
        return False
    if doc.problem in NAME_PROBLEMS:
        return True
    facts = (doc.last_error_detail or {}).get("facts") or {}
    return doc.problem == Kind.STRING_TOO_LONG and facts.get("element") == "DisplayName"


def _open_documents(session: Session, supplier_id: int
                    ) -> Iterable[tuple[DocKind, PurchaseOrder | Invoice]]:
    """The supplier's documents that are not finished (closed, cancelled or paid)."""
    for po in session.exec(select(PurchaseOrder).where(
            PurchaseOrder.supplier_id == supplier_id,
            col(PurchaseOrder.status).in_([PoStatus.DRAFT.value, PoStatus.PENDING.value,
                                           PoStatus.APPROVED.value]))
            .order_by(col(PurchaseOrder.id))):
        yield DocKind.PO, po
    for invoice in session.exec(select(Invoice).where(
            Invoice.supplier_id == supplier_id, Invoice.status != InvoiceStatus.PAID.value)
            .order_by(col(Invoice.id))):
        yield DocKind.INVOICE, invoice
