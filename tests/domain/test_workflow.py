from datetime import date

import pytest

from app.domain import workflow as w
from app.domain.states import InvoiceStatus as I
from app.domain.states import PoStatus as P
from app.domain.states import SyncState


def test_po_goes_draft_pending_approved_and_approval_queues():
    assert w.submit_po(P.DRAFT).status == P.PENDING
    approved = w.approve_po(P.PENDING)
    assert approved.status == P.APPROVED and approved.queue


def test_approving_a_draft_records_the_submission_too():
    assert w.approve_po(P.DRAFT).actions == ("submitted", "approved")


@pytest.mark.parametrize("status", [P.APPROVED, P.CANCELLED, P.CLOSED])
def test_only_drafts_and_pending_pos_can_be_approved(status):
    with pytest.raises(w.WorkflowError, match=status.value):
        w.approve_po(status)


def test_editing_an_approved_po_needs_reapproval_when_the_setting_is_on():
    t = w.edit_po(P.APPROVED, require_reapproval=True)
    assert t.status == P.PENDING and not t.queue and "needs_reapproval" in t.actions


def test_editing_an_approved_po_stays_approved_and_requeues_when_the_setting_is_off():
    t = w.edit_po(P.APPROVED, require_reapproval=False)
    assert t.status == P.APPROVED and t.queue


def test_override_approves_a_pending_po_and_queues_it():
    t = w.override_po(P.PENDING)
    assert t.status == P.APPROVED and t.queue and t.actions == ("approval_override",)
    with pytest.raises(w.WorkflowError):
        w.override_po(P.DRAFT)


@pytest.mark.parametrize("status", [P.CANCELLED, P.CLOSED])
def test_cancelled_and_closed_pos_cannot_be_edited(status):
    with pytest.raises(w.WorkflowError):
        w.edit_po(status, require_reapproval=True)


def test_po_date_is_the_approval_date_unless_set():
    created, approved, chosen = date(2026, 7, 1), date(2026, 7, 3), date(2026, 6, 28)
    assert w.po_txn_date(None, approved, created) == approved
    assert w.po_txn_date(chosen, approved, created) == chosen
    assert w.po_txn_date(None, None, created) == created


def test_invoice_workflow_and_which_invoices_sync():
    assert w.approve_invoice(I.OUTSTANDING).queue
    assert w.ready_invoice(I.APPROVED).status == I.READY_TO_PAY
    assert w.edit_invoice(I.APPROVED).queue and w.edit_invoice(I.APPROVED).status == I.APPROVED
    assert w.edit_invoice(I.READY_TO_PAY).queue
    assert not w.edit_invoice(I.OUTSTANDING).queue
    with pytest.raises(w.WorkflowError):
        w.edit_invoice(I.PAID)
    with pytest.raises(w.WorkflowError):
        w.ready_invoice(I.OUTSTANDING)


def test_an_excluded_document_stays_excluded_when_queued():
    assert w.queued_state(SyncState.EXCLUDED) is SyncState.EXCLUDED
    assert w.queued_state(SyncState.FAILED) is SyncState.QUEUED
