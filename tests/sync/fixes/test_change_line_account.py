"""change_line_account on the demo's PO-1063 and INV-2041 (one group: lines on A/P or
A/R accounts), against the sandbox, one by one and in bulk from the command line."""

from __future__ import annotations

import json

import pytest

from app.domain.events import Event
from app.domain.states import DocKind, SyncState
from app.sync.fixes import change_line_account
from app.sync.fixes.base import InputError, Side
from tests.sync.fixes.document_fixtures import (
    ACTOR,
    context,
    demo,  # noqa: F401  (fixture)
    doc,
    fix,
    fixed_entries,
    group,
    history,
    memory_keyring,  # noqa: F401  (fixture)
    qbo,
    snapshot,
    store_state,
)

GROUP = "ap_ar_line_account"
ALLOWED = {"Expense", "Other Expense", "Cost of Goods Sold"}


def _accounts(demo):  # noqa: F811
    with demo.sandbox.company.lock:
        return {a["Id"]: a for a in demo.sandbox.company.all("Account")}


def test_one_group_lists_both_documents_lines_and_valid_accounts(demo):  # noqa: F811
    found = group(demo, GROUP)
    assert [t.number for t in found] == ["PO-1063", "INV-2041"]
    before, store_before = snapshot(demo), store_state(demo)
    ctx = context(demo)
    choices = change_line_account.choices(ctx, found)
    option = choices.options[0]
    assert option.recommended and [i.key for i in option.inputs] == [
        "PO-1063.line2", "INV-2041.line2"]
    by_name = {a["Name"]: a for a in _accounts(demo).values()}
    for field in option.inputs:
        assert field.choices and all(by_name[c]["AccountType"] in ALLOWED and
                                     by_name[c]["Active"] for c in field.choices)
        assert field.suggested in field.choices
    assert "Accounts Payable (A/P)" in choices.summary
    assert "Accounts Receivable (A/R)" in choices.summary
    plan = change_line_account.plan(ctx, found, option, {})
    assert [(c.side, c.old) for c in plan.changes if c.what.endswith("account")] == [
        (Side.SYNCDESK, "Accounts Payable (A/P)"), (Side.SYNCDESK, "Accounts Receivable (A/R)")]
    assert any("approval override" in (c.new or "") for c in plan.changes)
    assert snapshot(demo) == before and store_state(demo) == store_before


def test_the_suggestion_is_the_account_the_supplier_uses_most(demo):  # noqa: F811
    found = group(demo, GROUP)
    choices = change_line_account.choices(context(demo), found)
    suggested = {i.key: i.suggested for i in choices.options[0].inputs}
    # PO-1063's other line is on Job Materials; Brightline's other documents decide
    from sqlmodel import select

    from app.store.models import Account, PoLine, PurchaseOrder, Supplier

    with demo.services._store.session() as s:
        supplier = s.exec(select(Supplier).where(Supplier.name == "Brightline Packaging")).one()
        names = [s.get(Account, ln.account_id).name for po in s.exec(
            select(PurchaseOrder).where(PurchaseOrder.supplier_id == supplier.id,
                                        PurchaseOrder.number != "PO-1063"))
            for ln in s.exec(select(PoLine).where(PoLine.po_id == po.id))]
    if names:
        assert suggested["PO-1063.line2"] == max(set(names), key=names.count)


def test_an_account_of_the_wrong_type_is_refused_at_its_field(demo):  # noqa: F811
    found = group(demo, GROUP)
    ctx = context(demo)
    option = change_line_account.choices(ctx, found).options[0]
    with pytest.raises(InputError) as caught:
        change_line_account.plan(ctx, found, option, {"PO-1063.line2": "Accounts Payable (A/P)",
                                                      "INV-2041.line2": "No Such Account"})
    assert set(caught.value.errors) == {"PO-1063.line2", "INV-2041.line2"}


def test_the_bulk_fix_puts_both_on_the_chosen_accounts_and_syncs_them(demo):  # noqa: F811
    found = group(demo, GROUP)
    result = fix(demo, change_line_account, found, None,
                 **{"PO-1063.line2": "Job Materials",
                    "INV-2041.line2": "Office Supplies & Software"})
    assert result.fixed, result.documents
    # each change names its own document: each history gets only its own
    assert {(c.what.split()[0], c.document) for c in result.plan.changes} >= {
        ("PO-1063", "PO-1063"), ("INV-2041", "INV-2041")}
    assert all(c.document and c.document in c.what for c in result.plan.changes)
    accounts = _accounts(demo)
    for kind, number, name in ((DocKind.PO, "PO-1063", "Job Materials"),
                               (DocKind.INVOICE, "INV-2041", "Office Supplies & Software")):
        assert doc(demo, kind, number).sync_state == SyncState.SYNCED.value
        line2 = qbo(demo, kind, number)["Line"][1]
        ref = line2["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]
        assert accounts[ref]["Name"] == name
        entry = fixed_entries(demo, kind, number)[-1]
        assert entry.actor == ACTOR
        assert {"side": "SyncDesk", "what": f"{number} line 2 account",
                "old": "Accounts Payable (A/P)" if kind is DocKind.PO
                else "Accounts Receivable (A/R)", "new": name, "document": number} \
            in entry.detail["changes"]
    po_actions = [h.action for h in history(demo, DocKind.PO, "PO-1063")]
    assert Event.APPROVAL_OVERRIDE.value in po_actions
    assert doc(demo, DocKind.PO, "PO-1063").status == "approved"
    with demo.sandbox.company.lock:
        numbers = [p.get("DocNumber") for p in demo.sandbox.company.all("PurchaseOrder")]
    assert numbers.count("PO-1063") == 1


def test_a_failing_resend_leaves_them_consistent_and_a_resync_finishes(demo):  # noqa: F811
    before = snapshot(demo)["PurchaseOrder"]
    demo.sandbox.faults.add("500", route="POST/purchaseorder", count=None)
    result = fix(demo, change_line_account, group(demo, GROUP))
    assert not result.fixed
    po = doc(demo, DocKind.PO, "PO-1063")
    assert po.status == "approved" and po.sync_state == SyncState.FAILED.value
    assert snapshot(demo)["PurchaseOrder"] == before  # QuickBooks got nothing half-made
    # the lines keep their new accounts: nothing is left to fix, only to send
    ctx = context(demo)
    assert change_line_account.choices(ctx, (result.plan.targets[0],)).record == ()
    demo.sandbox.faults.clear()
    demo.services.sync.resync_failures()
    assert doc(demo, DocKind.PO, "PO-1063").sync_state == SyncState.SYNCED.value
    assert doc(demo, DocKind.INVOICE, "INV-2041").sync_state == SyncState.SYNCED.value


def test_syncdesk_fix_group_yes_fixes_both_in_one_plan(demo, cli):  # noqa: F811
    db = str(demo.location)
    shown = cli("--db", db, "fix", "--group", GROUP, "--json")
    assert shown.code == 0, shown.err
    planned = json.loads(shown.out)
    assert [d["number"] for d in planned["documents"]] == ["PO-1063", "INV-2041"]
    done = cli("--db", db, "fix", "--group", GROUP, "--yes", "--json")
    assert done.code == 0, done.err
    result = json.loads(done.out)
    assert result["fixed"] is True
    assert {d["number"]: d["sync_state"] for d in result["documents"]} == {
        "PO-1063": "synced", "INV-2041": "synced"}
