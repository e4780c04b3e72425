"""recreate_in_qbo: a synced document deleted in QuickBooks (through the sandbox's API,
then pulled). Recreate it from SyncDesk's copy, or unlink it and mark it not synced."""

from __future__ import annotations

import pytest

from app.domain.events import Event
from app.errors import UserError
from app.sync.fixes.base import Side
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


def _deleted_bill(store, client) -> str:
    make_po(store)
    bill_po(store)
    sync(store, client)
    bill_id = row(store, INVOICE, "INV-1")["qbo_id"]
    client.delete("Bill", bill_id)
    sync(store, client)  # the pull finds it gone
    assert state(store, INVOICE, "INV-1") == ("failed", "deleted_in_qbo")
    return bill_id


def test_a_deleted_bill_is_created_again_from_syncdesks_copy(store, client, sandbox, fixes):
    old_id = _deleted_bill(store, client)
    subject = fixes.choices(INVOICE, "INV-1")
    assert [o.name for o in subject.options] == ["recreate", "unlink"]
    assert subject.options[0].recommended
    assert subject.choices.record == (("invoice INV-1", f"bill {old_id}: deleted"),)
    before, before_qbo = snapshot(store), qbo_snapshot(sandbox)
    plan = fixes.plan(subject)
    assert [(c.side, c.old, c.new) for c in plan.changes] == [
        (Side.QUICKBOOKS, f"bill {old_id} (deleted)", "a new one, from SyncDesk's copy"),
        (Side.SYNCDESK, f"bill {old_id} (deleted)", "the new bill")]
    assert plan.resend == ((INVOICE, "INV-1"),)
    assert snapshot(store) == before and qbo_snapshot(sandbox) == before_qbo
    sandbox.faults.load("500:POST/bill:*")
    assert not apply(store, client, plan).fixed  # QuickBooks refused: nothing half-made
    assert bills(sandbox) == []
    assert row(store, INVOICE, "INV-1")["qbo_id"] is None
    sandbox.faults.clear()
    result = apply(store, client, plan)  # a second run finishes the job
    assert result.fixed
    [bill] = bills(sandbox)
    assert bill["Id"] != old_id and bill["Id"] == row(store, INVOICE, "INV-1")["qbo_id"]
    po_id = row(store, PO, "PO-1")["qbo_id"]
    assert {link["TxnId"] for line in bill["Line"] for link in line.get("LinkedTxn", [])} == \
        {po_id}
    fixed = history(store, INVOICE, "INV-1", Event.FIXED)
    assert fixed[-1].actor == "tester" and f"bill {old_id} (deleted) → " in fixed[-1].summary
    with pytest.raises(UserError, match="Nothing to fix"):  # again: synced already
        apply(store, client, plan)
    assert len(bills(sandbox)) == 1
    sync(store, client)
    assert state(store, INVOICE, "INV-1") == ("synced", None)


def test_a_po_deleted_on_purpose_is_unlinked_and_stays_out(store, client, sandbox, fixes):
    make_po(store)
    sync(store, client)
    po_id = row(store, PO, "PO-1")["qbo_id"]
    client.delete("PurchaseOrder", po_id)
    sync(store, client)
    assert state(store, PO, "PO-1") == ("failed", "deleted_in_qbo")
    subject = fixes.choices(PO, "PO-1")
    plan = fixes.plan(subject, "unlink")
    assert [(c.side, c.old, c.new) for c in plan.changes] == [
        (Side.SYNCDESK, f"purchase order {po_id} (deleted)", None),
        (Side.SYNCDESK, "Failed", "Not synced")]
    assert plan.resend == () and "Nothing changes in QuickBooks" in plan.note
    before_qbo = qbo_snapshot(sandbox)
    result = apply(store, client, plan)
    assert [(d.number, d.sync_state) for d in result.documents] == [("PO-1", "not_synced")]
    doc = row(store, PO, "PO-1")
    assert (doc["qbo_id"], doc["sync_state"], doc["problem"]) == (None, "not_synced", None)
    assert history(store, PO, "PO-1", Event.FIXED)[-1].actor == "tester"
    with pytest.raises(UserError, match="Nothing to fix"):  # again: nothing left to do
        apply(store, client, plan)
    sync(store, client)  # kept out of syncing: nothing made in QuickBooks
    assert qbo_snapshot(sandbox) == before_qbo
    assert state(store, PO, "PO-1") == ("not_synced", None)
