"""A pull's document effects: what QuickBooks' copies of SyncDesk's POs and bills say.

- a Bill paid (Balance 0) marks the invoice Paid, part-paid records the paid
  amount; a PO closed in QuickBooks marks the PO Closed; a document deleted
  in QuickBooks is flagged ``deleted_in_qbo``;
- a copy older than the store knows (its SyncToken below the store's: read before
  another sync of the store wrote the document) is passed over;
- a synced document edited in QuickBooks is compared with SyncDesk's copy
  (everything SyncDesk sends, see ``app.sync.drift``); a difference is kept
  (``qbo_drift``), overwritten neither way, and blocks the document with the
  problem ``changed_in_qbo`` until the user chooses.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from app.domain.events import Event
from app.domain.money import format_money
from app.domain.problems import Kind, Problem
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.operations.history import record
from app.store.models import Invoice, PurchaseOrder
from app.sync import records
from app.sync.drift import Drift, Names
from app.sync.problems import changed_in_qbo
from app.sync.pull_lists import IN_CHUNK, deleted

if TYPE_CHECKING:
    from app.sync.pull import PullReport

ENTITIES = {"PurchaseOrder": (PurchaseOrder, DocKind.PO), "Bill": (Invoice, DocKind.INVOICE)}


class DocumentEffects:
    """Applies a pull's changed POs or Bills (or a page of them), in the caller's
    transaction; objects that are not SyncDesk's documents are passed over."""

    def __init__(self, session: Session, actor: str, now: datetime, report: PullReport
                 ) -> None:
        self.s, self.actor, self.now, self.report = session, actor, now, report
        self._names: Names | None = None  # for drift, read once the lists are applied

    def apply(self, entity: str, objs: list[dict[str, Any]]) -> None:
        model, kind = ENTITIES[entity]
        docs = self._documents(model, list(dict.fromkeys(str(obj["Id"]) for obj in objs)))
        for obj in objs:
            doc = docs.get(str(obj["Id"]))
            if doc is None:
                continue  # not one of SyncDesk's documents
            if not deleted(obj) and _older(obj.get("SyncToken"), doc.qbo_sync_token):
                # Read before a later write of SyncDesk's own (another sync of a team store
                # sent the document meanwhile): the store holds the newer; nothing to apply.
                continue
            already_flagged = deleted(obj) and doc.problem == Kind.DELETED_IN_QBO
            if not already_flagged and (deleted(obj) or
                                        str(obj.get("SyncToken")) != doc.qbo_sync_token):
                self.report.counts[entity] = self.report.counts.get(entity, 0) + 1
            if deleted(obj):
                self._deleted_in_qbo(kind, doc)
                continue
            if kind is DocKind.PO:
                self._po_status(doc, obj)
            else:
                self._payments(doc, obj)
            self._drift(kind, doc, obj)
            doc.qbo_sync_token = str(obj.get("SyncToken", doc.qbo_sync_token))
            self.s.add(doc)

    def _documents(self, model: Any, ids: list[str]) -> dict[str, Any]:
        """SyncDesk's documents with these QuickBooks ids (in a few reads, not one each)."""
        found: dict[str, Any] = {}
        for start in range(0, len(ids), IN_CHUNK):
            for doc in self.s.exec(select(model).where(
                    col(model.qbo_id).in_(ids[start:start + IN_CHUNK])).order_by(col(model.id))):
                found.setdefault(doc.qbo_id, doc)
        return found

    def _deleted_in_qbo(self, kind: DocKind, doc: Any) -> None:
        if doc.problem == Kind.DELETED_IN_QBO:
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
        record(self.s, DocKind.INVOICE, invoice.id, self.actor, Event.PAYMENT, text,
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
            self._names = Names(self.s)
        differences = Drift(self.s, self._names, kind, doc, obj).differences()
        drift = {"fields": differences, "qbo_sync_token": str(obj.get("SyncToken")),
                 "seen_at": self.now.isoformat()} if differences else None
        assert doc.id is not None
        if drift is None:
            if doc.qbo_drift is None and not flagged:
                return
            doc.qbo_drift = None
            if flagged:  # QuickBooks was changed back: nothing to choose any more
                doc.sync_state, doc.problem = SyncState.SYNCED.value, None
            record(self.s, kind, doc.id, self.actor, Event.CHANGED_IN_QBO,
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


def _label(kind: DocKind, doc: Any) -> str:
    if kind is DocKind.PO:
        return doc.number if doc.number.upper().startswith("PO") else f"PO {doc.number}"
    return f"invoice {doc.number}"


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
    record(session, DocKind.PO, po.id, actor, Event.CLOSED_IN_QBO, text, {"qbo_status": status})
    return text


def _older(token: Any, known: str | None) -> bool:
    """Whether QuickBooks' SyncToken ``token`` is older than the one the store holds."""
    try:
        return known is not None and int(str(token)) < int(known)
    except ValueError:
        return False


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))
