"""Pushing POs and Bills into the sandbox, exactly once."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from app.domain.states import DocKind
from app.operations import editing, workflow_steps
from app.operations.history import events_for
from app.operations.lookup import find_invoice, find_po, supplier_by_name
from app.operations.settings import set_setting
from app.store.models import PoLine, SyncLogEntry
from app.sync.engine import SyncEngine
from tests.sync.conftest import bill_po, make_po, marker


def qbo_all(client, entity):
    return list(client.query_all(entity))


def test_an_approved_po_becomes_a_purchase_order_once(store, engine, client):
    make_po(store)
    report = engine.run()
    assert [(o.number, o.action, o.sync_state) for o in report.outcomes] == [
        ("PO-1", "create", "synced")]
    assert report.new_vendors == ["Acme Supply"]
    with store.session() as s:
        po = find_po(s, "PO-1")
        assert po.qbo_id and po.qbo_status == "Open" and po.pending_request_id is None
        assert all(line.qbo_line_id for line in s.exec(select(PoLine)))
        assert supplier_by_name(s, "Acme Supply").qbo_vendor_id
        sync_events = [e for e in events_for(s, DocKind.PO, po.id) if e.action == "sync"]
        assert sync_events[-1].detail["outcome"] == "synced"
        assert s.exec(select(SyncLogEntry).where(SyncLogEntry.doc_number == "PO-1")
                      ).one().result == "success"
    [qbo_po] = qbo_all(client, "PurchaseOrder")
    assert qbo_po["DocNumber"] == "PO-1" and qbo_po["TxnDate"] == "2026-08-03"
    assert qbo_po["PrivateNote"] == marker(store, "PO-1")
    assert [Decimal(str(line["Amount"])) for line in qbo_po["Line"]] == [Decimal("102.00"),
                                                                         Decimal("60.00")]
    with store.session() as s:
        assert qbo_po["VendorRef"]["value"] == supplier_by_name(s, "Acme Supply").qbo_vendor_id
    assert engine.run().outcomes == []  # a second sync sends nothing
    assert len(qbo_all(client, "PurchaseOrder")) == 1 and len(qbo_all(client, "Vendor")) == 1


def test_an_invoice_becomes_a_bill_linked_to_its_po(store, engine, client):
    make_po(store)
    bill_po(store)
    report = engine.run()
    assert [(o.number, o.sync_state) for o in report.outcomes] == [("PO-1", "synced"),
                                                                  ("INV-1", "synced")]
    with store.session() as s:
        po, invoice = find_po(s, "PO-1"), find_invoice(s, "INV-1")
    bill = client.read("Bill", invoice.qbo_id)
    assert bill["DocNumber"] == "A-100" and bill["TxnDate"] == "2026-08-10"
    assert bill["PrivateNote"] == marker(store, "INV-1")
    links = [link for line in bill["Line"] for link in line.get("LinkedTxn", [])]
    assert [(link["TxnId"], link["TxnType"]) for link in links] == [
        (po.qbo_id, "PurchaseOrder"), (po.qbo_id, "PurchaseOrder")]
    assert client.read("PurchaseOrder", po.qbo_id)["POStatus"] == "Closed"  # fully billed


def test_an_edit_after_sync_updates_the_same_objects(store, engine, client):
    make_po(store)
    engine.run()
    with store.session() as s:
        editing.edit_po(s, "PO-1", [("memo", "Deliver Monday"), ("line.2.amount", "65")],
                          "ann")
        workflow_steps.change_po_status(s, "PO-1", "override", "finance")
        before = [line.qbo_line_id for line in s.exec(select(PoLine).order_by(PoLine.line_no))]
    report = engine.run()
    assert [(o.action, o.sync_state) for o in report.outcomes] == [("update", "synced")]
    [qbo_po] = qbo_all(client, "PurchaseOrder")
    assert qbo_po["SyncToken"] == "1" and qbo_po["PrivateNote"] == (
        marker(store, "PO-1") + " · Deliver Monday")
    assert [line["Id"] for line in qbo_po["Line"]] == before
    assert Decimal(str(qbo_po["TotalAmt"])) == Decimal("167.00")


def test_an_existing_vendor_of_the_same_name_is_linked_not_duplicated(store, engine, client,
                                                                      sandbox):
    existing = sandbox.create("Vendor", {"DisplayName": "acme supply"})
    make_po(store)
    report = engine.run()
    assert report.new_vendors == [] and report.outcomes[0].sync_state == "synced"
    with store.session() as s:
        assert supplier_by_name(s, "Acme Supply").qbo_vendor_id == existing["Id"]
    assert len(qbo_all(client, "Vendor")) == 1


def test_an_invoice_waits_for_its_po_and_goes_when_the_po_does(store, engine, client):
    make_po(store, account="Accounts Payable (A/P)")  # the PO is blocked
    bill_po(store)
    report = engine.run()
    states = {o.number: (o.sync_state, o.problem) for o in report.outcomes}
    assert states == {"PO-1": ("blocked", "ap_ar_line_account"),
                      "INV-1": ("blocked", "waiting_on_po")}
    with store.session() as s:
        editing.edit_po(s, "PO-1", [("line.1.account", "Office Supplies & Software"),
                                      ("line.2.account", "Office Supplies & Software")], "ann")
        workflow_steps.change_po_status(s, "PO-1", "override", "finance")
        editing.edit_invoice(s, "INV-1", [("line.1.account", "Office Supplies & Software"),
                                            ("line.2.account", "Office Supplies & Software")],
                               "ann")
    report = engine.run()
    assert {o.number: o.sync_state for o in report.outcomes} == {"PO-1": "synced",
                                                                "INV-1": "synced"}


def test_a_lost_create_is_adopted_not_repeated(store, engine, client):
    """A create that reached QuickBooks but whose answer never came back (a crash)."""
    po_id = make_po(store)
    engine.run(dry_run=True)
    with store.session() as s:
        po = find_po(s, "PO-1")
        po.pending_request_id = "sd-po-lost-attempt"
        s.add(po)
    # the earlier attempt's PO is in QuickBooks already, with SyncDesk's marker
    vendor = client.create("Vendor", {"DisplayName": "Acme Supply"}, request_id="v-acme")
    account = client.find("Account", Name="Office Supplies & Software")[0]["Id"]
    line = {"DetailType": "AccountBasedExpenseLineDetail", "Amount": "162.00",
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}}}
    made = client.create("PurchaseOrder", {"VendorRef": {"value": vendor["Id"]},
                                           "DocNumber": "PO-1",
                                           "PrivateNote": marker(store, "PO-1"),
                                           "Line": [line]}, request_id="other-process")
    report = engine.run()
    assert [(o.action, o.qbo_id) for o in report.outcomes] == [("adopt", made["Id"])]
    assert len(qbo_all(client, "PurchaseOrder")) == 1
    assert po_id


def test_dry_run_changes_nothing_and_plans_what_sync_does(store, engine, client, sandbox):
    sandbox.create("Vendor", {"DisplayName": "O'Brien & Sons"})
    make_po(store)
    make_po(store, number="PO-2", account="Accounts Receivable (A/R)")
    make_po(store, number="PO-3", supplier="O'Brien & Sons")
    bill_po(store)  # bills PO-1, which the same run would create first
    report = engine.run(dry_run=True)
    assert {o.number: o.action for o in report.outcomes} == {
        "PO-1": "would-create", "PO-2": "blocked", "PO-3": "would-create",
        "INV-1": "would-create"}
    assert report.new_vendors == ["Acme Supply"]
    assert [v["DisplayName"] for v in qbo_all(client, "Vendor")] == ["O'Brien & Sons"]
    assert qbo_all(client, "PurchaseOrder") == []
    with store.session() as s:
        assert {find_po(s, n).sync_state for n in ("PO-1", "PO-2", "PO-3")} == {"queued"}
        assert s.exec(select(SyncLogEntry)).all() == []
        assert supplier_by_name(s, "O'Brien & Sons").qbo_vendor_id is None  # not linked
    real = engine.run()
    assert {o.number: o.sync_state for o in real.outcomes} == {
        "PO-1": "synced", "PO-2": "blocked", "PO-3": "synced", "INV-1": "synced"}


def test_progress_is_reported_and_cancel_stops_between_documents(store, client):
    import threading

    for n in range(1, 5):
        make_po(store, number=f"PO-{n}")
    seen = []
    cancel = threading.Event()

    def progress(p):
        seen.append((p.done, p.total, p.current))
        if p.done == 2:
            cancel.set()

    report = SyncEngine(store, client, on_progress=progress, cancel=cancel).run()
    assert report.cancelled and len(report.outcomes) == 2
    assert (0, 4, None) in seen and (1, 4, "PO-2") in seen
    with store.session() as s:
        assert [find_po(s, f"PO-{n}").sync_state for n in range(1, 5)] == [
            "synced", "synced", "queued", "queued"]
    assert len(qbo_all(client, "PurchaseOrder")) == 2


def test_a_cancelled_po_is_closed_in_quickbooks(store, engine, client):
    make_po(store)
    engine.run()
    with store.session() as s:
        workflow_steps.change_po_status(s, "PO-1", "cancel", "ann")
    report = engine.run()
    assert [(o.action, o.sync_state) for o in report.outcomes] == [("close", "synced")]
    [qbo_po] = qbo_all(client, "PurchaseOrder")
    assert qbo_po["POStatus"] == "Closed" and "cancelled in SyncDesk" in qbo_po["PrivateNote"]


def test_an_edit_during_the_send_keeps_the_document_queued(store, client):
    make_po(store)

    def edit_midway(progress):
        if progress.current == "PO-1":
            with store.session() as s:
                editing.edit_po(s, "PO-1", [("memo", "changed while sending")], "ann")

    report = SyncEngine(store, client, on_progress=edit_midway).run()
    assert report.outcomes[0].sync_state in ("queued", "synced")
    with store.session() as s:
        po = find_po(s, "PO-1")
        assert po.qbo_id is not None
        assert po.status == "pending"  # the edit sent it back for re-approval
        assert not (po.sync_state == "synced" and po.revision == 1)


def test_an_edit_after_a_lost_create_is_sent_after_adopting(store, engine, client):
    """QuickBooks holds revision 1 (its answer was lost); the store has moved on to 2."""
    po_id = make_po(store)
    with store.session() as s:
        set_setting(s, "require_reapproval_after_edit", "off")
        po = find_po(s, "PO-1")
        po.pending_request_id, po.pending_revision = f"sd-1234abcd-po{po_id}-r1-a0-x", 1
        s.add(po)
    vendor = client.create("Vendor", {"DisplayName": "Acme Supply"}, request_id="v-acme")
    account = client.find("Account", Name="Office Supplies & Software")[0]["Id"]
    client.create("PurchaseOrder", {
        "VendorRef": {"value": vendor["Id"]}, "DocNumber": "PO-1",
        "PrivateNote": marker(store, "PO-1"), "Line": [{
            "DetailType": "AccountBasedExpenseLineDetail", "Amount": "162.00",
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}}}]},
        request_id="lost-one")
    with store.session() as s:
        editing.edit_po(s, "PO-1", [("memo", "second thoughts")], "ann")
    first = engine.run()
    assert [(o.action, o.sync_state) for o in first.outcomes] == [("adopt", "queued")]
    second = engine.run()
    assert [(o.action, o.sync_state) for o in second.outcomes] == [("update", "synced")]
    [qbo_po] = qbo_all(client, "PurchaseOrder")
    assert qbo_po["PrivateNote"] == marker(store, "PO-1") + " · second thoughts"


def test_a_po_cancelled_while_back_in_approval_is_closed_in_quickbooks(store, engine, client):
    make_po(store)
    engine.run()
    with store.session() as s:
        editing.edit_po(s, "PO-1", [("memo", "rethink")], "ann")  # back to pending
        assert find_po(s, "PO-1").sync_state == "synced"  # QuickBooks still has the PO
        workflow_steps.change_po_status(s, "PO-1", "cancel", "ann")
        assert find_po(s, "PO-1").sync_state == "queued"
    report = engine.run()
    assert [(o.action, o.sync_state) for o in report.outcomes] == [("close", "synced")]
    assert qbo_all(client, "PurchaseOrder")[0]["POStatus"] == "Closed"
