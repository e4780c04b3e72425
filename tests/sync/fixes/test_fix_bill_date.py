"""fix_bill_date on the demo's INV-2042 (dated before PO-1051), against the sandbox."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from app.domain.events import Event
from app.domain.states import DocKind, SyncState
from app.errors import UserError
from app.operations.settings import get_setting, set_setting
from app.sync.fixes import fix_bill_date
from app.sync.fixes.base import InputError, Side
from app.sync.fixes.runner import run_plan
from tests.sync.fixes.document_fixtures import (
    ACTOR,
    bills_numbered,
    context,
    demo,  # noqa: F401  (fixture)
    doc,
    fix,
    fixed_entries,
    history,
    memory_keyring,  # noqa: F401  (fixture)
    qbo,
    snapshot,
    store_state,
    targets,
)

INV = "INV-2042"


def _po(demo):  # noqa: F811
    return doc(demo, DocKind.PO, "PO-1051")


def _setting(demo, key):  # noqa: F811
    with demo.services._store.session() as session:
        return get_setting(session, key)


def test_choices_show_both_dates_and_recommend_moving_the_invoice(demo):  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.INVOICE, INV)
    before, store_before = snapshot(demo), store_state(demo)
    choices = fix_bill_date.choices(ctx, found)
    po, invoice = _po(demo), doc(demo, DocKind.INVOICE, INV)
    assert invoice.issue_date < po.txn_date
    assert str(invoice.issue_date) in choices.summary and str(po.txn_date) in choices.summary
    assert [o.name for o in choices.options] == ["move_invoice_date", "backdate_po"]
    assert choices.options[0].recommended
    assert choices.options[0].inputs[0].suggested == po.txn_date.isoformat()
    backdate = choices.options[1]
    assert [i.key for i in backdate.inputs] == ["po_date", "turn_on_po_dates"]
    consent_help = backdate.inputs[1].help
    assert "PO-date editing (company setting)" in consent_help
    assert "enable_po_date_editing" not in consent_help + backdate.why
    assert backdate.inputs[1].suggested == "no"  # consent is never assumed
    assert "turns it on" in backdate.why
    assert any("PurchaseOrder" in value for _, value in choices.record)
    for option in choices.options:
        fix_bill_date.plan(ctx, found, option,
                           {i.key: "yes" if i.key == "turn_on_po_dates" else i.suggested
                            for i in option.inputs})
    assert snapshot(demo) == before and store_state(demo) == store_before
    assert _setting(demo, "enable_po_date_editing") is False


def test_a_bad_or_early_invoice_date_is_refused_at_the_field(demo):  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.INVOICE, INV)
    option = fix_bill_date.choices(ctx, found).option("move_invoice_date")
    po = _po(demo)
    for text in ("31/10/2026", po.txn_date.replace(day=1).isoformat()
                 if po.txn_date.day > 1 else "2026-01-01"):
        with pytest.raises(InputError) as caught:
            fix_bill_date.plan(ctx, found, option, {"invoice_date": text})
        assert set(caught.value.errors) == {"invoice_date"}


def test_moving_the_invoice_date_syncs_it_and_records_the_fix(demo):  # noqa: F811
    po = _po(demo)
    old = doc(demo, DocKind.INVOICE, INV).issue_date
    result = fix(demo, fix_bill_date, targets(demo, DocKind.INVOICE, INV))
    assert result.fixed, result.documents
    invoice = doc(demo, DocKind.INVOICE, INV)
    assert invoice.sync_state == SyncState.SYNCED.value and invoice.issue_date == po.txn_date
    bill = qbo(demo, DocKind.INVOICE, INV)
    assert bill["TxnDate"] == po.txn_date.isoformat()
    assert len(bills_numbered(demo, invoice.reference)) == 1
    entry = fixed_entries(demo, DocKind.INVOICE, INV)[-1]
    assert entry.actor == ACTOR
    change = entry.detail["changes"][0]
    assert (change["old"], change["new"]) == (old.isoformat(), po.txn_date.isoformat())
    # twice does no harm: nothing is left to fix, and QuickBooks is untouched
    before = snapshot(demo)
    with pytest.raises(UserError):
        targets(demo, DocKind.INVOICE, INV)
    assert snapshot(demo) == before


def test_backdating_needs_consent_to_turn_on_po_dates(demo):  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.INVOICE, INV)
    option = fix_bill_date.choices(ctx, found).option("backdate_po")
    early = doc(demo, DocKind.INVOICE, INV).issue_date - timedelta(days=1)
    with pytest.raises(InputError) as caught:
        fix_bill_date.plan(ctx, found, option, {"po_date": early.isoformat(),
                                                 "turn_on_po_dates": "no"})
    assert set(caught.value.errors) == {"turn_on_po_dates"}
    late = doc(demo, DocKind.INVOICE, INV).issue_date.replace(year=2027)
    with pytest.raises(InputError) as caught:
        fix_bill_date.plan(ctx, found, option, {"po_date": late.isoformat(),
                                                 "turn_on_po_dates": "yes"})
    assert set(caught.value.errors) == {"po_date"}


def test_backdating_the_po_updates_quickbooks_first_then_sends_the_invoice(demo):  # noqa: F811
    po_before = _po(demo)
    assert po_before.sync_state == SyncState.SYNCED.value and po_before.qbo_id
    token = qbo(demo, DocKind.PO, "PO-1051")["SyncToken"]
    invoice_date = doc(demo, DocKind.INVOICE, INV).issue_date
    ctx = context(demo)
    found = targets(demo, DocKind.INVOICE, INV)
    option = fix_bill_date.choices(ctx, found).option("backdate_po")
    plan = fix_bill_date.plan(ctx, found, option, {"po_date": invoice_date.isoformat(),
                                                   "turn_on_po_dates": "yes"})
    sides = [(c.side, c.what) for c in plan.changes]
    assert sides[0] == (Side.SYNCDESK, "PO-date editing (company setting)")
    assert "enable_po_date_editing" not in json.dumps(plan.to_json())  # no internal key
    assert [c.document for c in plan.changes] == [None, "PO-1051", "PO-1051", "PO-1051", INV]
    assert (Side.QUICKBOOKS, f"PurchaseOrder {po_before.qbo_id} (PO-1051) date") in sides
    assert any("approval override" in (c.new or "") for c in plan.changes)
    result = run_plan(ctx, plan)
    assert result.fixed, result.documents
    po = _po(demo)
    assert po.txn_date == invoice_date and po.status == "closed"  # billed in full now
    assert po.sync_state == SyncState.SYNCED.value
    assert qbo(demo, DocKind.PO, "PO-1051")["TxnDate"] == invoice_date.isoformat()
    assert int(qbo(demo, DocKind.PO, "PO-1051")["SyncToken"]) > int(token)
    assert _setting(demo, "enable_po_date_editing") is True
    actions = [h.action for h in history(demo, DocKind.PO, "PO-1051")]
    assert Event.NEEDS_REAPPROVAL.value in actions and Event.APPROVAL_OVERRIDE.value in actions
    bill = qbo(demo, DocKind.INVOICE, INV)
    assert any(link.get("TxnId") == po.qbo_id for line in bill["Line"]
               for link in line.get("LinkedTxn", []))
    assert fixed_entries(demo, DocKind.INVOICE, INV)[-1].actor == ACTOR


def test_a_failing_po_update_stops_cleanly_and_a_second_run_finishes(demo):  # noqa: F811
    with demo.services._store.session() as session:
        set_setting(session, "enable_po_date_editing", "on")
        set_setting(session, "require_reapproval_after_edit", "off")
    invoice_date = doc(demo, DocKind.INVOICE, INV).issue_date
    demo.sandbox.faults.add("500", route="POST/purchaseorder", count=None)
    from app.sync.fixes.base import FixFailed

    with pytest.raises(FixFailed):
        fix(demo, fix_bill_date, targets(demo, DocKind.INVOICE, INV), "backdate_po",
            po_date=invoice_date.isoformat())
    po = _po(demo)
    assert po.po_date is None and qbo(demo, DocKind.PO, "PO-1051")["TxnDate"] != \
        invoice_date.isoformat()
    assert history(demo, DocKind.INVOICE, INV, Event.FIX_FAILED.value)
    demo.sandbox.faults.clear()
    result = fix(demo, fix_bill_date, targets(demo, DocKind.INVOICE, INV), "backdate_po",
                 po_date=invoice_date.isoformat())
    assert result.fixed and _po(demo).txn_date == invoice_date
    assert _po(demo).status == "closed"


def test_a_failing_resend_leaves_it_blocked_free_and_a_rerun_sends_it(demo):  # noqa: F811
    po = _po(demo)
    demo.sandbox.faults.add("500", route="POST/bill", count=None)
    result = fix(demo, fix_bill_date, targets(demo, DocKind.INVOICE, INV))
    assert not result.fixed
    invoice = doc(demo, DocKind.INVOICE, INV)
    assert invoice.issue_date == po.txn_date and invoice.sync_state == SyncState.FAILED.value
    demo.sandbox.faults.clear()
    again = fix(demo, fix_bill_date, targets(demo, DocKind.INVOICE, INV))
    assert again.fixed
    assert len(bills_numbered(demo, invoice.reference)) == 1
    assert date.fromisoformat(qbo(demo, DocKind.INVOICE, INV)["TxnDate"]) == po.txn_date


def test_syncdesk_fix_backdates_the_po_only_with_consent(demo, cli):  # noqa: F811
    db = str(demo.location)
    before = snapshot(demo)
    refused = cli("--db", db, "fix", "invoice", INV, "--option", "backdate_po", "--yes")
    assert refused.code == 1 and "turn_on_po_dates" in refused.err
    assert snapshot(demo) == before and _setting(demo, "enable_po_date_editing") is False
    done = cli("--db", db, "fix", "invoice", INV, "--option", "backdate_po", "--set",
               "turn_on_po_dates=yes", "--yes", "--json")
    assert done.code == 0, done.err
    result = json.loads(done.out)
    assert result["fixed"] is True
    assert result["plan"]["changes"][0] == {
        "side": "SyncDesk", "what": "PO-date editing (company setting)",
        "old": "off", "new": "on", "document": None}
    invoice_date = doc(demo, DocKind.INVOICE, INV).issue_date
    assert qbo(demo, DocKind.PO, "PO-1051")["TxnDate"] == invoice_date.isoformat()
