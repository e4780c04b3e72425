"""Approval workflow for POs and invoices, as pure decisions.

Each function takes the current state and returns a ``Transition`` (the new
status, whether the document must be queued for QuickBooks, and the history
actions to record) or raises ``WorkflowError`` naming why the step is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.events import Event
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState


class WorkflowError(ValueError):
    """A step the document's current state does not allow; the message says why."""


@dataclass(frozen=True)
class Transition:
    status: str
    queue: bool
    actions: tuple[Event, ...]


# --- purchase orders ------------------------------------------------------------------

EDITABLE_PO = (PoStatus.DRAFT, PoStatus.PENDING, PoStatus.APPROVED)


def submit_po(status: PoStatus) -> Transition:
    if status is not PoStatus.DRAFT:
        raise WorkflowError(f"only a draft can be submitted; this PO is {status.value}")
    return Transition(PoStatus.PENDING, queue=False, actions=(Event.SUBMITTED,))


def approve_po(status: PoStatus) -> Transition:
    """Approving queues the PO for QuickBooks; a draft is submitted on the way."""
    if status is PoStatus.PENDING:
        return Transition(PoStatus.APPROVED, queue=True, actions=(Event.APPROVED,))
    if status is PoStatus.DRAFT:
        return Transition(PoStatus.APPROVED, queue=True, actions=(Event.SUBMITTED, Event.APPROVED))
    raise WorkflowError(f"only a draft or pending PO can be approved; this PO is {status.value}")


def override_po(status: PoStatus) -> Transition:
    """A finance user's approval override: approves a pending PO without the approval round."""
    if status is not PoStatus.PENDING:
        raise WorkflowError(
            f"an approval override applies to a pending PO; this PO is {status.value}"
        )
    return Transition(PoStatus.APPROVED, queue=True, actions=(Event.APPROVAL_OVERRIDE,))


def edit_po(status: PoStatus, require_reapproval: bool) -> Transition:
    """What editing does to a PO's status.

    An approved PO goes back to pending when the company requires re-approval
    after edits (and is queued once approved again); otherwise it stays
    approved and is queued at once.
    """
    if status not in EDITABLE_PO:
        raise WorkflowError(f"a {status.value} PO cannot be edited")
    if status is PoStatus.APPROVED:
        if require_reapproval:
            return Transition(PoStatus.PENDING, queue=False,
                              actions=(Event.EDITED, Event.NEEDS_REAPPROVAL))
        return Transition(PoStatus.APPROVED, queue=True, actions=(Event.EDITED,))
    return Transition(status, queue=False, actions=(Event.EDITED,))


def cancel_po(status: PoStatus) -> Transition:
    if status not in EDITABLE_PO:
        raise WorkflowError(f"a {status.value} PO cannot be cancelled")
    # A PO that may already be in QuickBooks is queued so the sync can void it there.
    return Transition(PoStatus.CANCELLED, queue=status is PoStatus.APPROVED,
                      actions=(Event.CANCELLED,))


def close_po(status: PoStatus) -> Transition:
    if status is not PoStatus.APPROVED:
        raise WorkflowError(f"only an approved PO can be closed; this PO is {status.value}")
    return Transition(PoStatus.CLOSED, queue=True, actions=(Event.CLOSED,))


def po_txn_date(po_date: date | None, approved_on: date | None, created_on: date) -> date:
    """The date QuickBooks gets: the PO date if one was set, else the approval date."""
    return po_date or approved_on or created_on


# --- invoices -------------------------------------------------------------------------

SYNCABLE_INVOICE = (InvoiceStatus.APPROVED, InvoiceStatus.READY_TO_PAY)


def approve_invoice(status: InvoiceStatus) -> Transition:
    if status is not InvoiceStatus.OUTSTANDING:
        raise WorkflowError(
            f"only an outstanding invoice can be approved; this invoice is {status.value}"
        )
    return Transition(InvoiceStatus.APPROVED, queue=True, actions=(Event.APPROVED,))


def ready_invoice(status: InvoiceStatus) -> Transition:
    if status is not InvoiceStatus.APPROVED:
        raise WorkflowError(
            f"only an approved invoice can be marked ready to pay; this invoice is {status.value}"
        )
    return Transition(InvoiceStatus.READY_TO_PAY, queue=False, actions=(Event.READY_TO_PAY,))


def edit_invoice(status: InvoiceStatus) -> Transition:
    """Editing keeps an approved invoice approved and queues it again."""
    if status is InvoiceStatus.PAID:
        raise WorkflowError("a paid invoice cannot be edited")
    return Transition(status, queue=status in SYNCABLE_INVOICE, actions=(Event.EDITED,))


# --- sending --------------------------------------------------------------------------

SENDABLE_PO = (PoStatus.APPROVED, PoStatus.CLOSED, PoStatus.CANCELLED)


def sendable_status(kind: DocKind, status: str) -> bool:
    """Whether a document in ``status`` goes to QuickBooks (an approved, closed or
    cancelled PO; an approved or ready-to-pay invoice)."""
    return status in (SENDABLE_PO if kind is DocKind.PO else SYNCABLE_INVOICE)


def can_resend(kind: DocKind, status: str, sync_state: str) -> bool:
    """Whether the user's Resend can send the document now: a status that goes to
    QuickBooks, and not excluded (an excluded document is included first)."""
    return sync_state != SyncState.EXCLUDED.value and sendable_status(kind, status)


# --- sync state -----------------------------------------------------------------------


def queued_state(current: SyncState) -> SyncState:
    """The sync state after a document is queued: an excluded document stays excluded."""
    return current if current is SyncState.EXCLUDED else SyncState.QUEUED
