"""Workflow steps on POs and invoices (submit, approve, override, cancel, close, ready).

Every function works inside the caller's session (one transaction) and
writes a history event for each state change and override.
"""

from __future__ import annotations

from sqlmodel import Session

from app.domain import workflow
from app.domain.events import Event
from app.domain.roles import Permission
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.domain.workflow import Transition, WorkflowError
from app.errors import UserError
from app.operations import versions
from app.operations.creating import Document, queue, today
from app.operations.history import record
from app.operations.lookup import find_invoice, find_po
from app.operations.team import require
from app.store.models import Invoice, PurchaseOrder
from app.store.types import utcnow

_ACTION_TEXT = {
    Event.SUBMITTED: "Submitted for approval",
    Event.APPROVED: "Approved",
    Event.APPROVAL_OVERRIDE: "Approved by approval override",
    Event.NEEDS_REAPPROVAL: "Back to pending: edits need re-approval",
    Event.CANCELLED: "Cancelled",
    Event.CLOSED: "Closed",
    Event.READY_TO_PAY: "Marked ready to pay",
}


def apply_transition(
    session: Session, kind: DocKind, doc: Document, transition: Transition, actor: str
) -> None:
    assert doc.id is not None
    old = doc.status
    doc.status = transition.status
    doc.updated_at = utcnow()
    for action in transition.actions:
        if action == Event.EDITED:
            continue  # the edit itself is recorded with its field changes
        record(session, kind, doc.id, actor, action, _ACTION_TEXT[action],
               {"from": old, "to": transition.status})
    if transition.queue:
        queue(session, kind, doc, actor, transition.actions[-1].replace("_", " "))
    elif transition.status in (PoStatus.DRAFT, PoStatus.PENDING) and not doc.qbo_id and \
            doc.sync_state in (SyncState.QUEUED, SyncState.FAILED, SyncState.BLOCKED):
        # Back in the approval round before it ever reached QuickBooks: nothing is due.
        # (One already in QuickBooks keeps its state: QuickBooks holds an older copy.)
        doc.sync_state = SyncState.NOT_SYNCED.value
        doc.problem = None
    session.add(doc)


# A step refused because the document changed since it was shown: "it was not approved".
STEP_DONE = {"submit": "submitted", "approve": "approved", "override": "approved by override",
             "cancel": "cancelled", "close": "closed", "ready": "marked ready to pay"}


def change_po_status(session: Session, number: str, step: str, actor: str,
                     expected: int | None = None) -> PurchaseOrder:
    """Run one workflow step (submit, approve, override, cancel, close) on a PO;
    ``expected``: the version it was shown at (``EditConflict`` if it moved on since). An
    approval override needs a finance user or a company admin (``app.domain.roles``)."""
    if step == "override":
        require(session, actor, Permission.OVERRIDE_APPROVAL)
    po = find_po(session, number)
    if expected is not None:
        versions.hold(session, DocKind.PO, po, expected, STEP_DONE[step])
    decide = {
        "submit": workflow.submit_po,
        "approve": workflow.approve_po,
        "override": workflow.override_po,
        "cancel": workflow.cancel_po,
        "close": workflow.close_po,
    }[step]
    try:
        transition = decide(PoStatus(po.status))
    except WorkflowError as exc:
        raise UserError(f"{po.number}: {exc}") from None
    if transition.status == PoStatus.APPROVED and po.approved_on is None:
        # The first approval date is the one QuickBooks gets; it does not move later.
        po.approved_on = today()
        po.txn_date = workflow.po_txn_date(po.po_date, po.approved_on, po.created_at.date())
    if step == "cancel" and po.qbo_id and not transition.queue:
        # Cancelled while pending, but QuickBooks has it: the sync must close it there.
        transition = Transition(transition.status, True, transition.actions)
    apply_transition(session, DocKind.PO, po, transition, actor)
    return po


def change_invoice_status(session: Session, number: str, step: str, actor: str,
                          expected: int | None = None) -> Invoice:
    """Run one workflow step (approve, ready) on an invoice; ``expected`` as for POs."""
    invoice = find_invoice(session, number)
    if expected is not None:
        versions.hold(session, DocKind.INVOICE, invoice, expected, STEP_DONE[step])
    decide = {"approve": workflow.approve_invoice, "ready": workflow.ready_invoice}[step]
    try:
        transition = decide(InvoiceStatus(invoice.status))
    except WorkflowError as exc:
        raise UserError(f"{invoice.number}: {exc}") from None
    apply_transition(session, DocKind.INVOICE, invoice, transition, actor)
    return invoice


