"""shorten_field on the demo's INV-2044 (a 33-character supplier's invoice number)."""

from __future__ import annotations

import pytest

from app.domain.states import DocKind, SyncState
from app.errors import UserError
from app.operations.demo import LONG_REFERENCE
from app.sync.fixes import shorten_field
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
    memory_keyring,  # noqa: F401  (fixture)
    qbo,
    snapshot,
    store_state,
    targets,
)

INV = "INV-2044"


def test_choices_show_the_field_the_limit_and_a_unique_shorter_number(demo):  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.INVOICE, INV)
    before, store_before = snapshot(demo), store_state(demo)
    choices = shorten_field.choices(ctx, found)
    rows = dict(choices.record)
    assert rows["Supplier's invoice number (the bill number)"] == LONG_REFERENCE
    assert "21 characters" in rows["Supplier's invoice number (the bill number): QuickBooks' limit"]
    field = choices.options[0].inputs[0]
    assert field.key == "reference" and len(field.suggested) <= 21
    assert field.suggested == "SUMMIT-2026-0917"  # whole parts dropped from the end
    plan = shorten_field.plan(ctx, found, choices.options[0], {})
    assert plan.changes[0].side is Side.SYNCDESK
    assert (plan.changes[0].old, plan.changes[0].new) == (LONG_REFERENCE, "SUMMIT-2026-0917")
    assert snapshot(demo) == before and store_state(demo) == store_before


def test_too_long_or_used_numbers_are_refused_at_the_field(demo):  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.INVOICE, INV)
    option = shorten_field.choices(ctx, found).options[0]
    with pytest.raises(InputError) as caught:
        shorten_field.plan(ctx, found, option, {"reference": "X" * 22})
    assert "at most 21" in caught.value.errors["reference"]
    # a number this supplier already has in QuickBooks is refused, and never suggested
    taken = "SUMMIT-2026-0917"
    vendor = qbo_vendor(demo)
    demo.sandbox.create("Bill", {"VendorRef": {"value": vendor}, "DocNumber": taken,
                                 "TxnDate": "2026-09-17", "Line": [{
                                     "Amount": 10, "DetailType": "AccountBasedExpenseLineDetail",
                                     "AccountBasedExpenseLineDetail": {"AccountRef": {
                                         "value": expense_account(demo)}}}]})
    with pytest.raises(InputError) as caught:
        shorten_field.plan(ctx, found, option, {"reference": taken})
    assert "already has" in caught.value.errors["reference"]
    suggested = shorten_field.choices(ctx, found).options[0].inputs[0].suggested
    assert suggested == "SUMMIT-2026-0917-2"


def qbo_vendor(demo) -> str:  # noqa: F811
    from sqlmodel import select

    from app.store.models import Supplier

    with demo.services._store.session() as s:
        supplier = s.exec(select(Supplier).where(
            Supplier.name == "Summit Office Interiors")).one()
        if supplier.qbo_vendor_id:
            return supplier.qbo_vendor_id
    with demo.sandbox.company.lock:
        return next(v["Id"] for v in demo.sandbox.company.all("Vendor")
                    if v["DisplayName"] == "Summit Office Interiors")


def expense_account(demo) -> str:  # noqa: F811
    with demo.sandbox.company.lock:
        return next(a["Id"] for a in demo.sandbox.company.all("Account")
                    if a["AccountType"] == "Expense")


def test_shortening_syncs_it_once_and_twice_does_no_harm(demo):  # noqa: F811
    result = fix(demo, shorten_field, targets(demo, DocKind.INVOICE, INV), None,
                 reference="SUMMIT-0917-NE")
    assert result.fixed, result.documents
    invoice = doc(demo, DocKind.INVOICE, INV)
    assert invoice.reference == "SUMMIT-0917-NE"
    assert invoice.sync_state == SyncState.SYNCED.value
    assert qbo(demo, DocKind.INVOICE, INV)["DocNumber"] == "SUMMIT-0917-NE"
    assert len(bills_numbered(demo, "SUMMIT-0917-NE")) == 1
    entry = fixed_entries(demo, DocKind.INVOICE, INV)[-1]
    assert entry.actor == ACTOR
    assert entry.detail["changes"][0]["old"] == LONG_REFERENCE
    assert entry.detail["changes"][0]["new"] == "SUMMIT-0917-NE"
    # the same plan applied again changes nothing and sends nothing new
    before = snapshot(demo)
    with pytest.raises(UserError, match="Nothing to fix"):
        run_plan(context(demo), result.plan)
    assert snapshot(demo) == before
    assert len(bills_numbered(demo, "SUMMIT-0917-NE")) == 1


def test_a_lost_answer_on_the_resend_makes_no_second_bill(demo):  # noqa: F811
    demo.sandbox.faults.add("500", route="POST/bill", count=None)
    result = fix(demo, shorten_field, targets(demo, DocKind.INVOICE, INV))
    assert not result.fixed
    assert doc(demo, DocKind.INVOICE, INV).reference == "SUMMIT-2026-0917"
    demo.sandbox.faults.clear()
    demo.sandbox.faults.add("lost", route="POST/bill", count=1)
    demo.services.sync.resend(DocKind.INVOICE, INV)
    demo.services.sync.run()
    assert doc(demo, DocKind.INVOICE, INV).sync_state == SyncState.SYNCED.value
    assert len(bills_numbered(demo, "SUMMIT-2026-0917")) == 1
