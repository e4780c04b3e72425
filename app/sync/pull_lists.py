"""A pull's list effects: QuickBooks' lists (and preferences) into the mirror, and what
their changes do to SyncDesk's side.

- a vendor renamed, made inactive, reactivated or merged away updates the
  linked supplier and re-checks that supplier's unsent documents;
- an account renamed, retyped or made inactive updates the local chart and
  re-checks the documents blocked on it; a customer or employee name change
  re-checks the documents blocked by a name clash;
- a moved closing date (or the duplicate bill number warning) re-checks the
  documents blocked by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from app.domain.events import Event
from app.domain.problems import Kind
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.operations.creating import queue
from app.operations.history import record
from app.store.models import (
    Account,
    Invoice,
    InvoiceLine,
    PoLine,
    PurchaseOrder,
    QboObject,
    Supplier,
)
from app.store.types import utcnow
from app.store.upsert import upsert
from app.sync.lists import name_key, original_name

if TYPE_CHECKING:
    from app.sync.pull import PullReport


MIRROR: Any = QboObject.__table__
IN_CHUNK = 500  # values per ``IN (…)`` of one statement, well under SQLite's limit


def remember(session: Session, entity: str, obj: dict[str, Any],
             when: datetime | None = None) -> None:
    """Put a list record into the mirror (or bring its row up to date).

    A row another writer stored meanwhile (another sync, another SyncDesk on the
    same store) is updated, not inserted twice.
    """
    upsert(session, MIRROR, {
        "entity": entity, "qbo_id": str(obj["Id"]), "data": obj,
        "name": original_name(obj, _name_field(entity)),
        "active": bool(obj.get("Active", True)), "pulled_at": when or utcnow()},
        ("entity", "qbo_id"))


def deleted(obj: dict[str, Any]) -> bool:
    """Whether a changed object is one QuickBooks deleted (CDC's, or a full load's)."""
    return str(obj.get("status", "")).lower() == "deleted"


def _name_field(entity: str) -> str:
    return "DisplayName" if entity in ("Vendor", "Customer", "Employee") else "Name"


class ListEffects:
    """Applies one list's changes (or the preferences) of a pull, in the caller's
    transaction."""

    def __init__(self, session: Session, actor: str, now: datetime, report: PullReport
                 ) -> None:
        self.s, self.actor, self.now, self.report = session, actor, now, report
        # while a page of vendors is applied: the suppliers linked to them, by vendor id
        self._linked: dict[str, list[Supplier]] | None = None
        self._by_name: dict[str, list[int]] | None = None  # suppliers' ids by name key

    def apply(self, entity: str, records_in: list[dict[str, Any]], full: bool) -> None:
        """``records_in``: what changed in list ``entity`` (with ``full``: the whole list,
        so that what is not in it no longer exists)."""
        seen = self.page(entity, records_in)
        if full:
            self.gone(entity, seen)

    def page(self, entity: str, records_in: list[dict[str, Any]]) -> set[str]:
        """Apply records of list ``entity`` (what changed, or one page of a full load) and
        return their ids; only their own mirror rows are read."""
        ids = list(dict.fromkeys(str(obj["Id"]) for obj in records_in))
        mirror = {row.qbo_id: row for row in self._rows(entity, ids)}
        if entity == "Vendor":  # the suppliers linked to these vendors, in one read
            self._linked = {}
            for supplier in self._in(select(Supplier), col(Supplier.qbo_vendor_id), ids):
                self._linked.setdefault(str(supplier.qbo_vendor_id), []).append(supplier)
        seen: set[str] = set()
        for obj in records_in:
            qbo_id = str(obj["Id"])
            seen.add(qbo_id)
            before = mirror.get(qbo_id)
            old = dict(before.data) if before else None
            if deleted(obj):
                if before is not None:
                    self.s.delete(before)
                self._effects(entity, old, None)
                continue
            remember(self.s, entity, obj, self.now)
            self._effects(entity, old, obj)
        self._linked = None
        self.s.flush()
        return seen

    def gone(self, entity: str, seen: set[str]) -> None:
        """The end of a full load of list ``entity``: every mirror record not in it
        (``seen``: the ids of all its pages) no longer exists in QuickBooks."""
        ids = self.s.exec(select(QboObject.qbo_id).where(QboObject.entity == entity)).all()
        for row in self._rows(entity, [i for i in ids if i not in seen]):
            old = dict(row.data)
            self.s.delete(row)
            self._effects(entity, old, None)
        self.s.flush()

    def _rows(self, entity: str, ids: list[str]) -> list[QboObject]:
        """The mirror rows of list ``entity`` with these ids."""
        return self._in(select(QboObject).where(QboObject.entity == entity),
                        col(QboObject.qbo_id), ids)

    def _in(self, query: Any, column: Any, values: list[str]) -> list[Any]:
        """What ``query`` finds with ``column`` one of ``values`` (asked for in chunks)."""
        found: list[Any] = []
        for start in range(0, len(values), IN_CHUNK):
            found += self.s.exec(query.where(column.in_(values[start:start + IN_CHUNK]))).all()
        return found

    def _effects(self, entity: str, old: dict[str, Any] | None, new: dict[str, Any] | None
                 ) -> None:
        if old is None and new is None:
            return
        if old is not None and new is not None and old.get("SyncToken") == new.get("SyncToken"):
            return  # seen before (CDC's overlap window): nothing changed
        self.report.counts[entity] = self.report.counts.get(entity, 0) + 1
        if entity == "Vendor":
            self._vendor(old, new)
        elif entity == "Account":
            self._account(old, new)
        elif entity in ("Customer", "Employee"):
            names = {original_name(x) for x in (old, new) if x}
            self._recheck_name_clash(names, f"a {entity.lower()} changed in QuickBooks")
        elif entity == "Item" and old is not None:
            self._recheck(self._blocked([Kind.MISSING_REFERENCE]), "an item changed in QuickBooks")

    def _vendor(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        vendor_id = str((new or old or {}).get("Id"))
        linked = [s for s in self._linked.get(vendor_id, []) if s.qbo_vendor_id == vendor_id] \
            if self._linked is not None else \
            self.s.exec(select(Supplier).where(Supplier.qbo_vendor_id == vendor_id)).all()
        if new is None:  # deleted or merged away: find it again by name on the next push
            for supplier in linked:
                supplier.qbo_vendor_id = None
                self.s.add(supplier)
                self._note_supplier(supplier, Event.VENDOR_REMOVED, f"Vendor {vendor_id} was "
                                    "deleted or merged in QuickBooks; the next sync finds the "
                                    "supplier's vendor again by name", recheck=True)
            return
        new_name = original_name(new)
        was_active = bool(old.get("Active", True)) if old else None
        active = bool(new.get("Active", True))
        if not linked:  # a supplier blocked by this vendor's name, not linked yet
            linked = self._suppliers_named(new_name)
        for supplier in linked:
            if old is not None and original_name(old) != new_name and \
                    supplier.qbo_vendor_id == vendor_id and supplier.name != new_name:
                taken = self.s.exec(select(Supplier).where(Supplier.name == new_name)).first()
                if taken is None:
                    old_name, supplier.name = supplier.name, new_name
                    self._by_name = None  # names changed: the index is read again
                    self.s.add(supplier)
                    self._note_supplier(supplier, Event.SUPPLIER_RENAMED, f"Supplier renamed in "
                                        f"QuickBooks: {old_name} → {new_name}", recheck=False,
                                        detail={"old": old_name, "new": new_name})
            if was_active is not None and was_active != active:
                supplier.active = active
                self.s.add(supplier)
                text = ("Vendor made inactive in QuickBooks" if not active
                        else "Vendor made active again in QuickBooks")
                event = Event.VENDOR_ACTIVE if active else Event.VENDOR_INACTIVE
                self._note_supplier(supplier, event, text, recheck=True)

    def _suppliers_named(self, name: str) -> list[Supplier]:
        """The suppliers whose name is ``name`` as QuickBooks compares names (an index of
        every supplier's name, read once for all the vendors of a page)."""
        if self._by_name is None:
            self._by_name = {}
            for supplier_id, supplier_name in self.s.exec(select(Supplier.id, Supplier.name)):
                self._by_name.setdefault(name_key(supplier_name), []).append(supplier_id)
        found = (self.s.get(Supplier, i) for i in self._by_name.get(name_key(name), []))
        return [s for s in found if s is not None]

    def _note_supplier(self, supplier: Supplier, action: Event, text: str, recheck: bool,
                       detail: dict[str, Any] | None = None) -> None:
        self.report.notes.append(f"{supplier.name}: {text}")
        for kind, doc in self._open_documents_of(supplier.id):
            assert doc.id is not None
            record(self.s, kind, doc.id, self.actor, action, text, detail)
            if recheck and doc.sync_state in (SyncState.BLOCKED.value, SyncState.FAILED.value,
                                              SyncState.QUEUED.value) and doc.qbo_id is None:
                self._requeue(kind, doc, text)

    def _open_documents_of(self, supplier_id: int | None) -> Iterable[tuple[DocKind, Any]]:
        for po in self.s.exec(select(PurchaseOrder).where(
                PurchaseOrder.supplier_id == supplier_id,
                col(PurchaseOrder.status).in_([PoStatus.DRAFT, PoStatus.PENDING,
                                               PoStatus.APPROVED]))):
            yield DocKind.PO, po
        for invoice in self.s.exec(select(Invoice).where(
                Invoice.supplier_id == supplier_id, Invoice.status != InvoiceStatus.PAID.value)):
            yield DocKind.INVOICE, invoice

    def _account(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        current = new or old
        assert current is not None
        qbo_id = str(current["Id"])
        local = self.s.exec(select(Account).where(Account.qbo_id == qbo_id)).first()
        if local is None and new is not None:
            name = original_name(new, "Name")
            local = next((a for a in self.s.exec(select(Account))
                          if name_key(a.name) == name_key(name)), None)
        if local is None:
            return
        if new is None:
            local.active, local.qbo_id = False, None
        else:
            local.qbo_id = qbo_id
            local.account_type = str(new.get("AccountType", local.account_type))
            local.active = bool(new.get("Active", True))
        self.s.add(local)
        if old is not None:
            self._recheck(self._blocked_on_account(local.id),
                          f"account {local.name} changed in QuickBooks")

    def _blocked(self, problems: list[Kind]) -> list[tuple[DocKind, Any]]:
        found: list[tuple[DocKind, Any]] = []
        for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
            found += [(kind, d) for d in self.s.exec(select(model).where(
                col(model.sync_state).in_([SyncState.BLOCKED.value, SyncState.FAILED.value]),
                col(model.problem).in_(problems)))]
        return found

    def _blocked_on_account(self, account_id: int | None) -> list[tuple[DocKind, Any]]:
        blocked = self._blocked([Kind.MISSING_REFERENCE, Kind.AP_AR_LINE_ACCOUNT])
        result = []
        for kind, doc in blocked:
            model, parent = (PoLine, PoLine.po_id) if kind is DocKind.PO else (
                InvoiceLine, InvoiceLine.invoice_id)
            lines = self.s.exec(select(model).where(parent == doc.id)).all()
            if any(line.account_id == account_id for line in lines):
                result.append((kind, doc))
        return result

    def _recheck_name_clash(self, names: set[str], why: str) -> None:
        keys = {name_key(n) for n in names}
        docs = []
        for kind, doc in self._blocked([Kind.DUPLICATE_NAME]):
            supplier = self.s.get(Supplier, doc.supplier_id)
            if supplier is not None and name_key(supplier.name) in keys:
                docs.append((kind, doc))
        self._recheck(docs, why)

    def _recheck(self, docs: list[tuple[DocKind, Any]], why: str) -> None:
        for kind, doc in docs:
            self._requeue(kind, doc, why)

    def _requeue(self, kind: DocKind, doc: Any, why: str) -> None:
        if doc.sync_state == SyncState.EXCLUDED.value:
            return
        queue(self.s, kind, doc, self.actor, f"to check again: {why}")

    # --- preferences ------------------------------------------------------------------

    def preferences(self, prefs: dict[str, Any]) -> None:
        row = self.s.exec(select(QboObject).where(QboObject.entity == "Preferences")).first()
        old = dict(row.data) if row else None
        upsert(self.s, MIRROR, {"entity": "Preferences", "data": prefs, "pulled_at": self.now,
                                 "qbo_id": row.qbo_id if row else str(prefs.get("Id", "1")),
                                 "active": True}, ("entity", "qbo_id"))
        if old is None:
            return
        before = old.get("AccountingInfoPrefs", {}).get("BookCloseDate")
        after = prefs.get("AccountingInfoPrefs", {}).get("BookCloseDate")
        if before != after:
            text = f"Closing date moved in QuickBooks: {before or 'none'} → {after or 'none'}"
            self.report.notes.append(text)
            self._recheck(self._blocked([Kind.CLOSED_PERIOD]), text)

        def warn(p: dict[str, Any]) -> str | None:
            for pair in p.get("OtherPrefs", {}).get("NameValue", []):
                if pair.get("Name") == "WarnDuplicateBillNumber":
                    return str(pair.get("Value"))
            return None

        if warn(old) != warn(prefs):
            self._recheck(self._blocked([Kind.DUPLICATE_BILL_NUMBER]),
                          "the duplicate bill number warning changed in QuickBooks")
