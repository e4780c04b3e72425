"""QuickBooks took the bill but left out its link to the PO (some lines, or all).

Relink: the bill is updated so its lines link to the PO's lines again (QuickBooks takes a
link only on a new line, so the lines that lost it go as new lines carrying it; the lines
that kept theirs repeat it: ``mapping.bill_update``). Recreate: the bill is deleted in
QuickBooks and made again from SyncDesk's copy, with its links (not for a bill with
payments against it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.money import format_money
from app.domain.states import DocKind
from app.errors import UserError
from app.store.models import Invoice, PoLine, PurchaseOrder
from app.sync.fixes import qbo_documents as qd
from app.sync.fixes.base import Change, Choices, FixContext, Option, Plan, Side, Target

FIX = "relink_bill"
RELINK, RECREATE = "relink", "recreate"


def _facts(ctx: FixContext, target: Target) -> dict[str, Any]:
    with ctx.session() as s:
        inv = qd.load(s, target)
        assert isinstance(inv, Invoice)
        po = s.get(PurchaseOrder, inv.po_id) if inv.po_id else None
        if po is None:
            raise UserError(f"Invoice {inv.number} bills no PO any more: send it again "
                            "(Resend) and it goes without a link.")
        po_lines = {line.id: line for line in qd.lines_of(s, DocKind.PO, po.id or 0)
                    if isinstance(line, PoLine)}
        lines = [(line.line_no, line.description, line.amount,
                  po_lines[line.po_line_id].line_no
                  if getattr(line, "po_line_id", None) in po_lines else None)
                 for line in qd.lines_of(s, DocKind.INVOICE, target.id)]
        return {"number": inv.number, "bill_id": str(target.problem.facts.get("bill_id")
                                                     or inv.qbo_id or ""),
                "po": po.number, "po_qbo_id": po.qbo_id,
                "po_lines": [(line.line_no, line.description, line.amount, line.qbo_line_id)
                             for line in po_lines.values()],
                "lines": lines, "dropped": list(target.problem.facts.get("lines") or [])}


def _bill(ctx: FixContext, facts: dict[str, Any]) -> dict[str, Any] | None:
    if ctx.client is None or not facts["bill_id"]:
        return None
    return qd.read_or_none(ctx.client, "Bill", facts["bill_id"])


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    target = targets[0]
    facts = _facts(ctx, target)
    bill = _bill(ctx, facts)
    record: list[tuple[str, str]] = [
        (f"{facts['po']} line {n}", ", ".join(p for p in (text, format_money(amount)) if p))
        for n, text, amount, _ in sorted(facts["po_lines"])]
    for n, text, amount, po_line in facts["lines"]:
        linked = "not linked in QuickBooks" if n in facts["dropped"] else (
            f"linked to {facts['po']} line {po_line}" if po_line else "bills no PO line")
        record.append((f"Invoice line {n}", ", ".join(
            p for p in (text, format_money(amount), linked) if p)))
    if bill is not None:
        record.append((f"Bill {bill['Id']} in QuickBooks", qd.their_lines_text(bill)))
    dropped = ", ".join(str(n) for n in facts["dropped"]) or "some lines"
    options = [Option(RELINK, f"Link the bill to {facts['po']} again",
                      f"SyncDesk updates bill {facts['bill_id']} so that its lines link "
                      f"to {facts['po']}'s lines; the bill stays, with its id.", True)]
    paid = bill is not None and qd.money(bill.get("Balance")) != qd.money(bill.get("TotalAmt"))
    options.append(Option(RECREATE, "Delete the bill in QuickBooks and make it again",
                          "When linking again does not take: SyncDesk deletes bill "
                          f"{facts['bill_id']} and creates it anew, linked."
                          + (" Not possible: payments are recorded against it." if paid
                             else "")))
    return Choices(FIX, f"QuickBooks took invoice {facts['number']} as bill "
                   f"{facts['bill_id']} but left out its link to {facts['po']} on line(s) "
                   f"{dropped}, so {facts['po']} does not show it as billed.",
                   tuple(options), tuple(record))


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    target = targets[0]
    facts = _facts(ctx, target)
    bill_id, po = facts["bill_id"], facts["po"]
    links = [Change(Side.QUICKBOOKS, f"Bill {bill_id if option.name == RELINK else '(new)'} "
                    f"line {n}", "not linked" if option.name == RELINK else None,
                    f"linked to {po} line {po_line}")
             for n, _, _, po_line in facts["lines"] if po_line and (
                 n in facts["dropped"] or option.name == RECREATE)]
    if option.name == RELINK:
        return Plan(FIX, option.name, targets, tuple(qd.belonging(target.number, links)),
                    dict(inputs), (target.ref,))
    bill = _bill(ctx, facts)
    if bill is not None and qd.money(bill.get("Balance")) != qd.money(bill.get("TotalAmt")):
        raise UserError(f"Bill {bill_id} has payments recorded against it in QuickBooks, so "
                        "SyncDesk does not delete it; link it again instead.")
    changes = [Change(Side.QUICKBOOKS, f"Bill {bill_id}", "in QuickBooks, without its link",
                      "deleted"),
               Change(Side.QUICKBOOKS, f"Bill for invoice {facts['number']}", None,
                      "a new bill from SyncDesk's copy"), *links,
               Change(Side.SYNCDESK, f"Invoice {facts['number']}'s bill in QuickBooks",
                      f"Bill {bill_id}", "the new bill")]
    return Plan(FIX, option.name, targets, tuple(qd.belonging(target.number, changes)),
                dict(inputs), (target.ref,), {"bill_id": bill_id})


def apply(ctx: FixContext, plan: Plan) -> None:
    """Relink: nothing beforehand (the resend's update links the lines). Recreate: delete
    the bill (unless QuickBooks no longer has it), then forget it here; the resend creates
    the new one."""
    if plan.option != RECREATE:
        return
    target, bill_id = plan.targets[0], plan.data["bill_id"]
    client = ctx.need_client()
    if qd.read_or_none(client, "Bill", bill_id) is not None:
        client.delete("Bill", bill_id)
    with ctx.session() as s:
        doc = qd.load(s, target)
        if doc.qbo_id == bill_id:
            qd.forget_qbo_copy(s, DocKind.INVOICE, doc)
