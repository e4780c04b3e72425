"""fix_currency: a PO in EUR for a QuickBooks company that keeps only USD (made in the store),
blocked by the preflight, then fixed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.problems import Kind
from app.domain.states import DocKind, SyncState
from app.sync.fixes import fix_currency
from app.sync.fixes.base import InputError
from app.sync.fixes.runner import run_plan
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

PO = "PO-9002"


@pytest.fixture
def in_euros(demo):  # noqa: F811
    new_po(demo, PO, qty="4", unit_price="25.50", currency="EUR")  # 102.00
    blocked = doc(demo, DocKind.PO, PO)
    assert (blocked.sync_state, blocked.problem) == (SyncState.BLOCKED.value,
                                                     Kind.CURRENCY_MISMATCH.value)
    return demo


def test_choices_show_both_currencies_and_change_nothing(in_euros):
    demo = in_euros  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.PO, PO)
    before, store_before = snapshot(demo), store_state(demo)
    choices = fix_currency.choices(ctx, found)
    rows = dict(choices.record)
    assert rows["QuickBooks company currency"] == "USD" and rows[PO] == "EUR 102.00"
    assert "USD" in choices.summary and "EUR" in choices.summary
    assert [o.name for o in choices.options] == ["use_home_currency", "convert", "ask_admin"]
    for bad in ("", "abc", "0", "-1"):
        with pytest.raises(InputError) as caught:
            fix_currency.plan(ctx, found, choices.option("convert"), {"rate": bad})
        assert set(caught.value.errors) == {"rate"}
    plan = fix_currency.plan(ctx, found, choices.option("convert"), {"rate": "1.1"})
    assert [(c.what, c.old, c.new) for c in plan.changes[:2]] == [
        (f"{PO} currency", "EUR", "USD"), (f"{PO} line 1 unit price", "25.5", "28.05")]
    assert snapshot(demo) == before and store_state(demo) == store_before


def test_making_it_usd_keeps_the_amounts_and_syncs(in_euros):
    demo = in_euros  # noqa: F811
    result = fix(demo, fix_currency, targets(demo, DocKind.PO, PO))
    assert result.fixed, result.documents
    po = doc(demo, DocKind.PO, PO)
    assert (po.currency, po.total) == ("USD", Decimal("102.00"))
    assert Decimal(str(qbo(demo, DocKind.PO, PO)["TotalAmt"])) == Decimal("102.00")
    entry = fixed_entries(demo, DocKind.PO, PO)[-1]
    assert entry.actor == ACTOR and entry.detail["changes"][0]["old"] == "EUR"


def test_converting_at_a_rate_changes_the_prices_and_syncs(in_euros):
    demo = in_euros  # noqa: F811
    result = fix(demo, fix_currency, targets(demo, DocKind.PO, PO), "convert", rate="1.1")
    assert result.fixed, result.documents
    assert doc(demo, DocKind.PO, PO).total == Decimal("112.20")  # 4 × 28.05
    assert Decimal(str(qbo(demo, DocKind.PO, PO)["TotalAmt"])) == Decimal("112.20")


def test_asking_the_admin_changes_nothing(in_euros):
    demo = in_euros  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.PO, PO)
    plan = fix_currency.plan(ctx, found, fix_currency.choices(ctx, found).option("ask_admin"),
                             {})
    assert plan.changes == () and "multicurrency" in plan.note
    result = run_plan(ctx, plan)
    assert not result.fixed and doc(demo, DocKind.PO, PO).currency == "EUR"
