"""resolve_qbo_changes: a synced bill edited in QuickBooks (through the sandbox's API, then
pulled). Keep SyncDesk's copy, take QuickBooks' values, or choose field by field."""

from __future__ import annotations

import pytest

from app.domain.events import Event
from app.errors import UserError
from app.sync.fixes.base import InputError, Side
from tests.sync.fixes import qbo_fixtures as fx
from tests.sync.fixes.qbo_fixtures import (
    INVOICE,
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
)

client, fixes, sandbox, memory_keyring = fx.client, fx.fixes, fx.sandbox, fx.memory_keyring


def _changed(store, client) -> str:
    """INV-1 synced, then its bill's date and line 1's description edited in QuickBooks."""
    make_po(store)
    bill_po(store)
    sync(store, client)
    bill_id = row(store, INVOICE, "INV-1")["qbo_id"]

    def edit(bill):
        bill["TxnDate"] = "2026-08-12"
        bill["Line"][0]["Description"] = "Toner (black)"
        return bill

    client.update("Bill", bill_id, edit)
    sync(store, client)
    assert state(store, INVOICE, "INV-1") == ("blocked", "changed_in_qbo")
    return bill_id


def _local_line_1(store) -> str:
    from sqlmodel import select

    from app.store.models import InvoiceLine

    with store.session() as s:
        return s.exec(select(InvoiceLine).where(InvoiceLine.line_no == 1)).one().description


def test_the_differences_are_shown_and_keeping_syncdesks_copy_resends_it(
        store, client, sandbox, fixes):
    bill_id = _changed(store, client)
    subject = fixes.choices(INVOICE, "INV-1")
    assert [o.name for o in subject.options] == ["keep_syncdesk", "take_quickbooks",
                                                 "per_field"]
    assert subject.options[0].recommended
    assert dict(subject.choices.record) == {
        "date": "2026-08-10 in SyncDesk, 2026-08-12 in QuickBooks",
        "line 1 description": "'Toner' in SyncDesk, 'Toner (black)' in QuickBooks"}
    assert [(i.key, i.suggested, i.choices) for i in subject.options[2].inputs] == [
        ("date", "syncdesk", ("syncdesk", "quickbooks")),
        ("line_1_description", "syncdesk", ("syncdesk", "quickbooks"))]
    before, before_qbo = snapshot(store), qbo_snapshot(sandbox)
    plan = fixes.plan(subject)
    assert [(c.side, c.what, c.old, c.new) for c in plan.changes] == [
        (Side.QUICKBOOKS, "invoice INV-1: date", "2026-08-12", "2026-08-10"),
        (Side.QUICKBOOKS, "invoice INV-1: line 1 description", "'Toner (black)'", "'Toner'")]
    assert snapshot(store) == before and qbo_snapshot(sandbox) == before_qbo
    assert apply(store, client, plan).fixed
    bill = sandbox.read("Bill", bill_id)
    assert bill["TxnDate"] == "2026-08-10" and bill["Line"][0]["Description"] == "Toner"
    assert history(store, INVOICE, "INV-1", Event.FIXED)[-1].actor == "tester"
    sync(store, client)
    assert state(store, INVOICE, "INV-1") == ("synced", None) and len(bills(sandbox)) == 1


def test_taking_quickbooks_values_edits_syncdesks_copy_with_history(
        store, client, sandbox, fixes):
    bill_id = _changed(store, client)
    plan = fixes.plan(fixes.choices(INVOICE, "INV-1"), "take_quickbooks")
    assert [(c.side, c.what, c.old, c.new) for c in plan.changes] == [
        (Side.SYNCDESK, "invoice INV-1: date", "2026-08-10", "2026-08-12"),
        (Side.SYNCDESK, "invoice INV-1: line 1 description", "'Toner'", "'Toner (black)'")]
    assert apply(store, client, plan).fixed
    assert str(row(store, INVOICE, "INV-1")["issue_date"]) == "2026-08-12"
    assert _local_line_1(store) == "Toner (black)"
    [edited] = history(store, INVOICE, "INV-1", Event.EDITED)[-1:]
    assert {"field": "issue_date", "old": "2026-08-10", "new": "2026-08-12"} in \
        edited.detail["changes"]
    assert not history(store, INVOICE, "INV-1", Event.DRIFT_OVERRIDDEN)
    bill = sandbox.read("Bill", bill_id)
    assert bill["TxnDate"] == "2026-08-12" and bill["Line"][0]["Description"] == "Toner (black)"
    with pytest.raises(UserError, match="Nothing to fix"):  # again: nothing left to take
        apply(store, client, plan)
    sync(store, client)
    assert state(store, INVOICE, "INV-1") == ("synced", None) and len(bills(sandbox)) == 1


def test_field_by_field(store, client, sandbox, fixes):
    bill_id = _changed(store, client)
    subject = fixes.choices(INVOICE, "INV-1")
    with pytest.raises(InputError) as bad:
        fixes.plan(subject, "per_field", {"date": "both"})
    assert bad.value.errors == {"date": "choose syncdesk or quickbooks"}
    plan = fixes.plan(subject, "per_field", {"date": "quickbooks"})
    assert [(c.side, c.what) for c in plan.changes] == [
        (Side.SYNCDESK, "invoice INV-1: date"),
        (Side.QUICKBOOKS, "invoice INV-1: line 1 description")]
    assert apply(store, client, plan).fixed
    bill = sandbox.read("Bill", bill_id)
    assert bill["TxnDate"] == "2026-08-12" and bill["Line"][0]["Description"] == "Toner"
    assert str(row(store, INVOICE, "INV-1")["issue_date"]) == "2026-08-12"
    assert _local_line_1(store) == "Toner"
