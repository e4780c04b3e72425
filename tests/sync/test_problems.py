"""Every known failure becomes a named problem, predicted before sending where possible."""

from __future__ import annotations

import json
from datetime import date

import pytest
from flask import Response
from sqlmodel import select

from app.domain.problems import Kind
from app.domain.states import DocKind
from app.operations import editing, workflow_steps
from app.operations.history import events_for
from app.operations.lookup import find_invoice, find_po
from app.operations.settings import set_setting
from app.qbo.errors import QboError, QboFault
from app.store.models import Supplier, SyncLogEntry
from app.store.queries import problem_groups
from app.sync.actions import resend
from app.sync.problems import diagnose
from tests.sync.conftest import bill_po, make_po


def outcome(report, number):
    return next((o.sync_state, o.problem) for o in report.outcomes if o.number == number)


def sent_requests(sandbox):
    seen = []
    sandbox.before_hooks.append(lambda ctx: seen.append((ctx.method, ctx.path)) and None)
    return seen


def test_a_name_held_by_a_customer_blocks_without_creating_a_vendor(store, engine, client,
                                                                   sandbox):
    sandbox.create("Customer", {"DisplayName": "Acme Supply"})
    make_po(store)
    report = engine.run()
    assert outcome(report, "PO-1") == ("blocked", "duplicate_name")
    assert "belongs to a customer" in report.outcomes[0].explanation
    assert client.count("Vendor") == 0
    with store.session() as s:
        po = find_po(s, "PO-1")
        assert po.last_error_detail["fix"] == "resolve_duplicate_name"
        assert po.last_error_detail["group"] == f"supplier:{po.supplier_id}"


def test_an_inactive_vendor_blocks(store, engine, client, sandbox):
    vendor = sandbox.create("Vendor", {"DisplayName": "Acme Supply"})
    sandbox.create("Vendor", {**sandbox.read("Vendor", vendor["Id"]), "Active": False})
    make_po(store)
    report = engine.run()
    assert outcome(report, "PO-1") == ("blocked", "inactive_vendor")
    assert "'Acme Supply' is inactive" in report.outcomes[0].explanation


@pytest.mark.parametrize("account", ["Accounts Payable (A/P)", "Accounts Receivable (A/R)"])
def test_ap_or_ar_account_on_a_line_blocks(store, engine, account):
    make_po(store, account=account)
    assert outcome(engine.run(), "PO-1") == ("blocked", "ap_ar_line_account")


def test_a_closed_period_blocks(store, engine, sandbox):
    sandbox.set_closing_date("2026-08-31")
    make_po(store)
    report = engine.run()
    assert outcome(report, "PO-1") == ("blocked", "closed_period")
    assert "closed up to 2026-08-31" in report.outcomes[0].explanation


def test_an_invoice_dated_before_its_po_blocks(store, engine):
    make_po(store)
    bill_po(store, issue=date(2026, 8, 1))
    assert outcome(engine.run(), "INV-1") == ("blocked", "bill_before_po")


def test_a_bill_number_the_vendor_already_used_blocks(store, engine, client, sandbox):
    vendor = sandbox.create("Vendor", {"DisplayName": "Acme Supply"})
    account = client.find("Account", Name="Uncategorized Expense")[0]["Id"]
    sandbox.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "DocNumber": "A-100",
                            "Line": [{"DetailType": "AccountBasedExpenseLineDetail",
                                      "Amount": "10.00", "AccountBasedExpenseLineDetail": {
                                          "AccountRef": {"value": account}}}]})
    make_po(store)
    bill_po(store)
    report = engine.run()
    assert outcome(report, "INV-1") == ("blocked", "duplicate_bill_number")
    assert "already has bill A-100" in report.outcomes[-1].explanation
    # with the company's warning off, the same bill goes through
    sandbox.set_preference("WarnDuplicateBillNumber", "false")
    with store.session() as s:
        resend(s, DocKind.INVOICE, "INV-1", "ann")
    assert outcome(engine.run(), "INV-1") == ("synced", None)


