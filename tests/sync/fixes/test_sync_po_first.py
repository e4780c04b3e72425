"""sync_po_first: an invoice waiting on its PO. A PO that can go goes first, then the
invoice; one that cannot (pending approval) is named with what must happen, and nothing
changes."""

from __future__ import annotations

import pytest

from app.domain.events import Event
from app.errors import UserError
from app.operations.editing import edit_po
from app.operations.workflow_steps import change_po_status
from app.sync.fixes.base import FixFailed, Side
from tests.sync.fixes import qbo_fixtures as fx
from tests.sync.fixes.qbo_fixtures import (
    INVOICE,
    PO,
    apply,
    bill_po,
    bills,
    history,
    make_po,
    qbo_snapshot,
    row,
    snapshot,
    state,
    sync,
)

client, fixes, sandbox, memory_keyring = fx.client, fx.fixes, fx.sandbox, fx.memory_keyring


def _waiting(store, client):
    """INV-1 approved, billing PO-1, which went back to pending (an edit needing
    re-approval) before it ever reached QuickBooks."""
    make_po(store)
    with store.session() as s:
        assert edit_po(s, "PO-1", [("memo", "Rush order")], "ann").status == "pending"
    bill_po(store)
    sync(store, client)
    assert state(store, INVOICE, "INV-1") == ("blocked", "waiting_on_po")


def test_a_po_waiting_for_approval_is_named_and_nothing_changes(store, client, sandbox, fixes):
    _waiting(store, client)
    subject = fixes.choices(INVOICE, "INV-1")
    assert [o.name for o in subject.options] == ["send_po_first"]
    assert "approved first" in subject.options[0].why
    assert dict(subject.choices.record)["In QuickBooks"] == "not yet"
    before, before_qbo = snapshot(store), qbo_snapshot(sandbox)
    plan = fixes.plan(subject)
    assert plan.changes == () and plan.resend == ()
    assert "PO-1 is pending" in plan.note and "approved first" in plan.note
    assert snapshot(store) == before and qbo_snapshot(sandbox) == before_qbo
    with pytest.raises(FixFailed, match="PO-1 is pending"):
        apply(store, client, plan)
    assert history(store, INVOICE, "INV-1", Event.FIX_FAILED)
    assert not history(store, INVOICE, "INV-1", Event.FIXED)
    assert row(store, PO, "PO-1")["status"] == "pending"  # approving is not this fix's job
    assert qbo_snapshot(sandbox) == before_qbo
    assert state(store, INVOICE, "INV-1") == ("blocked", "waiting_on_po")


def test_an_approved_po_goes_first_then_the_invoice_and_a_fault_is_finished_later(
        store, client, sandbox, fixes):
    _waiting(store, client)
    with store.session() as s:
        change_po_status(s, "PO-1", "approve", "ann")
    subject = fixes.choices(INVOICE, "INV-1")
    assert subject.options[0].recommended and "PO-1 goes to QuickBooks first" in \
        subject.options[0].why
    before_qbo = qbo_snapshot(sandbox)
    plan = fixes.plan(subject)
    assert [(c.side, c.what, c.old) for c in plan.changes] == [
        (Side.QUICKBOOKS, "Purchase order PO-1", None),
        (Side.SYNCDESK, "PO-1's sync state", "Queued"),
        (Side.QUICKBOOKS, "Bill A-100 (invoice INV-1)", None),
        (Side.SYNCDESK, "Invoice INV-1's sync state", "Blocked")]
    assert plan.resend == ((PO, "PO-1"), (INVOICE, "INV-1"))
    assert qbo_snapshot(sandbox) == before_qbo
    sandbox.faults.load("500:POST/purchaseorder:*")  # QuickBooks refuses the PO
    result = apply(store, client, plan)
    assert not result.fixed
    assert state(store, PO, "PO-1")[0] == "failed"
    assert state(store, INVOICE, "INV-1") == ("blocked", "waiting_on_po")
    assert bills(sandbox) == [] and sandbox.company.all("PurchaseOrder") == []
    sandbox.faults.clear()
    result = apply(store, client, plan)  # running it again finishes the job
    assert result.fixed
    assert [(d.number, d.sync_state) for d in result.documents] == [
        ("PO-1", "synced"), ("INV-1", "synced")]
    [po] = sandbox.company.all("PurchaseOrder")
    [bill] = bills(sandbox)
    assert {link["TxnId"] for line in bill["Line"] for link in line.get("LinkedTxn", [])} == \
        {po["Id"]}
    fixed = history(store, INVOICE, "INV-1", Event.FIXED)
    assert fixed and fixed[-1].actor == "tester" and "changed PO-1" in fixed[-1].summary
    po_fixed = history(store, PO, "PO-1", Event.FIXED)  # the PO's change is its own
    assert po_fixed and "Changed by the fix of" in po_fixed[-1].summary
    with pytest.raises(UserError, match="Nothing to fix"):  # again: synced already
        apply(store, client, plan)
    assert len(bills(sandbox)) == 1 and len(sandbox.company.all("PurchaseOrder")) == 1
