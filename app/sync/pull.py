"""Bringing QuickBooks' side into SyncDesk: lists, payments, PO status, deletions, drift.

The first pull loads every list in full; later pulls ask change data capture
(CDC) for what changed since the last successful pull (within CDC's 30-day
window; beyond it, or when CDC's 1000-object cap is reached, a full load
again). What changed is applied to the local store:

- a vendor renamed, made inactive, reactivated or merged away updates the
  linked supplier and re-checks that supplier's unsent documents;
- an account renamed, retyped or made inactive updates the local chart and
  re-checks the documents blocked on it; a customer or employee name change
  re-checks the documents blocked by a name clash;
- a moved closing date re-checks documents blocked by the closed period;
- a Bill paid (Balance 0) marks the invoice Paid, part-paid records the paid
  amount; a PO closed in QuickBooks marks the PO Closed; a document deleted
  in QuickBooks is flagged ``deleted_in_qbo``;
- a synced document edited in QuickBooks is compared with SyncDesk's copy
  (everything SyncDesk sends, see ``_Drift``); a difference is kept
  (``qbo_drift``), overwritten neither way, and blocks the document with the
  problem ``changed_in_qbo`` until the user chooses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from app.domain import qbo_limits
from app.domain.money import format_money, format_quantity
from app.domain.problems import Kind, Problem
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.operations.creating import queue
from app.operations.history import record
from app.qbo.client import QboClient
from app.qbo.query import quote
from app.store.database import Store
from app.store.identity import store_info
from app.store.models import (
    Account,
    HistoryEvent,
    Invoice,
    InvoiceLine,
    Item,
    PoLine,
    PurchaseOrder,
    QboObject,
    QboPull,
    Supplier,
)
from app.store.types import utcnow
from app.store.upsert import upsert
from app.sync import records
from app.sync.lists import ALL, name_key, original_name
from app.sync.problems import changed_in_qbo

LISTS = ("Vendor", "Customer", "Employee", "Account", "Item", "Term")
TRANSACTIONS = ("PurchaseOrder", "Bill")
CDC_WINDOW = timedelta(days=30) - timedelta(hours=1)
OVERLAP = timedelta(minutes=5)  # changes are asked for a little before the last pull
CDC_CAP = 1000
ID_CHUNK = 200

Changes = dict[str, list[dict[str, Any]]]


@dataclass
class PullReport:
    mode: str  # "full" or "cdc"
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    as_of: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "counts": self.counts, "notes": self.notes,
                "as_of": self.as_of.isoformat() if self.as_of else None}


_BOOKMARKS: Any = QboPull.__table__


def list_ages(session: Session) -> dict[str, str]:
    """Each list's "as of" time, for ``status``."""
    return {row.entity: row.as_of.isoformat() for row in session.exec(select(QboPull))}