def test_over_long_fields_block(store, engine):
    make_po(store, number="PO-" + "9" * 25)
    report = engine.run()
    assert report.outcomes[0].problem == "string_too_long"
    with store.session() as s:
        facts = find_po(s, "PO-" + "9" * 25).last_error_detail["facts"]
    assert facts == {"element": "DocNumber", "length": 28, "limit": 21}


def test_an_account_quickbooks_does_not_have_blocks(store, engine):
    make_po(store, account="Utilities")
    report = engine.run()
    assert outcome(report, "PO-1") == ("blocked", "missing_reference")
    assert "'Utilities'" in report.outcomes[0].explanation


def test_a_foreign_currency_blocks_in_a_single_currency_company(store, engine):
    make_po(store)
    with store.session() as s:
        editing.edit_po(s, "PO-1", [("currency", "EUR")], "ann")
        set_setting(s, "require_reapproval_after_edit", "off")
        editing.edit_po(s, "PO-1", [("memo", "euro order")], "ann")
        workflow_steps.change_po_status(s, "PO-1", "approve", "ann")
    assert outcome(engine.run(), "PO-1") == ("blocked", "currency_mismatch")


def test_a_blocked_document_sends_nothing(store, engine, sandbox):
    seen = sent_requests(sandbox)
    make_po(store, account="Accounts Payable (A/P)")
    engine.run()
    assert all(path in ("query", "preferences") for _, path in seen), seen


def test_a_dropped_po_link_is_a_problem_not_synced(store, engine, sandbox):
    def drop_links(ctx, response: Response) -> Response:
        if ctx.method == "GET" and ctx.path.startswith("bill/"):
            data = json.loads(response.get_data())
            for line in data["Bill"]["Line"]:
                line.pop("LinkedTxn", None)
            response.set_data(json.dumps(data))
        return response

    sandbox.after_hooks.append(drop_links)
    make_po(store)
    bill_po(store)
    report = engine.run()
    assert outcome(report, "INV-1") == ("failed", "link_dropped")
    with store.session() as s:
        invoice = find_invoice(s, "INV-1")
        assert invoice.qbo_id is not None  # the Bill exists; only its link is missing
        assert invoice.last_error_detail["facts"]["lines"] == [1, 2]


def test_problems_are_recorded_in_history_and_the_sync_log(store, engine):
    make_po(store, account="Accounts Payable (A/P)")
    engine.run()
    with store.session() as s:
        po = find_po(s, "PO-1")
        event = [e for e in events_for(s, DocKind.PO, po.id) if e.action == "sync"][-1]
        assert event.detail["outcome"] == "blocked" and event.actor == "tester"
        assert event.detail["problem"] == "ap_ar_line_account"
        [row] = s.exec(select(SyncLogEntry).where(SyncLogEntry.doc_number.is_not(None))).all()
        assert (row.result, row.doc_number, row.operation) == ("blocked", "PO-1", "preflight")


def fault(code, message, detail="", element="", status=400):
    return QboFault([QboError(code, message, detail, element, "ValidationFault", status)],
                    status)


