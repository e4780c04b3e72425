"""What a user asks of the sync: resend one, retry the failures, exclude or include."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.domain.events import Event
from app.domain.problems import Kind
from app.domain.states import NEEDS_ATTENTION, DocKind, SyncState
from app.domain.workflow import sendable_status
from app.errors import UserError
from app.hints import Action, Hint
from app.operations.creating import queue
from app.operations.history import record
from app.operations.lookup import find_document
from app.store.models import Invoice, InvoiceLine, PoLine, PurchaseOrder

Document = PurchaseOrder | Invoice


def resend(session: Session, kind: DocKind, number: str, actor: str) -> Document:
    """Queue one document again (the user's Resend), whatever state it was in."""
    doc = find_document(session, kind, number)
    if doc.sync_state == SyncState.EXCLUDED.value:
        raise UserError(f"{number} is excluded from syncing ({doc.excluded_reason}); include "
                        "it first")
    if kind is DocKind.PO and not sendable_status(kind, doc.status):
        raise UserError(f"{number} is {doc.status}; only approved POs go to QuickBooks")
    if kind is DocKind.INVOICE and not sendable_status(kind, doc.status):
        raise UserError(f"{number} is {doc.status}; only approved or ready-to-pay invoices go "
                        "to QuickBooks")
    doc.auto_retries = 0
    if doc.qbo_drift:  # the user chose SyncDesk's copy over the changes made in QuickBooks
        assert doc.id is not None
        record(session, kind, doc.id, actor, Event.DRIFT_OVERRIDDEN,
               "Resent: SyncDesk's copy replaces the changes made in QuickBooks",
               doc.qbo_drift)
        doc.qbo_drift = None
    if doc.problem == Kind.DELETED_IN_QBO:  # QuickBooks no longer has it: create it there anew
        _forget_qbo_copy(session, kind, doc, actor)
    queue(session, kind, doc, actor, "resend")
    return doc


def _forget_qbo_copy(session: Session, kind: DocKind, doc: Document, actor: str) -> None:
    assert doc.id is not None
    entity = "PO" if kind is DocKind.PO else "bill"
    record(session, kind, doc.id, actor, Event.RECREATE,
           f"Resent: QuickBooks deleted {entity} {doc.qbo_id}, so SyncDesk creates it there "
           "again", {"deleted_qbo_id": doc.qbo_id})
    doc.qbo_id = doc.qbo_sync_token = doc.qbo_status = None
    doc.pending_request_id = doc.pending_sent = None
    doc.attempt += 1  # a new request id: the old one would replay the deleted object
    line_model = PoLine if kind is DocKind.PO else InvoiceLine
    parent = PoLine.po_id if kind is DocKind.PO else InvoiceLine.invoice_id
    for line in session.exec(select(line_model).where(parent == doc.id)):
        line.qbo_line_id = None
        session.add(line)


def queue_failures(session: Session, actor: str) -> list[tuple[DocKind, int]]:
    """Queue every failed or blocked document that is not excluded (Resync failures)."""
    queued: list[tuple[DocKind, int]] = []
    for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
        rows = session.exec(select(model).where(
            col(model.sync_state).in_([s.value for s in NEEDS_ATTENTION]))
            .order_by(col(model.id))).all()
        for row in rows:
            assert row.id is not None
            row.auto_retries = 0
            queue(session, kind, row, actor, "resync failures")
            queued.append((kind, row.id))
    return queued


def queue_after_sign_in(session: Session, actor: str) -> list[str]:
    """Queue again the documents that stopped because QuickBooks wanted a new sign-in.

    The engine calls this when a sync starts on a working connection: a document
    that waited on the sign-in goes by itself, without Resync failures.
    """
    queued: list[str] = []
    for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
        rows = session.exec(select(model).where(
            col(model.sync_state).in_([s.value for s in NEEDS_ATTENTION]),
            col(model.problem) == Kind.AUTH_NEEDED.value).order_by(col(model.id))).all()
        for row in rows:
            row.auto_retries = 0
            queue(session, kind, row, actor, "the QuickBooks connection works again")
            queued.append(row.number)
    return queued


def exclude(session: Session, kind: DocKind, number: str, reason: str, actor: str) -> Document:
    """Keep a document out of every sync (and out of Resync failures) until included."""
    if not reason.strip():
        raise UserError("say why it is excluded ({0})", Hint.of(Action.GIVE_REASON, words=""))
    doc = find_document(session, kind, number)
    assert doc.id is not None
    doc.sync_state = SyncState.EXCLUDED.value
    doc.excluded_reason = reason.strip()
    session.add(doc)
    record(session, kind, doc.id, actor, Event.EXCLUDED, f"Excluded from syncing: {reason.strip()}",
           {"reason": reason.strip(), "problem": doc.problem})
    return doc


def include(session: Session, kind: DocKind, number: str, reason: str, actor: str) -> Document:
    doc = find_document(session, kind, number)
    assert doc.id is not None
    if doc.sync_state != SyncState.EXCLUDED.value:
        raise UserError(f"{number} is not excluded")
    doc.sync_state = SyncState.SYNCED.value if doc.qbo_id and not doc.problem \
        else SyncState.NOT_SYNCED.value
    doc.excluded_reason = None
    session.add(doc)
    record(session, kind, doc.id, actor, Event.INCLUDED,
           "Included in syncing again" + (f": {reason.strip()}" if reason.strip() else ""),
           {"reason": reason.strip() or None})
    if doc.qbo_id is None or doc.problem:
        queue(session, kind, doc, actor, "included again")
    return doc
