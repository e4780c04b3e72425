"""An invoice dated before the PO it bills: date the invoice on or after the PO, or
backdate the PO (QuickBooks' PO first, when it is there), then send them again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from app.domain.states import DocKind, PoStatus
from app.errors import UserError
from app.operations.lookup import find_invoice
from app.operations.settings import get_setting
from app.store.models import PurchaseOrder
from app.sync.fixes import document_steps as steps
from app.sync.fixes import qbo_documents as qd
from app.sync.fixes.base import (
    Change,
    Choices,
    FixContext,
    Input,
    InputError,
    Option,
    Plan,
    Side,
    Target,
)

FIX = "fix_bill_date"
EDITABLE = (PoStatus.DRAFT.value, PoStatus.PENDING.value, PoStatus.APPROVED.value)


def _documents(ctx: FixContext, target: Target) -> tuple[date, PurchaseOrder, bool]:
    """The invoice's date, its PO, and whether PO dates may be set now."""
    with ctx.session() as session:
        invoice = find_invoice(session, target.number)
        po = session.get(PurchaseOrder, invoice.po_id) if invoice.po_id else None
        if po is None:
            raise UserError(f"{invoice.number} bills no PO any more; send it again (Resend).")
        session.expunge(po)
        return invoice.issue_date, po, bool(get_setting(session, steps.PO_DATES))


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    target = steps.one_target(targets)
    invoice_date, po, po_dates_on = _documents(ctx, target)
    early = (po.txn_date - invoice_date).days
    record = [(f"{target.number} invoice date", invoice_date.isoformat()),
              (f"{po.number} date in SyncDesk", po.txn_date.isoformat())]
    in_qbo = steps.qbo_record(ctx, DocKind.PO, po)
    if in_qbo is not None:
        record.append((f"{po.number} in QuickBooks", f"PurchaseOrder {po.qbo_id}, dated "
                       f"{str(in_qbo.get('TxnDate', ''))[:10]}"))
    options = [Option(
        "move_invoice_date", "Date the invoice on or after the PO",
        f"Choose this when the invoice's date was typed in wrong or may follow the PO: the "
        f"invoice gets the PO's date ({po.txn_date}) or a later one you give.",
        recommended=True,
        inputs=(Input("invoice_date", "Invoice date", po.txn_date.isoformat(),
                      help=f"On or after {po.txn_date} (YYYY-MM-DD)"),))]
    if po.status in EDITABLE:
        inputs = [Input("po_date", f"{po.number} date", invoice_date.isoformat(),
                        help=f"On or before the invoice's date, {invoice_date} (YYYY-MM-DD)")]
        why = (f"Choose this when the order was really placed before the invoice: {po.number} "
               f"gets the invoice's date or an earlier one"
               + (", first in QuickBooks, then in SyncDesk" if po.qbo_id else "") + ".")
        if not po_dates_on:
            inputs.append(steps.po_dates_input())
            why += " PO-date editing is off for the company: this turns it on, if you agree."
        options.append(Option("backdate_po", f"Backdate {po.number}", why,
                              inputs=tuple(inputs)))
    summary = (f"{target.number} is dated {invoice_date}, {early} day{'s' * (early != 1)} "
               f"before {po.number} ({po.txn_date}), the PO it bills. QuickBooks refuses a bill "
               "dated before its purchase order.")
    return Choices(FIX, summary, tuple(options), tuple(record))


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    target = steps.one_target(targets)
    if option.name == "move_invoice_date":
        return _plan_invoice(ctx, target, option, inputs)
    if option.name == "backdate_po":
        return _plan_po(ctx, target, option, inputs)
    raise UserError(f"'{option.name}' is not a way to fix this.")


