"""The procurement rules applied to a store, with their history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from app.domain.states import DocKind, InvoiceStatus, PoStatus
from app.errors import UserError
from app.operations import creating, editing, workflow_steps
from app.operations.fields import FieldError, LineValues
from app.operations.history import events_for
from app.operations.lookup import account_by_name, supplier_by_name
from app.operations.settings import set_setting
from app.store.models import PoLine, PurchaseOrder

ACTOR = "ann"


def new_po(session, number="PO-1", status=PoStatus.PENDING, **kwargs):
    supplies = account_by_name(session, "Supplies & Materials").id
    lines = kwargs.pop("lines", None) or [
        LineValues(description="Widgets", account_id=supplies, qty=Decimal("10"),
                   unit_price=Decimal("15")),
        LineValues(description="Freight", account_id=supplies, amount=Decimal("25.50")),
    ]
    return creating.create_po(session, number=number,
                       supplier_id=supplier_by_name(session, "Acme Supply").id,
                       lines=lines, actor=ACTOR, status=status, **kwargs)


def actions(session, kind, doc):
    return [e.action for e in events_for(session, kind, doc.id)]


def test_a_new_po_totals_its_lines_and_records_its_creation(store):
    with store.session() as s:
        po = new_po(s)
        assert po.total == Decimal("175.50")
        assert po.sync_state == "not_synced" and actions(s, DocKind.PO, po) == ["created"]


def test_approving_queues_the_po_and_fixes_its_date(store):
    with store.session() as s:
        po = new_po(s)
        workflow_steps.change_po_status(s, "PO-1", "approve", "boss")
        assert (po.status, po.sync_state) == ("approved", "queued")
        assert po.approved_on == creating.today() and po.txn_date == creating.today()
        events = events_for(s, DocKind.PO, po.id)
        assert [(e.action, e.actor) for e in events][-2:] == [("approved", "boss"),
                                                             ("queued", "boss")]


def test_editing_an_approved_po_sends_it_back_for_approval(store):
    with store.session() as s:
        po = new_po(s, status=PoStatus.APPROVED)
        s.flush()
        result = editing.edit_po(s, "PO-1", [("memo", "Rush order"), ("line.1.qty", "12")], ACTOR)
        assert po.status == "pending"
        assert [(c.field, c.old, c.new) for c in result.changes] == [
            ("memo", None, "Rush order"), ("line.1.qty", "10", "12"),
            ("line.1.amount", "150.00", "180.00")]
        assert po.total == Decimal("205.50") and po.revision == 2
        edited = next(e for e in events_for(s, DocKind.PO, po.id) if e.action == "edited")
        assert edited.detail["changes"][0] == {"field": "memo", "old": None,
                                               "new": "Rush order"}
        assert actions(s, DocKind.PO, po)[-2:] == ["edited", "needs_reapproval"]
        # a finance user's approval override puts it back in the queue
        workflow_steps.change_po_status(s, "PO-1", "override", "finance")
        assert (po.status, po.sync_state) == ("approved", "queued")
        assert actions(s, DocKind.PO, po)[-2:] == ["approval_override", "queued"]


def test_with_reapproval_off_an_edited_po_stays_approved_and_is_queued_again(store):
    with store.session() as s:
        set_setting(s, "require_reapproval_after_edit", "off")
        po = new_po(s, status=PoStatus.APPROVED)
        po.sync_state = "synced"
        editing.edit_po(s, "PO-1", [("memo", "Second delivery")], ACTOR)
        assert (po.status, po.sync_state) == ("approved", "queued")


def test_a_po_date_needs_the_company_setting(store):
    with store.session() as s:
        po = new_po(s, status=PoStatus.APPROVED)
        with pytest.raises(UserError, match="enable_po_date_editing"):
            editing.edit_po(s, "PO-1", [("po_date", "2026-06-01")], ACTOR)
        set_setting(s, "enable_po_date_editing", "on")
        editing.edit_po(s, "PO-1", [("po_date", "2026-06-01")], ACTOR)
        assert po.txn_date == date(2026, 6, 1)


def test_creating_with_a_po_date_also_needs_the_setting(store):
    with store.session() as s, pytest.raises(FieldError, match="enable_po_date_editing"):
        new_po(s, po_date=date(2026, 6, 1))


def test_the_first_approval_date_stays_after_reapproval(store):
    with store.session() as s:
        po = new_po(s, status=PoStatus.APPROVED, approved_on=date(2026, 7, 1),
                    created_on=date(2026, 7, 1))
        editing.edit_po(s, "PO-1", [("memo", "x")], ACTOR)
        workflow_steps.change_po_status(s, "PO-1", "approve", ACTOR)
        assert po.txn_date == date(2026, 7, 1)


def test_edits_are_checked_and_refused_whole(store):
    with store.session() as s:
        new_po(s)
        with pytest.raises(UserError, match="unknown supplier 'Nobody'"):
            editing.edit_po(s, "PO-1", [("memo", "kept?"), ("supplier", "Nobody")], ACTOR)
        with pytest.raises(UserError, match=r"qty × unit price is 10 × 15 = 150.00"):
            editing.edit_po(s, "PO-1", [("line.1.amount", "99")], ACTOR)
        with pytest.raises(UserError, match="there is no line 5"):
            editing.edit_po(s, "PO-1", [("line.5.amount", "99")], ACTOR)
        with pytest.raises(UserError, match="not an editable field"):
            editing.edit_po(s, "PO-1", [("colour", "red")], ACTOR)


def test_a_line_can_be_added_by_editing_the_next_line_number(store):
    with store.session() as s:
        po = new_po(s)
        editing.edit_po(s, "PO-1", [("line.3.account", "Utilities"), ("line.3.amount", "40")],
                        ACTOR)
        lines = s.exec(select(PoLine).where(PoLine.po_id == po.id)).all()
        assert len(lines) == 3 and po.total == Decimal("215.50")


@pytest.mark.parametrize("status", ["cancel", "close"])
def test_cancelled_and_closed_pos_refuse_edits(store, status):
    with store.session() as s:
        new_po(s, status=PoStatus.APPROVED)
        workflow_steps.change_po_status(s, "PO-1", status, ACTOR)
        with pytest.raises(UserError, match="cannot be edited"):
            editing.edit_po(s, "PO-1", [("memo", "late change")], ACTOR)


def test_unknown_documents_are_named(store):
    with store.session() as s, pytest.raises(UserError, match="no PO numbered 'PO-404'"):
        workflow_steps.change_po_status(s, "PO-404", "approve", ACTOR)


def make_invoice(s, po, status=InvoiceStatus.OUTSTANDING, issue=date(2026, 7, 10), **kw):
    return creating.create_invoice(
        s, number=kw.pop("number", "INV-1"), reference="A-100", supplier_id=po.supplier_id,
        issue_date=issue, po=po, status=status, actor=ACTOR,
        lines=kw.pop("lines", None) or [LineValues(
            account_id=account_by_name(s, "Supplies & Materials").id, qty=Decimal("4"),
            unit_price=Decimal("15"), po_line_no=1)], **kw)


def test_an_invoice_syncs_only_once_approved_and_stays_approved_after_edits(store):
    with store.session() as s:
        po = new_po(s, status=PoStatus.APPROVED)
        invoice = make_invoice(s, po)
        assert invoice.sync_state == "not_synced"
        workflow_steps.change_invoice_status(s, "INV-1", "approve", ACTOR)
        assert (invoice.status, invoice.sync_state) == ("approved", "queued")
        invoice.sync_state = "synced"
        editing.edit_invoice(s, "INV-1", [("reference", "A-101")], ACTOR)
        assert (invoice.status, invoice.sync_state) == ("approved", "queued")
        workflow_steps.change_invoice_status(s, "INV-1", "ready", ACTOR)
        assert invoice.status == "ready_to_pay"
        assert actions(s, DocKind.INVOICE, invoice) == [
            "created", "approved", "queued", "edited", "queued", "ready_to_pay"]


def test_several_invoices_may_bill_one_po_partially(store):
    with store.session() as s:
        po = new_po(s, status=PoStatus.APPROVED)
        first = make_invoice(s, po, number="INV-1")
        second = make_invoice(s, po, number="INV-2")
        assert first.po_id == second.po_id == po.id


def test_invoice_rules_on_dates_and_suppliers(store):
    with store.session() as s:
        po = new_po(s, status=PoStatus.APPROVED)
        with pytest.raises(FieldError, match="due date 2026-07-01 is before"):
            make_invoice(s, po, due_date=date(2026, 7, 1))
        other = supplier_by_name(s, "O'Brien & Sons").id
        with pytest.raises(FieldError, match="PO-1 is a PO of Acme Supply"):
            creating.create_invoice(s, number="INV-9", reference="X", supplier_id=other,
                             issue_date=date(2026, 7, 1), po=po, actor=ACTOR,
                             lines=[LineValues(account_id=1, amount=Decimal(1))])
        with pytest.raises(FieldError, match="PO-1 has no line 7"):
            make_invoice(s, po, lines=[LineValues(account_id=1, amount=Decimal(1),
                                                  po_line_no=7)])


def test_a_paid_invoice_cannot_be_edited(store):
    with store.session() as s:
        po = new_po(s, status=PoStatus.APPROVED)
        invoice = make_invoice(s, po)
        invoice.status = "paid"
        with pytest.raises(UserError, match="paid invoice cannot be edited"):
            editing.edit_invoice(s, "INV-1", [("memo", "x")], ACTOR)


def test_an_excluded_document_is_not_queued_by_approval(store):
    with store.session() as s:
        po = new_po(s)
        po.sync_state, po.excluded_reason = "excluded", "handled by hand"
        workflow_steps.change_po_status(s, "PO-1", "approve", ACTOR)
        assert po.sync_state == "excluded"
        assert actions(s, DocKind.PO, po)[-1] == "not_queued"


def test_no_change_edit_changes_nothing(store):
    with store.session() as s:
        po = new_po(s, status=PoStatus.APPROVED)
        result = editing.edit_po(s, "PO-1", [("line.2.amount", "25.50")], ACTOR)
        assert result.changes == [] and po.status == "approved" and po.revision == 1
        assert s.exec(select(PurchaseOrder)).one().status == "approved"


def test_a_po_sent_back_for_approval_is_no_longer_queued(store):
    with store.session() as s:
        po = new_po(s, status=PoStatus.APPROVED)
        assert po.sync_state == "queued"
        editing.edit_po(s, "PO-1", [("memo", "changed")], ACTOR)
        assert (po.status, po.sync_state) == ("pending", "not_synced")
        po.qbo_id = "77"
        workflow_steps.change_po_status(s, "PO-1", "override", ACTOR)
        editing.edit_po(s, "PO-1", [("memo", "again")], ACTOR)
        # already in QuickBooks: its state stays (QuickBooks holds an older copy)
        assert (po.status, po.sync_state) == ("pending", "queued")


def test_edit_refuses_fields_longer_than_quickbooks_takes_with_the_limit(store):
    from app.domain.qbo_limits import memo_max

    room = memo_max("PO-1", po=True)
    with store.session() as s:
        po = new_po(s)
        with pytest.raises(UserError, match=rf"PO-1: memo: too long: {room + 1} characters, and "
                                            rf"QuickBooks takes at most {room} for the memo"):
            editing.edit_po(s, "PO-1", [("memo", "m" * (room + 1))], ACTOR)
        with pytest.raises(UserError, match=r"line\.1\.description: too long: 4001 characters, "
                                            r"and QuickBooks takes at most 4000"):
            editing.edit_po(s, "PO-1", [("line.1.description", "d" * 4001)], ACTOR)
        assert po.memo is None
        editing.edit_po(s, "PO-1", [("memo", "m" * room), ("line.1.description", "d" * 4000)],
                        ACTOR)
        assert len(po.memo) == room


def test_edit_refuses_a_long_invoice_reference_or_memo_and_an_unknown_currency(store):
    from app.domain.qbo_limits import memo_max

    with store.session() as s:
        make_invoice(s, new_po(s, status=PoStatus.APPROVED))
        with pytest.raises(UserError, match="reference: too long: 22 characters, and "
                                            "QuickBooks takes at most 21"):
            editing.edit_invoice(s, "INV-1", [("reference", "R" * 22)], ACTOR)
        room = memo_max("INV-1", po=False)
        with pytest.raises(UserError, match=f"takes at most {room} for the memo"):
            editing.edit_invoice(s, "INV-1", [("memo", "m" * (room + 1))], ACTOR)
        for code in ("XYZ", "usd1"):
            with pytest.raises(UserError, match="not an ISO 4217 currency code"):
                editing.edit_po(s, "PO-1", [("currency", code)], ACTOR)
        with pytest.raises(UserError, match="decimal comma"):
            editing.edit_po(s, "PO-1", [("line.2.amount", "1.234,50")], ACTOR)


def test_the_history_says_edited_fields_in_words_and_keeps_their_keys(store):
    with store.session() as s:
        set_setting(s, "enable_po_date_editing", "on")
        po = new_po(s, status=PoStatus.APPROVED)
        s.flush()
        editing.edit_po(s, "PO-1", [("po_date", "2026-06-01"), ("line.2.account", "Utilities"),
                                    ("line.1.unit_price", "16")], ACTOR)
        edited = next(e for e in events_for(s, DocKind.PO, po.id) if e.action == "edited")
        assert edited.summary == ("Edited PO date, line 2 account, line 1 unit price, "
                                  "line 1 amount")
        assert [c["field"] for c in edited.detail["changes"]] == [
            "po_date", "line.2.account", "line.1.unit_price", "line.1.amount"]


def test_a_new_line_without_account_or_item_takes_the_default_expense_account(store):
    with pytest.raises(FieldError, match="needs an account or an item"), store.session() as s:
        new_po(s, "PO-77", lines=[LineValues(description="Gloves", amount=Decimal("9"))])
    with store.session() as s:
        set_setting(s, "default_expense_account", "Utilities")
        po = new_po(s, "PO-77", lines=[LineValues(description="Gloves", amount=Decimal("9"))])
        line = s.exec(select(PoLine).where(PoLine.po_id == po.id)).one()
        assert line.account_id == account_by_name(s, "Utilities").id