class Puller:
    def __init__(self, store: Store, client: QboClient, actor: str,
                 now: Callable[[], datetime] = utcnow) -> None:
        self.store, self.client, self.actor, self.now = store, client, actor, now

    def run(self) -> PullReport:
        started = self.now()
        with self.store.session() as session:
            bookmarks = {row.entity: row for row in session.exec(select(QboPull))}
        wanted = (*LISTS, *TRANSACTIONS)
        since = min((bookmarks[e].as_of for e in wanted if e in bookmarks), default=None)
        full = any(e not in bookmarks for e in wanted) or since is None or \
            started - since > CDC_WINDOW
        changes: Changes | None = None
        if not full:
            assert since is not None
            changes = self.client.cdc(list(wanted), since - OVERLAP)
            if sum(len(v) for v in changes.values()) >= CDC_CAP:
                changes, full = None, True  # too much changed: CDC would leave some out
        report = PullReport("full" if full else "cdc", as_of=started)
        if changes is None:
            changes = self._full_load()
        preferences = self.client.preferences()
        with self.store.session() as session:
            apply = _Applier(session, self.actor, started, report, full)
            apply.lists(changes)
            apply.preferences(preferences)
            apply.transactions(changes)
            for entity in wanted:
                known = bookmarks.get(entity)
                upsert(session, _BOOKMARKS, {
                    "entity": entity, "as_of": started,
                    "full_at": started if full or known is None else known.full_at,
                    "count": len(changes.get(entity, []))}, ("entity",))
            records.log_attempt(session, None, f"pull-{report.mode}", "success",
                                message=f"Read QuickBooks ({report.mode}): "
                                + ", ".join(f"{n} {e}" for e, n in report.counts.items() if n),
                                detail=report.to_json())
        return report

    def _full_load(self) -> Changes:
        changes: Changes = {entity: list(self.client.query_all(entity, ALL)) for entity in LISTS}
        with self.store.session() as session:
            known = {
                "PurchaseOrder": [po.qbo_id for po in session.exec(
                    select(PurchaseOrder).where(col(PurchaseOrder.qbo_id).is_not(None)))],
                "Bill": [inv.qbo_id for inv in session.exec(
                    select(Invoice).where(col(Invoice.qbo_id).is_not(None)))],
            }
        for entity, ids in known.items():
            found: dict[str, dict[str, Any]] = {}
            id_list = [i for i in ids if i]
            for start in range(0, len(id_list), ID_CHUNK):
                chunk = id_list[start:start + ID_CHUNK]
                where = "Id in (" + ", ".join(quote(i) for i in chunk) + ")"
                for obj in self.client.query_all(entity, where):
                    found[str(obj["Id"])] = obj
            # Asked for by id and not there: deleted in QuickBooks.
            changes[entity] = list(found.values()) + [
                {"Id": i, "status": "Deleted"} for i in id_list if i not in found]
        return changes


def remember(session: Session, entity: str, obj: dict[str, Any],
             when: datetime | None = None) -> None:
    """Put a list record into the mirror (or bring its row up to date).

    A row another writer stored meanwhile (another sync, another SyncDesk on the
    same store) is updated, not inserted twice.
    """
    upsert(session, _MIRROR, {
        "entity": entity, "qbo_id": str(obj["Id"]), "data": obj,
        "name": original_name(obj, _name_field(entity)),
        "active": bool(obj.get("Active", True)), "pulled_at": when or utcnow()},
        ("entity", "qbo_id"))


_MIRROR: Any = QboObject.__table__


def _deleted(obj: dict[str, Any]) -> bool:
    return str(obj.get("status", "")).lower() == "deleted"


def _name_field(entity: str) -> str:
    return "DisplayName" if entity in ("Vendor", "Customer", "Employee") else "Name"