def _plan_invoice(ctx: FixContext, target: Target, option: Option,
                  inputs: Mapping[str, str]) -> Plan:
    _, po, _ = _documents(ctx, target)
    new = steps.parse_date_input("invoice_date", inputs.get("invoice_date", ""))
    if new < po.txn_date:
        raise InputError({"invoice_date": f"{new} is still before {po.number} "
                                          f"({po.txn_date}); give that date or a later one"})
    closed = steps.closed_books(ctx, new)
    if closed is not None:
        raise InputError({"invoice_date": f"QuickBooks' books are closed up to {closed}; "
                                          "give a later date"})
    with ctx.session() as session:
        invoice = find_invoice(session, target.number)
        old, due, qbo_id = invoice.issue_date, invoice.due_date, invoice.qbo_id
    changes = [Change(Side.SYNCDESK, f"{target.number} invoice date", old.isoformat(),
                      new.isoformat())]
    new_due = None
    if due is not None and due < new:  # keep the same payment terms
        new_due = new + (due - old if due >= old else timedelta(0))
        changes.append(Change(Side.SYNCDESK, f"{target.number} due date", due.isoformat(),
                              new_due.isoformat()))
    changes.append(Change(Side.QUICKBOOKS, f"Bill {qbo_id} date" if qbo_id else
                          f"Bill of {target.number} (made by the resend)",
                          old.isoformat() if qbo_id else None, new.isoformat()))
    return Plan(FIX, option.name, (target,), tuple(qd.belonging(target.number, changes)),
                dict(inputs), resend=((DocKind.INVOICE, target.number),),
                data={"invoice": target.number, "invoice_date": new.isoformat(),
                      "due_date": new_due.isoformat() if new_due else None})


def _plan_po(ctx: FixContext, target: Target, option: Option,
             inputs: Mapping[str, str]) -> Plan:
    invoice_date, po, po_dates_on = _documents(ctx, target)
    new = steps.parse_date_input("po_date", inputs.get("po_date", ""))
    errors: dict[str, str] = {}
    if new > invoice_date:
        errors["po_date"] = (f"{new} is after the invoice's date ({invoice_date}); give that "
                             "date or an earlier one")
    elif (closed := steps.closed_books(ctx, new)) is not None:
        errors["po_date"] = f"QuickBooks' books are closed up to {closed}; give a later date"
    turn_on = not po_dates_on
    changes: list[Change] = [steps.po_dates_consent(inputs, errors)] if turn_on else []
    if po.status not in EDITABLE:
        raise UserError(f"{po.number} is {po.status}; its date cannot change. Date the invoice "
                        "instead.")
    if errors:
        raise InputError(errors)
    in_qbo = steps.qbo_record(ctx, DocKind.PO, po)
    if po.qbo_id:
        old_qbo = str(in_qbo.get("TxnDate", ""))[:10] if in_qbo else po.txn_date.isoformat()
        changes.append(Change(Side.QUICKBOOKS, f"PurchaseOrder {po.qbo_id} ({po.number}) date",
                              old_qbo, new.isoformat(), po.number))
    changes.append(Change(Side.SYNCDESK, f"{po.number} PO date",
                          po.po_date.isoformat() if po.po_date else
                          f"(none: QuickBooks gets {po.txn_date})", new.isoformat(), po.number))
    with ctx.session() as session:
        approval = steps.reapproval_change(session, DocKind.PO, po)
    if approval is not None:
        changes.append(approval)
    changes.append(Change(Side.QUICKBOOKS, f"Bill of {target.number} (made by the resend)",
                          None, f"dated {invoice_date}, billing {po.number}", target.number))
    note = "PO-date editing stays on for the company afterwards." if turn_on else ""
    return Plan(FIX, option.name, (target,), tuple(changes), dict(inputs),
                resend=((DocKind.PO, po.number), (DocKind.INVOICE, target.number)),
                data={"po": po.number, "po_qbo_id": po.qbo_id, "po_date": new.isoformat(),
                      "turn_on": turn_on}, note=note)


def apply(ctx: FixContext, plan: Plan) -> list[Change] | None:
    data = plan.data
    if plan.option == "move_invoice_date":
        pairs = [("issue_date", data["invoice_date"])]
        if data.get("due_date"):  # both are set before the dates are checked together
            pairs.append(("due_date", data["due_date"]))
        with ctx.session() as session:
            steps.edit(session, DocKind.INVOICE, data["invoice"], pairs, ctx.actor)
        return None
    when = date.fromisoformat(data["po_date"])
    skipped: set[str] = set()  # the steps found done already
    if data.get("po_qbo_id") and not steps.set_qbo_date(  # QuickBooks first: the bill goes
            ctx.need_client(), DocKind.PO, data["po_qbo_id"], when):  # against its date
        skipped.add(f"PurchaseOrder {data['po_qbo_id']} ({data['po']}) date")
    with ctx.session() as session:
        if data.get("turn_on") and not steps.turn_on_po_dates(session, ctx.actor):
            skipped.add(steps.PO_DATES_CHANGE)
        steps.edit(session, DocKind.PO, data["po"], [("po_date", data["po_date"])], ctx.actor)
    return [c for c in plan.changes if c.what not in skipped]