@pytest.mark.parametrize("error, kind", [
    (fault("6240", "Duplicate Name Exists Error"), Kind.DUPLICATE_NAME),
    (fault("6140", "Duplicate Document Number Error"), Kind.DUPLICATE_BILL_NUMBER),
    (fault("2050", "String length is either shorter or longer than supported by specification",
           "String length specified does not match the supported length. Min:0 Max:21 "
           "supported. Supplied length:45", "DocNumber"), Kind.STRING_TOO_LONG),
    (fault("6000", "A business validation error has occurred while processing your request",
           "Business Validation Error: Add a purchase order that was created before this "
           "transaction, or make sure the date of the transaction is correct."),
     Kind.BILL_BEFORE_PO),
    (fault("6000", "A business validation error has occurred while processing your request",
           "Business Validation Error: You can't use an Accounts Payable account on the detail "
           "portion of a Bill."), Kind.AP_AR_LINE_ACCOUNT),
    (fault("610", "Object Not Found", "Object Not Found : Something you're trying to use has "
           "been made inactive. Check the fields with accounts, customers, items, vendors or "
           "employees."), Kind.INACTIVE_VENDOR),
    (fault("610", "Object Not Found", "Object Not Found : Another user has deleted this "
           "transaction."), Kind.DELETED_IN_QBO),
    (fault("2500", "Invalid Reference Id", "Invalid Reference Id : Accounts element id 7 not "
           "found"), Kind.MISSING_REFERENCE),
    (fault("6070", "Amount calculation incorrect in the request"), Kind.AMOUNT_MISMATCH),
    (fault("6200", "Account Period Closed"), Kind.CLOSED_PERIOD),
    (fault("5010", "Stale Object Error"), Kind.STALE_OBJECT),
    (fault("3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429", status=429),
     Kind.THROTTLED),
    (fault("3200", "message=AuthenticationFailed; errorCode=003200; statusCode=401",
           status=401), Kind.AUTH_NEEDED),
    (fault("6190", "Invalid Company Status"), Kind.UNKNOWN),
])
def test_quickbooks_faults_are_named(error, kind):
    problem = diagnose(error, "PO-1")
    assert problem.kind is kind and problem.explanation and problem.fix
    assert problem.faults[0]["code"] == error.first.code


def test_an_unknown_fault_keeps_the_raw_fault_and_says_so():
    problem = diagnose(fault("6190", "Invalid Company Status", "Subscription period has "
                             "ended"), "PO-1")
    assert "does not know" in problem.explanation and "6190" in problem.explanation
    assert problem.faults[0]["detail"] == "Subscription period has ended"


def test_suppliers_blocked_for_one_cause_share_a_group(store, engine, sandbox):
    sandbox.create("Customer", {"DisplayName": "Acme Supply"})
    make_po(store, number="PO-1")
    make_po(store, number="PO-2")
    engine.run()
    with store.session() as s:
        groups = {find_po(s, n).last_error_detail["group"] for n in ("PO-1", "PO-2")}
        supplier = s.exec(select(Supplier).where(Supplier.name == "Acme Supply")).one()
    assert groups == {f"supplier:{supplier.id}"}
    with store.session() as s:
        assert problem_groups(s) == {f"supplier:{supplier.id}": {
            "problem": "duplicate_name", "documents": ["PO-1", "PO-2"]}}


def test_the_memo_limit_keeps_room_for_syncdesks_marker_and_a_cancellation(store, engine,
                                                                              client):
    room = 4000 - len("SyncDesk PO-1 ·k3f9a2 ·  · cancelled in SyncDesk")  # with the lineage
    make_po(store)
    with store.session() as s:
        set_setting(s, "require_reapproval_after_edit", "off")
        editing.edit_po(s, "PO-1", [("memo", "m" * room)], "ann")  # the longest edit takes
    assert outcome(engine.run(), "PO-1") == ("synced", None)
    with store.session() as s:
        workflow_steps.change_po_status(s, "PO-1", "cancel", "ann")
    assert outcome(engine.run(), "PO-1") == ("synced", None)
    [qbo_po] = client.query_all("PurchaseOrder")
    assert len(qbo_po["PrivateNote"]) == 4000 and qbo_po["POStatus"] == "Closed"


def test_a_cancelled_po_whose_memo_leaves_no_room_for_the_note_is_blocked_not_sent(store,
                                                                                     engine):
    make_po(store)
    with store.session() as s:  # a memo kept from before SyncDesk checked its length
        find_po(s, "PO-1").memo = "m" * (4000 - len("SyncDesk PO-1 ·k3f9a2 · "))
    assert outcome(engine.run(), "PO-1") == ("synced", None)  # 4000 exactly
    with store.session() as s:
        workflow_steps.change_po_status(s, "PO-1", "cancel", "ann")
    report = engine.run()
    assert outcome(report, "PO-1") == ("blocked", "string_too_long")
    assert "The memo of PO-1 has 3976 characters; QuickBooks allows 3952." in (
        report.outcomes[0].explanation)