class _Applier:
    """Applies one pull's changes inside one transaction."""

    def __init__(self, session: Session, actor: str, now: datetime, report: PullReport,
                 full: bool) -> None:
        self.s, self.actor, self.now, self.report, self.full = session, actor, now, report, full
        self._names: _Names | None = None  # for drift, read once the lists are applied

    # --- lists --------------------------------------------------------------------------

    def lists(self, changes: Changes) -> None:
        for entity in LISTS:
            records_in = changes.get(entity, [])
            mirror = {row.qbo_id: row for row in self.s.exec(
                select(QboObject).where(QboObject.entity == entity))}
            seen: set[str] = set()
            for obj in records_in:
                qbo_id = str(obj["Id"])
                seen.add(qbo_id)
                before = mirror.get(qbo_id)
                old = dict(before.data) if before else None
                if _deleted(obj):
                    if before is not None:
                        self.s.delete(before)
                    self._effects(entity, old, None)
                    continue
                remember(self.s, entity, obj, self.now)
                self._effects(entity, old, obj)
            if self.full:  # a full load also tells what no longer exists
                for qbo_id, row in mirror.items():
                    if qbo_id not in seen:
                        old = dict(row.data)
                        self.s.delete(row)
                        self._effects(entity, old, None)
        self.s.flush()

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
            self._recheck(self._blocked(["missing_reference"]), "an item changed in QuickBooks")

    def _vendor(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        vendor_id = str((new or old or {}).get("Id"))
        linked = self.s.exec(select(Supplier).where(Supplier.qbo_vendor_id == vendor_id)).all()
        if new is None:  # deleted or merged away: find it again by name on the next push
            for supplier in linked:
                supplier.qbo_vendor_id = None
                self.s.add(supplier)
                self._note_supplier(supplier, "vendor_removed", f"Vendor {vendor_id} was "
                                    "deleted or merged in QuickBooks; the next sync finds the "
                                    "supplier's vendor again by name", recheck=True)
            return
        new_name = original_name(new)
        was_active = bool(old.get("Active", True)) if old else None
        active = bool(new.get("Active", True))
        if not linked:  # a supplier blocked by this vendor's name, not linked yet
            linked = [s for s in self.s.exec(select(Supplier))
                      if name_key(s.name) == name_key(new_name)]
        for supplier in linked:
            if old is not None and original_name(old) != new_name and \
                    supplier.qbo_vendor_id == vendor_id and supplier.name != new_name:
                taken = self.s.exec(select(Supplier).where(Supplier.name == new_name)).first()
                if taken is None:
                    old_name, supplier.name = supplier.name, new_name
                    self.s.add(supplier)
                    self._note_supplier(supplier, "supplier_renamed", f"Supplier renamed in "
                                        f"QuickBooks: {old_name} → {new_name}", recheck=False,
                                        detail={"old": old_name, "new": new_name})
            if was_active is not None and was_active != active:
                supplier.active = active
                self.s.add(supplier)
                text = ("Vendor made inactive in QuickBooks" if not active
                        else "Vendor made active again in QuickBooks")
                self._note_supplier(supplier, "vendor_active" if active else "vendor_inactive",
                                    text, recheck=True)

    def _note_supplier(self, supplier: Supplier, action: str, text: str, recheck: bool,
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

    def _blocked(self, problems: list[str]) -> list[tuple[DocKind, Any]]:
        found: list[tuple[DocKind, Any]] = []
        for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
            found += [(kind, d) for d in self.s.exec(select(model).where(
                col(model.sync_state).in_([SyncState.BLOCKED.value, SyncState.FAILED.value]),
                col(model.problem).in_(problems)))]
        return found

    def _blocked_on_account(self, account_id: int | None) -> list[tuple[DocKind, Any]]:
        blocked = self._blocked(["missing_reference", "ap_ar_line_account"])
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
        for kind, doc in self._blocked(["duplicate_name"]):
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
        upsert(self.s, _MIRROR, {"entity": "Preferences", "data": prefs, "pulled_at": self.now,
                                 "qbo_id": row.qbo_id if row else str(prefs.get("Id", "1")),
                                 "active": True}, ("entity", "qbo_id"))
        if old is None:
            return
        before = old.get("AccountingInfoPrefs", {}).get("BookCloseDate")
        after = prefs.get("AccountingInfoPrefs", {}).get("BookCloseDate")
        if before != after:
            text = f"Closing date moved in QuickBooks: {before or 'none'} → {after or 'none'}"
            self.report.notes.append(text)
            self._recheck(self._blocked(["closed_period"]), text)

        def warn(p: dict[str, Any]) -> str | None:
            for pair in p.get("OtherPrefs", {}).get("NameValue", []):
                if pair.get("Name") == "WarnDuplicateBillNumber":
                    return str(pair.get("Value"))
            return None

        if warn(old) != warn(prefs):
            self._recheck(self._blocked(["duplicate_bill_number"]),
                          "the duplicate bill number warning changed in QuickBooks")

    # --- transactions -------------------------------------------------------------------

    def transactions(self, changes: Changes) -> None:
        for entity, model, kind in (("PurchaseOrder", PurchaseOrder, DocKind.PO),
                                    ("Bill", Invoice, DocKind.INVOICE)):
            for obj in changes.get(entity, []):
                doc = self.s.exec(select(model).where(model.qbo_id == str(obj["Id"]))).first()
                if doc is None:
                    continue  # not one of SyncDesk's documents
                already_flagged = _deleted(obj) and doc.problem == "deleted_in_qbo"
                if not already_flagged and (_deleted(obj) or
                                            str(obj.get("SyncToken")) != doc.qbo_sync_token):
                    self.report.counts[entity] = self.report.counts.get(entity, 0) + 1
                if _deleted(obj):
                    self._deleted_in_qbo(kind, doc)
                    continue
                if kind is DocKind.PO:
                    self._po_status(doc, obj)
                else:
                    self._payments(doc, obj)
                self._drift(kind, doc, obj)
                doc.qbo_sync_token = str(obj.get("SyncToken", doc.qbo_sync_token))
                self.s.add(doc)

    def _deleted_in_qbo(self, kind: DocKind, doc: Any) -> None:
        if doc.problem == "deleted_in_qbo":
            return
        text = (f"{doc.number} was deleted in QuickBooks. SyncDesk still has its copy and can "
                "create it there again.")
        problem = Problem(Kind.DELETED_IN_QBO, text, None,
                          facts={"qbo_id": doc.qbo_id, "entity": "PurchaseOrder"
                                 if kind is DocKind.PO else "Bill"})
        records.record_problem(self.s, records.Ref(kind, doc.id, doc.number), problem,
                               SyncState.FAILED, "pull", self.actor, self.now, definite=False)
        doc.qbo_status = "Deleted"
        self.report.notes.append(text)

    def _po_status(self, po: PurchaseOrder, obj: dict[str, Any]) -> None:
        text = follow_po_status(self.s, po, obj, self.actor)
        if text:
            self.report.notes.append(f"{po.number}: {text}")

    def _payments(self, invoice: Invoice, obj: dict[str, Any]) -> None:
        balance = _money(obj.get("Balance"))
        total = _money(obj.get("TotalAmt"))
        if balance is None or total is None:
            return
        paid = max(Decimal("0.00"), total - balance)
        if paid == invoice.amount_paid:
            return
        assert invoice.id is not None
        invoice.amount_paid = paid
        if balance == 0:
            invoice.qbo_status = "Paid"
            if invoice.status != InvoiceStatus.PAID.value:
                invoice.status = InvoiceStatus.PAID.value
            text = f"Paid in QuickBooks ({format_money(paid)})"
        else:
            invoice.qbo_status = "Partly paid"
            text = (f"Part paid in QuickBooks: {format_money(paid)} of {format_money(total)}; "
                    f"{format_money(balance)} still open")
        record(self.s, DocKind.INVOICE, invoice.id, self.actor, "payment", text,
               {"amount_paid": format_money(paid), "balance": format_money(balance)})
        self.report.notes.append(f"{invoice.number}: {text}")

    def _drift(self, kind: DocKind, doc: Any, obj: dict[str, Any]) -> None:
        """Compare QuickBooks' copy of a synced document with SyncDesk's.

        A difference is a problem (``changed_in_qbo``): the document is blocked until the
        user chooses (Resend sends SyncDesk's copy; nothing is overwritten by itself).
        """
        flagged = doc.sync_state == SyncState.BLOCKED.value and \
            doc.problem == Kind.CHANGED_IN_QBO.value
        if doc.sync_state != SyncState.SYNCED.value and not flagged:
            return  # local changes are on their way; the push decides
        if self._names is None:
            self._names = _Names(self.s)
        differences = _Drift(self.s, self._names, kind, doc, obj).differences()
        drift = {"fields": differences, "qbo_sync_token": str(obj.get("SyncToken")),
                 "seen_at": self.now.isoformat()} if differences else None
        assert doc.id is not None
        if drift is None:
            if doc.qbo_drift is None and not flagged:
                return
            doc.qbo_drift = None
            if flagged:  # QuickBooks was changed back: nothing to choose any more
                doc.sync_state, doc.problem = SyncState.SYNCED.value, None
            record(self.s, kind, doc.id, self.actor, "changed_in_qbo",
                   "QuickBooks matches SyncDesk again", None)
            self.report.notes.append(f"{doc.number}: QuickBooks matches SyncDesk again")
            return
        if flagged and (doc.qbo_drift or {}).get("fields") == differences:
            return  # seen before (CDC's overlap window)
        doc.qbo_drift = drift
        problem = changed_in_qbo(_label(kind, doc), drift)
        records.record_problem(self.s, records.Ref(kind, doc.id, doc.number), problem,
                               SyncState.BLOCKED, "pull", self.actor, self.now, definite=False)
        self.report.notes.append(f"Needs attention: {problem.explanation}")


# --- drift: what QuickBooks holds against what SyncDesk sent ---------------------------

NONE = "(none)"


def _label(kind: DocKind, doc: Any) -> str:
    if kind is DocKind.PO:
        return doc.number if doc.number.upper().startswith("PO") else f"PO {doc.number}"
    return f"invoice {doc.number}"


class _Names:
    """Accounts, items and vendors by id, for one pull: QuickBooks' names and SyncDesk's."""

    def __init__(self, session: Session) -> None:
        self.mirror: dict[str, dict[str, QboObject]] = {}
        for row in session.exec(select(QboObject).where(
                col(QboObject.entity).in_(["Account", "Item", "Vendor", "Preferences"]))):
            self.mirror.setdefault(row.entity, {})[row.qbo_id] = row
        prefs = next(iter(self.mirror.pop("Preferences", {}).values()), None)
        # SyncDesk sends a currency only to a company that has more than one
        self.multicurrency = bool(prefs is not None and (prefs.data.get("CurrencyPrefs") or {})
                                  .get("MultiCurrencyEnabled"))
        self.accounts = {a.id: a for a in session.exec(select(Account))}
        self.items = {i.id: i for i in session.exec(select(Item))}

    def qbo_name(self, entity: str, ref: dict[str, Any]) -> str:
        """A QuickBooks reference for people: the name the mirror has, else QuickBooks'
        own, else its id."""
        value = ref.get("value")
        if not value:
            return NONE
        row = self.mirror.get(entity, {}).get(str(value))
        if row is not None and row.name:
            return row.name
        if ref.get("name"):
            return str(ref["name"])
        return f"{entity.lower()} {value}"

    def qbo_id(self, entity: str, name: str, linked: str | None) -> str | None:
        """The QuickBooks id of SyncDesk's account or item: its link, else by name."""
        if linked:
            return linked
        key = name_key(name)
        for qbo_id, row in self.mirror.get(entity, {}).items():
            names = (original_name(row.data, "Name"),
                     str(row.data.get("FullyQualifiedName", "")))
            if key in (name_key(n) for n in names):
                return qbo_id
        return None


def follow_po_status(session: Session, po: PurchaseOrder, obj: dict[str, Any], actor: str
                     ) -> str | None:
    """Take QuickBooks' POStatus of ``po`` (``obj``); a PO QuickBooks closed (billed in full,
    or by hand) is closed here too. Returns what happened, in words, when it closed."""
    status = obj.get("POStatus")
    if status and status != po.qbo_status:
        po.qbo_status = status
        session.add(po)
    if status != "Closed" or po.status != PoStatus.APPROVED.value:
        return None
    po.status = PoStatus.CLOSED.value
    session.add(po)
    text = "Closed in QuickBooks" + (" (fully billed)" if obj.get("LinkedTxn") else "")
    assert po.id is not None
    record(session, DocKind.PO, po.id, actor, "closed_in_qbo", text, {"qbo_status": status})
    return text


class _Drift:
    """Every difference between what SyncDesk sent of one document (its copy, as it was
    synced) and what QuickBooks holds now: each as a field with both values, in words.

    Only what SyncDesk sends is compared (see ``app.sync.mapping``); what QuickBooks adds
    or works out by itself (Balance, payments and their links, a PO's links to its
    bills, a due date SyncDesk did not give) is not drift. Values are compared as
    QuickBooks means them: amounts as numbers (150 = 150.00), dates by day, names of
    accounts, items and vendors by their QuickBooks id.
    """

    def __init__(self, session: Session, names: _Names, kind: DocKind, doc: Any,
                 obj: dict[str, Any]) -> None:
        self.s, self.names, self.kind, self.doc, self.obj = session, names, kind, doc, obj
        self.found: list[dict[str, str]] = []
        self.links: list[dict[str, str]] = []  # PO links first: the most serious
        self.po: PurchaseOrder | None = None
        self.po_lines: dict[int, PoLine] = {}
        if kind is DocKind.INVOICE and doc.po_id:
            self.po = self.s.get(PurchaseOrder, doc.po_id)
            self.po_lines = {line.id: line for line in self.s.exec(
                select(PoLine).where(PoLine.po_id == doc.po_id)) if line.id is not None}

    def differences(self) -> list[dict[str, str]]:
        self._header()
        self._lines()
        return self.links + self.found

    def differ(self, name: str, ours: str, theirs: str, text: str | None = None,
               into: list[dict[str, str]] | None = None) -> None:
        entry = {"field": name, "syncdesk": ours, "quickbooks": theirs}
        if text:
            entry["text"] = text  # how the explanation says it, when not "X in SyncDesk, …"
        (self.found if into is None else into).append(entry)

    # --- the header ------------------------------------------------------------------

    def _header(self) -> None:
        doc, obj = self.doc, self.obj
        if self.kind is DocKind.PO:
            number, number_field = doc.number, "number"
        else:
            number, number_field = doc.reference or doc.number, "supplier's number"
        theirs_number = str(obj.get("DocNumber") or "")
        if theirs_number != number:
            self.differ(number_field, number, theirs_number or NONE)
        ours_date = doc.txn_date if self.kind is DocKind.PO else doc.issue_date
        theirs_date = str(obj.get("TxnDate") or "")[:10]
        if theirs_date != ours_date.isoformat():
            self.differ("date", ours_date.isoformat(), theirs_date or NONE)
        if self.kind is DocKind.INVOICE and doc.due_date is not None:
            theirs_due = str(obj.get("DueDate") or "")[:10]
            if theirs_due != doc.due_date.isoformat():
                self.differ("due date", doc.due_date.isoformat(), theirs_due or NONE)
        supplier = self.s.get(Supplier, doc.supplier_id)
        vendor_ref = obj.get("VendorRef") or {}
        ours_vendor = supplier.qbo_vendor_id if supplier else None
        if str(vendor_ref.get("value")) != str(ours_vendor):
            self.differ("vendor", supplier.name if supplier else NONE,
                        self.names.qbo_name("Vendor", vendor_ref))
        currency = (obj.get("CurrencyRef") or {}).get("value")
        if self.names.multicurrency and currency and \
                str(currency).upper() != str(doc.currency).upper():
            self.differ("currency", doc.currency, str(currency))
        self._note()
        if self.kind is DocKind.PO:
            self._po_status()
        ours_total, theirs_total = format_money(doc.total), _fmt(obj.get("TotalAmt"))
        if ours_total != theirs_total:
            self.differ("total", ours_total, theirs_total)

    def _note(self) -> None:
        """SyncDesk's marker, then the memo (and a cancelled PO's words): as sent."""
        cancelled = self.kind is DocKind.PO and self.doc.status == PoStatus.CANCELLED.value
        theirs = str(self.obj.get("PrivateNote") or "")
        # The store's lineage marker; the bare one of an object synced before lineages.
        lineage: str | None = store_info(self.s).lineage
        if not qbo_limits.is_marked(theirs, self.doc.number, lineage) and \
                qbo_limits.is_marked(theirs, self.doc.number):
            lineage = None
        mark = qbo_limits.marker(self.doc.number, lineage)
        sent = qbo_limits.private_note(self.doc.number, self.doc.memo, cancelled, lineage)
        if theirs == sent:
            return
        rest = theirs[len(mark):]
        if not theirs.startswith(mark) or (rest[:1].isalnum() or rest[:1] in "-_/"):
            self.differ("note", _quoted(sent), _quoted(theirs),
                        f"note {_quoted(sent)} in SyncDesk, {_quoted(theirs)} in QuickBooks, "
                        f"where SyncDesk's mark '{mark}' is gone")
            return
        ours_memo, theirs_memo = _memo_part(sent, mark), _memo_part(theirs, mark)
        if ours_memo == theirs_memo:  # the same words, written differently around the mark
            self.differ("note", _quoted(sent), _quoted(theirs))
        else:
            self.differ("memo", _quoted(ours_memo), _quoted(theirs_memo))

    def _po_status(self) -> None:
        """A PO SyncDesk closed (or cancelled) and sent Closed, open again in QuickBooks.

        A PO SyncDesk sends Open and QuickBooks closes (billed in full, or by hand) is
        taken as closed here (``_po_status``), not drift; a PO with bills linked has its
        status worked out by QuickBooks from them.
        """
        theirs = self.obj.get("POStatus")
        if theirs != "Open" or self.obj.get("LinkedTxn") or \
                self.doc.status not in (PoStatus.CLOSED.value, PoStatus.CANCELLED.value):
            return
        if self._closed_by_syncdesk():
            self.differ("status", "Closed", "Open")

    def _closed_by_syncdesk(self) -> bool:
        """Whether SyncDesk's last write to QuickBooks came after the PO closed here:
        a PO closed in QuickBooks (``closed_in_qbo``) and not sent since is QuickBooks'."""
        events = self.s.exec(select(HistoryEvent).where(
            HistoryEvent.doc_kind == DocKind.PO.value, HistoryEvent.doc_id == self.doc.id,
            col(HistoryEvent.action).in_(["sync", "closed_in_qbo"]))
            .order_by(col(HistoryEvent.id).desc()))
        for event in events:
            if event.action == "closed_in_qbo":
                return False
            if (event.detail or {}).get("outcome") == "synced":
                return True
        return False

    # --- the lines -------------------------------------------------------------------

    def _lines(self) -> None:
        model, parent = (PoLine, PoLine.po_id) if self.kind is DocKind.PO else (
            InvoiceLine, InvoiceLine.invoice_id)
        ours = list(self.s.exec(select(model).where(parent == self.doc.id)
                                .order_by(col(model.line_no))))
        theirs = [line for line in self.obj.get("Line", [])
                  if line.get("DetailType") != "SubTotalLineDetail"]
        if len(ours) != len(theirs):
            self.differ("lines", str(len(ours)), str(len(theirs)))
        ids = [line.qbo_line_id for line in ours]
        by_id = {str(line.get("Id")): line for line in theirs if line.get("Id") is not None}
        if all(ids) and len(set(ids)) == len(ids):  # QuickBooks' line ids say which is which
            pairs = [(line, by_id.get(str(line.qbo_line_id))) for line in ours]
            added = [line for line in theirs if str(line.get("Id")) not in set(ids)]
        else:  # lines without ids (never the case once synced): side by side
            pairs = [(line, theirs[i] if i < len(theirs) else None)
                     for i, line in enumerate(ours)]
            added = theirs[len(ours):]
        for line, their_line in pairs:
            if their_line is None:
                self.differ(f"line {line.line_no}", self._our_summary(line), "(removed)",
                            f"line {line.line_no} ({self._our_summary(line)}) removed in "
                            "QuickBooks")
            else:
                self._line(line, their_line)
        for their_line in added:
            summary = self._their_summary(their_line)
            self.differ("added line", NONE, summary, f"a line added in QuickBooks: {summary}")

    def _line(self, line: PoLine | InvoiceLine, their: dict[str, Any]) -> None:
        n = line.line_no
        ours_amount, theirs_amount = format_money(line.amount), _fmt(their.get("Amount"))
        if ours_amount != theirs_amount:
            self.differ(f"line {n} amount", ours_amount, theirs_amount)
        ours_text, theirs_text = line.description or "", str(their.get("Description") or "")
        if ours_text != theirs_text:
            self.differ(f"line {n} description", _quoted(ours_text), _quoted(theirs_text))
        self._reference(line, their)
        if self.kind is DocKind.INVOICE:
            assert isinstance(line, InvoiceLine)
            self._link(line, their)

    def _reference(self, line: PoLine | InvoiceLine, their: dict[str, Any]) -> None:
        """The line's account or item (and an item line's quantity and unit price)."""
        n = line.line_no
        item = self.names.items.get(line.item_id) if line.item_id else None
        account = self.names.accounts.get(line.account_id) if line.account_id else None
        if item is not None:
            ours_entity, ours_name = "Item", item.name
            ours_id = self.names.qbo_id("Item", item.name, item.qbo_id)
        else:
            ours_entity, ours_name = "Account", account.name if account else NONE
            ours_id = self.names.qbo_id("Account", account.name, account.qbo_id) \
                if account else None
        detail_type = their.get("DetailType")
        detail = their.get(str(detail_type)) or {}
        theirs_entity = "Item" if detail_type == "ItemBasedExpenseLineDetail" else "Account"
        ref = detail.get("ItemRef" if theirs_entity == "Item" else "AccountRef") or {}
        theirs_name = self.names.qbo_name(theirs_entity, ref)
        if ours_entity != theirs_entity:
            self.differ(f"line {n} account or item", f"{ours_entity.lower()} {ours_name}",
                        f"{theirs_entity.lower()} {theirs_name}")
            return
        same = str(ref.get("value")) == ours_id if ours_id is not None \
            else name_key(theirs_name) == name_key(ours_name)
        if not same:
            self.differ(f"line {n} {ours_entity.lower()}", ours_name, theirs_name)
        if item is None or line.qty is None or line.unit_price is None:
            return  # SyncDesk sends a quantity and unit price on item lines only
        for name, ours_value, key in (("quantity", line.qty, "Qty"),
                                      ("unit price", line.unit_price, "UnitPrice")):
            theirs_value = _decimal(detail.get(key))
            if theirs_value != ours_value:
                self.differ(f"line {n} {name}", format_quantity(ours_value),
                            format_quantity(theirs_value) if theirs_value is not None
                            else NONE)

    def _link(self, line: InvoiceLine, their: dict[str, Any]) -> None:
        """A bill line's link to the PO line it bills, as SyncDesk linked it.

        Links to other POs are QuickBooks' own business (a Resend keeps them, see
        ``mapping.bill_update``); a link to this invoice's PO that SyncDesk did not make
        is a difference, as a Resend takes it away.
        """
        po = self.po
        if po is None or not po.qbo_id:
            return
        billed = self.po_lines.get(line.po_line_id) if line.po_line_id else None
        wanted = billed.qbo_line_id if billed is not None else None
        held = [str(link.get("TxnLineId")) for link in their.get("LinkedTxn") or []
                if link.get("TxnType") == "PurchaseOrder" and str(link.get("TxnId")) == po.qbo_id]
        if held == ([wanted] if wanted else []):
            return
        n, name = line.line_no, f"line {line.line_no} link to {po.number}"
        ours = self._po_line(wanted) if wanted else "no link"
        theirs = ", ".join(self._po_line(i) for i in held) if held else "no link"
        if not held:
            text = f"line {n}: link to {ours} removed in QuickBooks"
        elif not wanted:
            text = f"line {n}: linked to {theirs} in QuickBooks, not in SyncDesk"
        else:
            text = f"line {n}: linked to {ours} in SyncDesk, to {theirs} in QuickBooks"
        self.differ(name, ours, theirs, text, into=self.links)

    def _po_line(self, qbo_line_id: str) -> str:
        assert self.po is not None
        line = next((ln for ln in self.po_lines.values() if ln.qbo_line_id == qbo_line_id),
                    None)
        return f"{self.po.number} line {line.line_no}" if line is not None else \
            f"{self.po.number} (QuickBooks line {qbo_line_id})"

    # --- short descriptions of a whole line -------------------------------------------

    def _our_summary(self, line: PoLine | InvoiceLine) -> str:
        item = self.names.items.get(line.item_id) if line.item_id else None
        account = self.names.accounts.get(line.account_id) if line.account_id else None
        where = f"item {item.name}" if item else (account.name if account else NONE)
        return ", ".join(p for p in (line.description, format_money(line.amount), where) if p)

    def _their_summary(self, their: dict[str, Any]) -> str:
        detail_type = their.get("DetailType")
        detail = their.get(str(detail_type)) or {}
        if detail_type == "ItemBasedExpenseLineDetail":
            where = "item " + self.names.qbo_name("Item", detail.get("ItemRef") or {})
        else:
            where = self.names.qbo_name("Account", detail.get("AccountRef") or {})
        return ", ".join(str(p) for p in (their.get("Description"), _fmt(their.get("Amount")),
                                          where) if p)


def _memo_part(note: str, mark: str) -> str:
    """What follows SyncDesk's mark in a note: the memo (and a cancelled PO's words)."""
    rest = note[len(mark):]
    if rest.startswith(qbo_limits.NOTE_SEPARATOR):
        return rest[len(qbo_limits.NOTE_SEPARATOR):]
    return rest.strip()


def _quoted(text: str) -> str:
    return f"'{text}'" if text else NONE


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _fmt(value: Any) -> str:
    money = _money(value)
    return format_money(money) if money is not None else "(none)"
