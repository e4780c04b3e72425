"""relink_bill: QuickBooks took the bill but dropped its PO links (the sandbox's answer to
the create is followed by the links being taken away, as QuickBooks silently does)."""

from __future__ import annotations

import pytest

from app.domain.events import Event
from app.errors import UserError
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


def _links(bill) -> list[tuple[str, str]]:
    return [(link["TxnId"], link["TxnLineId"]) for line in bill["Line"]
            for link in line.get("LinkedTxn", []) if link.get("TxnType") == "PurchaseOrder"]


def _dropped(store, client, sandbox) -> str:
    """INV-1 made as a bill whose links QuickBooks left out."""
    make_po(store)
    sync(store, client)
    done: list[str] = []

    def drop_links_once(ctx, response):
        if ctx.method == "POST" and ctx.path == "bill" and response.status_code == 200 \
                and not done:
            [bill] = bills(sandbox)
            done.append(bill["Id"])
            sandbox.create("Bill", {**bill, "Line": [
                {k: v for k, v in line.items() if k != "LinkedTxn"} for line in bill["Line"]]})
        return response

    sandbox.after_hooks.append(drop_links_once)
    bill_po(store)
    sync(store, client)
    assert state(store, INVOICE, "INV-1") == ("failed", "link_dropped")
    return done[0]


def test_relinking_updates_the_bill_so_its_lines_link_the_po_lines(
        store, client, sandbox, fixes):
    bill_id = _dropped(store, client, sandbox)
    subject = fixes.choices(INVOICE, "INV-1")
    assert [o.name for o in subject.options] == ["relink", "recreate"]
    record = dict(subject.choices.record)
    assert record["PO-1 line 1"] == "Toner, 102.00"
    assert record["Invoice line 2"] == "Paper, 60.00, not linked in QuickBooks"
    assert f"Bill {bill_id} in QuickBooks" in record
    before, before_qbo = snapshot(store), qbo_snapshot(sandbox)
    plan = fixes.plan(subject)
    assert [(c.side, c.what, c.old, c.new) for c in plan.changes] == [
        (Side.QUICKBOOKS, f"Bill {bill_id} line 1", "not linked", "linked to PO-1 line 1"),
        (Side.QUICKBOOKS, f"Bill {bill_id} line 2", "not linked", "linked to PO-1 line 2")]
    assert snapshot(store) == before and qbo_snapshot(sandbox) == before_qbo
    assert apply(store, client, plan).fixed
    po = sandbox.read("PurchaseOrder", row(store, PO, "PO-1")["qbo_id"])
    [bill] = bills(sandbox)
    assert bill["Id"] == bill_id
    assert _links(bill) == [(po["Id"], line["Id"]) for line in po["Line"]]
    assert po["POStatus"] == "Closed"
    assert history(store, INVOICE, "INV-1", Event.FIXED)[-1].actor == "tester"
    with pytest.raises(UserError, match="Nothing to fix"):  # again: synced already
        apply(store, client, plan)
    assert len(bills(sandbox)) == 1


def test_recreating_deletes_the_bill_and_makes_it_again_even_after_a_fault(
        store, client, sandbox, fixes):
    bill_id = _dropped(store, client, sandbox)
    plan = fixes.plan(fixes.choices(INVOICE, "INV-1"), "recreate")
    assert (Side.QUICKBOOKS, f"Bill {bill_id}", "deleted") in [
        (c.side, c.what, c.new) for c in plan.changes]
    sandbox.faults.load("500:POST/bill:*")  # QuickBooks refuses the delete
    with pytest.raises(FixFailed):
        apply(store, client, plan)
    assert [b["Id"] for b in bills(sandbox)] == [bill_id]  # both sides as they were
    assert row(store, INVOICE, "INV-1")["qbo_id"] == bill_id
    assert history(store, INVOICE, "INV-1", Event.FIX_FAILED)
    sandbox.faults.clear()
    assert apply(store, client, plan).fixed  # the second run finishes the job
    [bill] = bills(sandbox)
    assert bill["Id"] != bill_id and bill["Id"] == row(store, INVOICE, "INV-1")["qbo_id"]
    po = sandbox.read("PurchaseOrder", row(store, PO, "PO-1")["qbo_id"])
    assert _links(bill) == [(po["Id"], line["Id"]) for line in po["Line"]]
