"""fix_line_amount: a line whose amount is not qty × unit price (made in the store, as an
import could leave it), blocked by the preflight, then fixed either way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.problems import Kind
from app.domain.states import DocKind, SyncState
from app.sync.fixes import fix_line_amount
from app.sync.fixes.base import InputError
from tests.sync.fixes.document_fixtures import (
    ACTOR,
    context,
    demo,  # noqa: F401  (fixture)
    doc,
    fix,
    fixed_entries,
    memory_keyring,  # noqa: F401  (fixture)
    new_po,
    qbo,
    snapshot,
    store_state,
    targets,
)

PO = "PO-9001"


@pytest.fixture
def mismatched(demo):  # noqa: F811
    new_po(demo, PO, qty="4", unit_price="25.50", amount="110.00")  # 4 × 25.50 = 102.00
    blocked = doc(demo, DocKind.PO, PO)
    assert (blocked.sync_state, blocked.problem) == (SyncState.BLOCKED.value,
                                                     Kind.AMOUNT_MISMATCH.value)
    return demo


def test_choices_show_the_arithmetic_and_change_nothing(mismatched):
    demo = mismatched  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.PO, PO)
    before, store_before = snapshot(demo), store_state(demo)
    choices = fix_line_amount.choices(ctx, found)
    assert dict(choices.record)["Line 1"] == "4 × 25.5 = 102.00, but the amount is 110.00"
    assert [o.name for o in choices.options] == ["use_qty_times_price", "keep_amount"]
    assert choices.options[1].inputs[0].suggested == "27.5"
    plan = fix_line_amount.plan(ctx, found, choices.options[0], {})
    assert (plan.changes[0].old, plan.changes[0].new) == ("110.00", "102.00")
    with pytest.raises(InputError) as caught:
        fix_line_amount.plan(ctx, found, choices.options[1], {"line1.unit_price": "27"})
    assert "is not 110.00" in caught.value.errors["line1.unit_price"]
    assert snapshot(demo) == before and store_state(demo) == store_before


def test_the_amount_follows_qty_times_price_and_syncs(mismatched):
    demo = mismatched  # noqa: F811
    result = fix(demo, fix_line_amount, targets(demo, DocKind.PO, PO))
    assert result.fixed, result.documents
    assert doc(demo, DocKind.PO, PO).total == Decimal("102.00")
    assert Decimal(str(qbo(demo, DocKind.PO, PO)["TotalAmt"])) == Decimal("102.00")
    entry = fixed_entries(demo, DocKind.PO, PO)[-1]
    assert entry.actor == ACTOR and entry.detail["changes"][0]["new"] == "102.00"


def test_keeping_the_amount_corrects_the_unit_price(mismatched):
    demo = mismatched  # noqa: F811
    result = fix(demo, fix_line_amount, targets(demo, DocKind.PO, PO), "keep_amount")
    assert result.fixed, result.documents
    line = qbo(demo, DocKind.PO, PO)["Line"][0]
    assert Decimal(str(line["Amount"])) == Decimal("110.00")
    from sqlmodel import select

    from app.store.models import PoLine

    with demo.services._store.session() as s:
        local = s.exec(select(PoLine).where(PoLine.po_id == doc(demo, DocKind.PO, PO).id)).one()
        assert (local.unit_price, local.amount) == (Decimal("27.5"), Decimal("110.00"))
    with demo.sandbox.company.lock:
        assert [p.get("DocNumber") for p in demo.sandbox.company.all(
            "PurchaseOrder")].count(PO) == 1
