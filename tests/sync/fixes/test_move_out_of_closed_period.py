"""move_out_of_closed_period on the demo's PO-1064 (dated in QuickBooks' closed books)."""

from __future__ import annotations

import pytest

from app.domain.events import Event
from app.domain.states import DocKind, SyncState
from app.errors import UserError
from app.operations.demo import CLOSING_DATE
from app.sync.fixes import move_out_of_closed_period as closed
from app.sync.fixes.base import InputError, Option, Side
from app.sync.fixes.runner import run_plan
from tests.sync.fixes.document_fixtures import (
    ACTOR,
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

PO = "PO-1064"
FIRST_OPEN = "2026-07-01"


def test_choices_show_the_closing_date_and_suggest_the_first_open_day(demo):  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.PO, PO)
    before, store_before = snapshot(demo), store_state(demo)
    choices = closed.choices(ctx, found)
    assert dict(choices.record)["Closing date in QuickBooks"] == CLOSING_DATE.isoformat()
    assert str(CLOSING_DATE) in choices.summary
    assert [o.name for o in choices.options] == ["move_date", "ask_admin"]
    move = choices.options[0]
    assert move.recommended and move.inputs[0].suggested == FIRST_OPEN
    # the recommended way turns PO-date editing on; the preview lists the setting's change
    assert move.inputs[1].key == "turn_on_po_dates" and move.inputs[1].suggested == "yes"
    plan = closed.plan(ctx, found, move, {"date": FIRST_OPEN, "turn_on_po_dates": "yes"})
    assert (Side.SYNCDESK, "PO-1064 PO date", "2026-06-20", FIRST_OPEN) in [
        (c.side, c.what, c.old, c.new) for c in plan.changes]
    assert snapshot(demo) == before and store_state(demo) == store_before


def test_a_date_still_in_the_closed_books_or_no_consent_is_refused(demo):  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.PO, PO)
    move = closed.choices(ctx, found).options[0]
    with pytest.raises(InputError) as caught:
        closed.plan(ctx, found, move, {"date": CLOSING_DATE.isoformat(),
                                       "turn_on_po_dates": "no"})
    assert set(caught.value.errors) == {"date", "turn_on_po_dates"}
    with pytest.raises(InputError):
        closed.plan(ctx, found, move, {"date": "next week", "turn_on_po_dates": "yes"})


def test_moving_the_date_syncs_it_with_an_override_in_its_history(demo):  # noqa: F811
    result = fix(demo, closed, targets(demo, DocKind.PO, PO), "move_date",
                 turn_on_po_dates="yes")
    assert result.fixed, result.documents
    po = doc(demo, DocKind.PO, PO)
    assert po.sync_state == SyncState.SYNCED.value and po.status == "approved"
    assert qbo(demo, DocKind.PO, PO)["TxnDate"] == FIRST_OPEN
    actions = [h.action for h in history(demo, DocKind.PO, PO)]
    assert Event.APPROVAL_OVERRIDE.value in actions
    entry = fixed_entries(demo, DocKind.PO, PO)[-1]
    assert entry.actor == ACTOR and {"side": "SyncDesk", "what": "PO-1064 PO date",
                                     "old": "2026-06-20", "new": FIRST_OPEN,
                                     "document": "PO-1064"} in \
        entry.detail["changes"]
    with demo.sandbox.company.lock:
        assert [p.get("DocNumber") for p in demo.sandbox.company.all(
            "PurchaseOrder")].count(PO) == 1


def test_asking_the_admin_changes_nothing_and_says_it_is_still_blocked(demo):  # noqa: F811
    ctx = context(demo)
    found = targets(demo, DocKind.PO, PO)
    plan = closed.plan(ctx, found, closed.choices(ctx, found).option("ask_admin"), {})
    assert plan.changes == () and plan.resend == ()
    assert "closing date" in plan.note and "2026-06-20" in plan.note
    before = snapshot(demo)
    result = run_plan(ctx, plan)
    assert not result.fixed
    assert result.documents[0].sync_state == SyncState.BLOCKED.value
    assert "closed" in (result.documents[0].problem or "")
    assert snapshot(demo) == before
    assert doc(demo, DocKind.PO, PO).txn_date.isoformat() == "2026-06-20"


def test_a_linked_document_is_judged_by_the_date_quickbooks_holds(demo):  # noqa: F811
    """A synced invoice whose bill QuickBooks holds in the closed books (the period was
    closed after it synced): SyncDesk's own date is in the open period, QuickBooks refuses
    any change to the bill. The fix speaks of QuickBooks' date and offers only the admin."""
    from sqlmodel import col, select

    from app.operations.editing import edit_invoice
    from app.store.models import Invoice

    store = demo.services._store
    with store.session() as s:
        invoice = s.exec(select(Invoice).where(Invoice.sync_state == "synced",
                                               col(Invoice.qbo_id).is_not(None))
                         .order_by(col(Invoice.issue_date).desc())).first()
        number, held = invoice.number, invoice.issue_date
    demo.sandbox.set_closing_date(held.isoformat())  # the bill's period is closed now
    moved = held.replace(year=held.year + 1)
    with store.session() as s:
        edit_invoice(s, number, [("issue_date", moved.isoformat()),
                                 ("due_date", moved.isoformat())], ACTOR)
    demo.services.sync.run()
    assert doc(demo, DocKind.INVOICE, number).problem == "closed_period"
    ctx = context(demo)
    found = targets(demo, DocKind.INVOICE, number)
    choices = closed.choices(ctx, found)
    assert f"{number} ({held} in QuickBooks; {moved} in SyncDesk)" in choices.summary
    assert dict(choices.record)[f"{number} date"] == held.isoformat()
    assert [o.name for o in choices.options] == ["ask_admin"]
    with pytest.raises(UserError, match="moving the date cannot help"):
        closed.plan(ctx, found, Option("move_date", "", ""), {"date": moved.isoformat()})
    plan = closed.plan(ctx, found, choices.option("ask_admin"), {})
    assert f"before {held}" in plan.note
