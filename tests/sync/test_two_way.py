"""Changes made in QuickBooks come back with one sync, through change data capture."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.states import DocKind
from app.operations import editing
from app.operations.history import events_for
from app.operations.lookup import find_invoice, find_po, supplier_by_name
from app.operations.settings import set_setting
from app.sync.actions import resend
from tests.sync.conftest import bill_po, make_po


@pytest.fixture
def seen(sandbox):
    calls: list[tuple[str, str]] = []
    sandbox.before_hooks.append(lambda ctx: calls.append((ctx.method, ctx.path)) and None)
    return calls


@pytest.fixture
def synced(store, engine):
    """PO-1 billed in full by INV-1, PO-2 open, both synced; the first pull was a full load."""
    make_po(store, number="PO-1")
    make_po(store, number="PO-2")
    bill_po(store, "PO-1", "INV-1", "A-100")
    report = engine.run()
    assert report.pull.mode == "full"
    assert {o.number: o.sync_state for o in report.outcomes} == {
        "PO-1": "synced", "PO-2": "synced", "INV-1": "synced"}
    return store


def actions(store, kind, number):
    with store.session() as s:
        doc = find_po(s, number) if kind is DocKind.PO else find_invoice(s, number)
        return [(e.action, e.summary) for e in events_for(s, kind, doc.id)]


def qbo_id(store, kind, number):
    with store.session() as s:
        return (find_po(s, number) if kind is DocKind.PO else find_invoice(s, number)).qbo_id


def pay(sandbox, client, bill_id, amount):
    """A bill payment made in QuickBooks, through its API."""
    bill = client.read("Bill", bill_id)
    bank = client.find("Account", Name="Checking")[0]["Id"]
    client.create("BillPayment", {
        "VendorRef": bill["VendorRef"], "TotalAmt": amount, "PayType": "Check",
        "CheckPayment": {"BankAccountRef": {"value": bank}},
        "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": bill_id, "TxnType": "Bill"}]}]},
        request_id=f"pay-{bill_id}-{amount}")


def test_a_paid_bill_marks_the_invoice_paid(synced, engine, client, sandbox, seen):
    bill_id = qbo_id(synced, DocKind.INVOICE, "INV-1")
    pay(sandbox, client, bill_id, "100.00")
    seen.clear()
    report = engine.run()
    assert report.pull.mode == "cdc" and ("GET", "cdc") in seen
    assert ("POST", "query") not in seen  # no list was reloaded in full
    with synced.session() as s:
        invoice = find_invoice(s, "INV-1")
        assert (invoice.status, invoice.amount_paid, invoice.qbo_status) == (
            "approved", Decimal("100.00"), "Partly paid")
    assert actions(synced, DocKind.INVOICE, "INV-1")[-1][1].startswith(
        "Part paid in QuickBooks: 100.00 of 162.00")
    pay(sandbox, client, bill_id, "62.00")
    engine.run()
    with synced.session() as s:
        invoice = find_invoice(s, "INV-1")
        assert (invoice.status, invoice.amount_paid, invoice.qbo_status) == (
            "paid", Decimal("162.00"), "Paid")
    assert actions(synced, DocKind.INVOICE, "INV-1")[-1] == ("payment",
                                                             "Paid in QuickBooks (162.00)")


def test_a_fully_billed_po_and_a_po_closed_by_hand_are_closed_here(synced, engine, client,
                                                                   sandbox):
    assert engine.run().pull.mode == "cdc"  # PO-1 closed when INV-1 linked all its lines
    client.update("PurchaseOrder", qbo_id(synced, DocKind.PO, "PO-2"),
                  lambda po: {**po, "POStatus": "Closed"})
    assert engine.run().pull.mode == "cdc"
    with synced.session() as s:
        assert find_po(s, "PO-1").status == "closed" and find_po(s, "PO-2").status == "closed"
        assert find_po(s, "PO-2").qbo_status == "Closed"
    assert ("closed_in_qbo", "Closed in QuickBooks (fully billed)") in actions(
        synced, DocKind.PO, "PO-1")
    assert ("closed_in_qbo", "Closed in QuickBooks") in actions(synced, DocKind.PO, "PO-2")


def test_a_vendor_made_inactive_and_renamed_in_quickbooks(synced, engine, client):
    make_po(synced, number="PO-3")  # queued, not sent yet
    with synced.session() as s:
        vendor_id = supplier_by_name(s, "Acme Supply").qbo_vendor_id
    client.update("Vendor", vendor_id, lambda v: {**v, "DisplayName": "Acme Supply Co"})
    report = engine.run()
    assert report.pull.mode == "cdc" and report.pull.counts.get("Vendor") == 1
    with synced.session() as s:
        assert supplier_by_name(s, "Acme Supply Co") is not None
    assert ("supplier_renamed", "Supplier renamed in QuickBooks: Acme Supply → Acme Supply Co"
            ) in actions(synced, DocKind.PO, "PO-2")
    assert {o.number: o.sync_state for o in report.outcomes} == {"PO-3": "synced"}

    make_po(synced, number="PO-4", supplier="Acme Supply Co")
    client.update("Vendor", vendor_id, lambda v: {**v, "Active": False})
    report = engine.run()
    assert {o.number: (o.sync_state, o.problem) for o in report.outcomes} == {
        "PO-4": ("blocked", "inactive_vendor")}
    with synced.session() as s:
        assert supplier_by_name(s, "Acme Supply Co").active is False
    assert actions(synced, DocKind.PO, "PO-4")[-3][0] == "vendor_inactive"

    client.update("Vendor", vendor_id,
                  lambda v: {**v, "Active": True, "DisplayName": "Acme Supply Co"})
    report = engine.run()  # reactivated: the blocked PO is checked again and goes
    assert {o.number: o.sync_state for o in report.outcomes} == {"PO-4": "synced"}


def test_a_bill_deleted_in_quickbooks_is_flagged(synced, engine, client):
    client.delete("Bill", qbo_id(synced, DocKind.INVOICE, "INV-1"))
    assert engine.run().pull.mode == "cdc"
    with synced.session() as s:
        invoice = find_invoice(s, "INV-1")
        assert (invoice.sync_state, invoice.problem) == ("failed", "deleted_in_qbo")
        assert invoice.last_error_detail["fix"] == "recreate_in_qbo"
    action, summary = actions(synced, DocKind.INVOICE, "INV-1")[-1]
    assert action == "sync" and "INV-1 was deleted in QuickBooks" in summary


def test_resend_creates_a_document_deleted_in_quickbooks_again(synced, engine, client):
    old_id = qbo_id(synced, DocKind.PO, "PO-2")
    client.delete("PurchaseOrder", old_id)
    engine.run()
    with synced.session() as s:
        assert find_po(s, "PO-2").problem == "deleted_in_qbo"
        resend(s, DocKind.PO, "PO-2", "ann")
    report = engine.run()
    assert [(o.number, o.action, o.sync_state) for o in report.outcomes] == [
        ("PO-2", "create", "synced")]
    new_id = qbo_id(synced, DocKind.PO, "PO-2")
    assert new_id != old_id and client.read("PurchaseOrder", new_id)["DocNumber"] == "PO-2"
    assert ("recreate", f"Resent: QuickBooks deleted PO {old_id}, so SyncDesk creates it "
            "there again") in actions(synced, DocKind.PO, "PO-2")


def test_an_amount_changed_in_quickbooks_is_a_problem_not_an_overwrite(synced, engine,
                                                                        client, sandbox):
    def raise_line_2(po):
        po["Line"][1]["Amount"] = Decimal("80.00")
        return po

    po2 = client.update("PurchaseOrder", qbo_id(synced, DocKind.PO, "PO-2"), raise_line_2)
    report = engine.run()
    assert report.pull.mode == "cdc"
    with synced.session() as s:
        po = find_po(s, "PO-2")
        # a problem that needs attention (blocked: nothing was sent), SyncDesk's copy kept
        assert (po.sync_state, po.problem) == ("blocked", "changed_in_qbo")
        assert po.total == Decimal("162.00")
        fields = {d["field"]: (d["syncdesk"], d["quickbooks"]) for d in po.qbo_drift["fields"]}
        detail = po.last_error_detail
    assert fields == {"total": ("162.00", "182.00"), "line 2 amount": ("60.00", "80.00")}
    assert detail["kind"] == "changed_in_qbo" and detail["fix"] == "resolve_qbo_changes"
    assert "total 162.00 in SyncDesk, 182.00 in QuickBooks" in detail["explanation"]
    assert "line 2 amount 60.00 in SyncDesk, 80.00 in QuickBooks" in detail["explanation"]
    assert any(note.startswith("Needs attention: PO-2 was changed in QuickBooks")
               for note in report.pull.notes)
    assert report.outcomes == []  # nothing was sent either way
    assert Decimal(str(sandbox.read("PurchaseOrder", po2["Id"])["TotalAmt"])) == Decimal("182")
    # the next sync (CDC's overlap window sees it again) changes nothing
    engine.run()
    with synced.session() as s:
        assert find_po(s, "PO-2").sync_state == "blocked"
    # a local edit does not silently overwrite QuickBooks' change …
    with synced.session() as s:
        set_setting(s, "require_reapproval_after_edit", "off")
        editing.edit_po(s, "PO-2", [("memo", "local change")], "ann")
    report = engine.run()
    assert [(o.sync_state, o.problem) for o in report.outcomes] == [("blocked",
                                                                     "changed_in_qbo")]
    # … until the user resends SyncDesk's copy
    with synced.session() as s:
        resend(s, DocKind.PO, "PO-2", "ann")
    report = engine.run()
    assert [(o.action, o.sync_state) for o in report.outcomes] == [("update", "synced")]
    assert Decimal(str(sandbox.read("PurchaseOrder", po2["Id"])["TotalAmt"])) == Decimal("162")
    with synced.session() as s:
        po = find_po(s, "PO-2")
        assert (po.sync_state, po.problem, po.qbo_drift) == ("synced", None, None)


def test_a_change_undone_in_quickbooks_clears_the_problem(synced, engine, client):
    po_id = qbo_id(synced, DocKind.PO, "PO-2")
    client.update("PurchaseOrder", po_id, lambda po: {**po, "TxnDate": "2026-08-20"})
    engine.run()
    with synced.session() as s:
        po = find_po(s, "PO-2")
        assert (po.sync_state, po.problem) == ("blocked", "changed_in_qbo")
        assert po.qbo_drift["fields"] == [{"field": "date", "syncdesk": "2026-08-03",
                                           "quickbooks": "2026-08-20"}]
    client.update("PurchaseOrder", po_id, lambda po: {**po, "TxnDate": "2026-08-03"})
    report = engine.run()
    assert "PO-2: QuickBooks matches SyncDesk again" in report.pull.notes
    with synced.session() as s:
        po = find_po(s, "PO-2")
        assert (po.sync_state, po.problem, po.qbo_drift) == ("synced", None, None)


def test_a_vendor_changed_in_quickbooks_is_named_not_numbered(synced, engine, client, sandbox):
    other = client.create("Vendor", {"DisplayName": "Globex Trading"}, request_id="v-globex")
    client.update("PurchaseOrder", qbo_id(synced, DocKind.PO, "PO-2"),
                  lambda po: {**po, "VendorRef": {"value": other["Id"]}})
    engine.run()
    with synced.session() as s:
        po = find_po(s, "PO-2")
        assert po.problem == "changed_in_qbo"
        assert po.qbo_drift["fields"] == [{"field": "vendor", "syncdesk": "Acme Supply",
                                           "quickbooks": "Globex Trading"}]


def test_drift_from_the_command_line_needs_attention_until_resent(synced, engine, client, cli,
                                                                  db_path):
    import json

    def bump(po):
        po["Line"][0]["Amount"] = Decimal("110.00")
        return po

    client.update("PurchaseOrder", qbo_id(synced, DocKind.PO, "PO-2"), bump)
    result = cli("--db", db_path, "sync")
    assert result.code == 0 and "Needs attention: PO-2 was changed in QuickBooks" \
        in result.out
    attention = json.loads(cli("--db", db_path, "list", "pos", "--sync-state",
                               "needs_attention", "--json").out)
    assert [(r["number"], r["sync_state"], r["problem"]) for r in attention] == [
        ("PO-2", "blocked", "changed_in_qbo")]
    status = json.loads(cli("--db", db_path, "status", "--json").out)
    assert status["by_problem"] == {"changed_in_qbo": 1}
    shown = json.loads(cli("--db", db_path, "show", "po", "PO-2", "--json").out)
    assert shown["qbo_drift"]["fields"][0]["field"] == "total"
    error = shown["last_error"]
    assert (error["kind"], error["fix"], error["group"]) == (
        "changed_in_qbo", "resolve_qbo_changes", None)
    assert "total 162.00 in SyncDesk, 170.00 in QuickBooks" in error["explanation"]
    assert "syncdesk resend po PO-2" in error["what_to_do"]
    text = cli("--db", db_path, "show", "po", "PO-2").out
    assert "Problem: PO-2 was changed in QuickBooks" in text
    assert "What to do: To keep SyncDesk's copy, send it: syncdesk resend po PO-2" in text
    resent = cli("--db", db_path, "resend", "po", "PO-2")
    assert resent.code == 0 and "PO-2 updated." in resent.out
    shown = json.loads(cli("--db", db_path, "show", "po", "PO-2", "--json").out)
    assert (shown["sync_state"], shown["problem"], shown["last_error"], shown["qbo_drift"]) == (
        "synced", None, None, None)
    assert json.loads(cli("--db", db_path, "status", "--json").out)["by_problem"] == {}


def move_closing_date(client, value):
    """The accountant moves the closing date in QuickBooks (an update of Preferences)."""
    prefs = client.preferences()
    prefs["AccountingInfoPrefs"]["BookCloseDate"] = value
    client.transport.request("POST", client._url("preferences"), params=client._params(),
                             json_body=prefs)


def test_moving_the_closing_date_rechecks_blocked_documents(store, engine, client):
    move_closing_date(client, "2026-08-31")
    make_po(store)
    assert engine.run().outcomes[0].problem == "closed_period"
    move_closing_date(client, "2026-07-31")
    report = engine.run()
    assert report.pull.mode == "cdc"
    assert [(o.number, o.sync_state) for o in report.outcomes] == [("PO-1", "synced")]
    assert any("Closing date moved in QuickBooks: 2026-08-31 → 2026-07-31" in summary
               for _, summary in actions(store, DocKind.PO, "PO-1"))


def test_pull_only_and_list_ages_in_status(synced, cli, db_path, client, sandbox):
    import json

    pay(sandbox, client, qbo_id(synced, DocKind.INVOICE, "INV-1"), "162.00")
    result = cli("--db", db_path, "sync", "--pull")
    assert result.code == 0 and "Paid in QuickBooks" in result.out
    status = json.loads(cli("--db", db_path, "status", "--json").out)
    assert set(status["lists"]) >= {"Vendor", "Account", "PurchaseOrder", "Bill"}
