"""resolve_duplicate_bill_number: the supplier already has a bill with this number in
QuickBooks. The same bill → linked, no new bill; a different one → renumbered and sent."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from app.connection.service import ConnectRequest, connect, open_client
from app.domain.events import Event
from app.errors import UserError
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from app.store.database import open_store, resolve_db_url
from app.sync.fixes import resolve_duplicate_bill_number as module
from app.sync.fixes.base import FixContext, InputError, Option, Side
from tests.qbo.conftest import FAST
from tests.sync.fixes import qbo_fixtures as fx
from tests.sync.fixes.qbo_fixtures import (
    INVOICE,
    PO,
    account_id,
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
    vendor_id,
)
from tests.sync.fixes.vendor_fixtures import Demo, demo  # noqa: F401  (fixture)

client, fixes, sandbox, memory_keyring = fx.client, fx.fixes, fx.sandbox, fx.memory_keyring


def _blocked(store, client, sandbox, date="2026-08-10", total=162.0):
    """INV-1 (supplier's number A-100, dated 2026-08-10, 162.00) billing PO-1, while Acme
    Supply already has bill A-100 in QuickBooks (dated ``date``, for ``total``)."""
    make_po(store)
    sync(store, client)
    sandbox.create("Bill", {
        "VendorRef": {"value": vendor_id(store)}, "DocNumber": "A-100", "TxnDate": date,
        "Line": [{"Amount": total, "DetailType": "AccountBasedExpenseLineDetail",
                  "Description": "Entered by hand",
                  "AccountBasedExpenseLineDetail": {"AccountRef": {
                      "value": account_id(sandbox)}}}]})
    bill_po(store)
    sync(store, client)
    assert state(store, INVOICE, "INV-1") == ("blocked", "duplicate_bill_number")


def test_a_different_bill_is_recommended_renumbering_with_a_free_suggestion(
        store, client, sandbox, fixes):
    _blocked(store, client, sandbox, total=99.0)
    sandbox.create("Bill", {  # A-100-2 is taken too: the suggestion skips it
        "VendorRef": {"value": vendor_id(store)}, "DocNumber": "A-100-2",
        "TxnDate": "2026-08-01", "Line": [{"Amount": 5, "DetailType":
                                           "AccountBasedExpenseLineDetail",
                                           "AccountBasedExpenseLineDetail": {"AccountRef": {
                                               "value": account_id(sandbox)}}}]})
    before, before_qbo = snapshot(store), qbo_snapshot(sandbox)
    subject = fixes.choices(INVOICE, "INV-1")
    assert [o.name for o in subject.options] == ["renumber", "same_bill", "same_bill_send"]
    assert subject.options[0].recommended and not subject.options[1].recommended
    record = dict(subject.choices.record)
    assert record["Bill total"] == "99.00" and "Entered by hand" in record["Bill lines"]
    assert record["Invoice total"] == "162.00" and record["Bill date"] == "2026-08-10"
    assert record["This invoice"] == "INV-1, supplier's number A-100"
    assert subject.options[0].inputs[0].suggested == "A-100-3"
    plan = fixes.plan(subject)
    first = plan.changes[0]
    assert (first.side, first.what, first.old, first.new) == (
        Side.SYNCDESK, "Invoice INV-1's supplier's number", "A-100", "A-100-3")
    assert plan.changes[1].side is Side.QUICKBOOKS and "linked to PO-1" in plan.changes[1].new
    with pytest.raises(InputError) as taken:
        fixes.plan(subject, "renumber", {"reference": "a-100-2"})
    assert "already has a bill numbered" in taken.value.errors["reference"]
    with pytest.raises(InputError) as long:
        fixes.plan(subject, "renumber", {"reference": "X" * 22})
    assert "reference" in long.value.errors
    assert snapshot(store) == before and qbo_snapshot(sandbox) == before_qbo

    result = apply(store, client, plan)
    assert result.fixed
    assert row(store, INVOICE, "INV-1")["reference"] == "A-100-3"
    [new] = bills(sandbox, "A-100-3")
    assert new["Id"] == row(store, INVOICE, "INV-1")["qbo_id"]
    assert len(bills(sandbox, "A-100")) == 1  # the other bill is untouched, no duplicate
    [fixed] = history(store, INVOICE, "INV-1", Event.FIXED)
    assert fixed.actor == "tester" and "A-100 → A-100-3" in fixed.summary
    assert {"side": "SyncDesk", "what": "Invoice INV-1's supplier's number", "old": "A-100",
            "new": "A-100-3", "document": "INV-1"} in fixed.detail["changes"]
    with pytest.raises(UserError, match="Nothing to fix"):  # again: synced already, no harm
        apply(store, client, plan)
    assert len(bills(sandbox, "A-100-3")) == 1
    assert len(bills(sandbox)) == 3


def test_the_same_bill_is_linked_without_a_new_bill(store, client, sandbox, fixes):
    _blocked(store, client, sandbox)
    existing = bills(sandbox, "A-100")[0]
    subject = fixes.choices(INVOICE, "INV-1")
    # unpaid, open, and the invoice bills PO-1: sending SyncDesk's copy links the PO too
    assert [o.name for o in subject.options] == ["same_bill_send", "same_bill", "renumber"]
    assert subject.options[0].recommended and not subject.options[1].recommended
    plan = fixes.plan(subject)
    changes = [(c.side, c.what, c.old, c.new) for c in plan.changes]
    assert changes[0] == (Side.SYNCDESK, "Invoice INV-1's bill in QuickBooks", None,
                          f"Bill {existing['Id']} (already there)")
    assert (Side.QUICKBOOKS, f"Bill {existing['Id']} in QuickBooks: lines",
            "1: Entered by hand, 162.00",
            "1: Toner, 102.00; 2: Paper, 60.00 (linked to PO-1)") in changes
    assert plan.resend == ((INVOICE, "INV-1"),)
    result = apply(store, client, plan)
    assert result.fixed
    doc = row(store, INVOICE, "INV-1")
    assert doc["qbo_id"] == existing["Id"] and (doc["sync_state"], doc["problem"]) == (
        "synced", None)
    [bill] = bills(sandbox)  # no new bill: the one there is this invoice's now
    assert bill["Id"] == existing["Id"] and bill["PrivateNote"].startswith("SyncDesk")
    assert sandbox.read("PurchaseOrder", row(store, PO, "PO-1")["qbo_id"])["POStatus"] == \
        "Closed"  # linked: billed in full
    assert history(store, INVOICE, "INV-1", Event.FIXED)[0].actor == "tester"
    with pytest.raises(UserError, match="Nothing to fix"):  # again: synced already
        apply(store, client, plan)
    assert len(bills(sandbox)) == 1
    sync(store, client)  # the next sync sees no difference
    assert state(store, INVOICE, "INV-1") == ("synced", None)


def test_a_fault_on_the_resend_leaves_it_consistent_and_a_second_run_finishes(
        store, client, sandbox, fixes):
    _blocked(store, client, sandbox, total=50.0)
    plan = fixes.plan(fixes.choices(INVOICE, "INV-1"))
    sandbox.faults.load("500:POST/bill:*")
    result = apply(store, client, plan)
    assert not result.fixed
    assert state(store, INVOICE, "INV-1")[0] == "failed"
    assert row(store, INVOICE, "INV-1")["reference"] == "A-100-2"
    assert bills(sandbox, "A-100-2") == []
    sandbox.faults.clear()
    assert apply(store, client, plan).fixed
    assert len(bills(sandbox, "A-100-2")) == 1 and len(bills(sandbox, "A-100")) == 1
    assert state(store, PO, "PO-1") == ("synced", None)


def test_the_demo_invoice_inv_2043_is_fixed_from_the_command_line(demo_db, cli):
    """The demo's INV-2043: Keystone Paper Co. already has bill KP-2291 (another date and
    amount) in QuickBooks; ``syncdesk fix invoice INV-2043 --yes`` renumbers and sends it."""
    db = demo_db
    with SandboxServer(seed="demo", throttle="off") as server:
        store = open_store(resolve_db_url(str(db)))
        try:
            connect(store, ConnectRequest("local", server.base_url), follow_redirects,
                    timeout=10)
            sync(store, open_client(store, Limits(per_minute=100_000, per_second=10_000),
                                    FAST))
            assert state(store, INVOICE, "INV-2043") == ("blocked", "duplicate_bill_number")
        finally:
            store.close()
        shown = cli("--db", db, "fix", "invoice", "INV-2043", "--json")
        assert shown.code == 0, shown.err
        assert json.loads(shown.out)["option"] == "renumber"
        done = cli("--db", db, "fix", "invoice", "INV-2043", "--yes", "--json")
        assert done.code == 0, done.err
        result = json.loads(done.out)
        assert result["fixed"] and result["plan"]["inputs"] == {"reference": "KP-2291-2"}
        assert len(bills(server, "KP-2291")) == 1 and len(bills(server, "KP-2291-2")) == 1
        history_out = json.loads(cli("--db", db, "history", "invoice", "INV-2043",
                                     "--json").out)
        assert any(e["action"] == "fixed" and "KP-2291 → KP-2291-2" in e["summary"]
                   for e in history_out)


def test_the_demo_paid_bill_in_the_closed_books_is_linked_taking_its_values(
        demo: Demo):  # noqa: F811
    """INV-2043 on the demo: Keystone Paper Co.'s bill KP-2291 in QuickBooks (Bill 148) is
    paid and dated in the closed books, so SyncDesk never writes onto it: "the same bill"
    links the invoice and takes QuickBooks' values, with no QuickBooks write; the invoice is
    Synced, and stays so through the next sync."""
    inv = (INVOICE, "INV-2043")
    assert demo.state(*inv) == ("blocked", "duplicate_bill_number")
    [bill] = [b for b in demo.qbo("Bill") if b.get("DocNumber") == "KP-2291"]
    assert bill["Balance"] == 0 or Decimal(str(bill["Balance"])) == 0
    fixes = demo.services.fixes
    subject = fixes.choices(*inv)
    names = [o.name for o in subject.options]
    assert names == ["renumber", "same_bill"]  # no overwrite: the bill cannot take it
    assert "paid" in subject.choices.summary and "closed books" in subject.choices.summary
    before_qbo = demo.snapshot()
    plan = fixes.plan(subject, "same_bill")
    changes = {c.what: (c.side, c.old, c.new, c.document) for c in plan.changes}
    assert changes["Invoice INV-2043 date"] == (Side.SYNCDESK, "2026-10-20", "2026-05-14",
                                                "INV-2043")
    assert changes["Invoice INV-2043 total"][1:3] == ("389.60", "412.75")
    assert changes["Invoice INV-2043 sync state"][2] == "Synced"
    assert all(c.side is Side.SYNCDESK for c in plan.changes) and plan.resend == ()
    with pytest.raises(UserError, match="will not change Bill"):  # a plan made elsewhere
        module.plan(FixContext(demo.store, demo.client(), "tester"), subject.targets,
                    Option("same_bill_send", "", ""), {})
    result = fixes.apply(plan)
    assert result.fixed, result.documents
    assert demo.snapshot() == before_qbo  # nothing written to QuickBooks
    doc = demo.doc(*inv)
    assert (doc.sync_state, doc.problem, doc.qbo_id) == ("synced", None, bill["Id"])
    assert doc.issue_date.isoformat() == "2026-05-14" and str(doc.total) == "412.75"
    assert doc.status == "paid" and str(doc.amount_paid) == "412.75"
    events = demo.history(*inv)
    edited = [e for e in events if e.action == Event.EDITED.value]
    assert edited and any(c["old"] == "2026-10-20" and c["new"] == "2026-05-14"
                          for c in edited[-1].detail["changes"])
    assert any(e.action == Event.FIXED.value for e in events)
    assert [b["DocNumber"] for b in demo.qbo("Bill")].count("KP-2291") == 1
    with demo.store.session() as s:  # a pull that brings Bill 148 finds no difference
        from app.operations.lookup import find_document
        from app.sync.drift import Drift, Names
        found = Drift(s, Names(s), INVOICE, find_document(s, *inv),
                      demo.sandbox.read("Bill", bill["Id"])).differences()
        assert found == []
    assert demo.sync().stopped is None  # the next sync sees nothing changed in QuickBooks
    assert demo.state(*inv) == ("synced", None)
    assert demo.snapshot() == before_qbo
