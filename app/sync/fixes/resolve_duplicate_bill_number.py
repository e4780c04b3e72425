"""The supplier already has a bill with this invoice's number in QuickBooks.

Either it is the same bill (entered in QuickBooks by hand, say): SyncDesk links the
invoice to it, making no new bill, and sends its copy onto it (its mark, its link to the
PO), so that the next pull sees no difference; or it is a different bill: the
invoice gets another supplier's number, free for that vendor in QuickBooks, and goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.money import format_money
from app.domain.qbo_limits import DOC_NUMBER_MAX
from app.domain.states import DocKind, SyncState
from app.errors import UserError
from app.operations import fields
from app.operations.editing import edit_invoice
from app.store.models import Invoice, PurchaseOrder
from app.sync.fixes import qbo_documents as qd
from app.sync.fixes.base import (
    Change,
    Choices,
    FixContext,
    FixFailed,
    Input,
    InputError,
    Option,
    Plan,
    Side,
    Target,
)

FIX = "resolve_duplicate_bill_number"
SAME, RENUMBER, RESEND = "same_bill", "renumber", "resend"


def _invoice(ctx: FixContext, target: Target) -> dict[str, Any]:
    """What the fix needs of the invoice, read once."""
    with ctx.session() as s:
        row = qd.load(s, target)
        assert isinstance(row, Invoice)
        lines = qd.lines_of(s, DocKind.INVOICE, target.id)
        po = s.get(PurchaseOrder, row.po_id) if row.po_id else None
        return {"number": row.number, "reference": row.reference or row.number,
                "date": row.issue_date.isoformat(), "total": row.total,
                "lines": qd.our_lines_text(lines), "line_count": len(lines),
                "vendor": qd.vendor_of(s, row.supplier_id), "qbo_id": row.qbo_id,
                "po": po.number if po is not None else None}


def _existing(ctx: FixContext, target: Target, inv: dict[str, Any]) -> dict[str, Any] | None:
    """The other bill of the vendor with this number, as QuickBooks holds it now (from the
    problem's facts when SyncDesk is not connected)."""
    facts = target.problem.facts
    if ctx.client is not None and inv["vendor"]:
        found = [b for b in qd.bills_of(ctx.client, inv["vendor"], inv["reference"])
                 if str(b.get("Id")) != inv["qbo_id"]]
        found.sort(key=lambda b: str(b.get("Id")) != str(facts.get("existing_bill_id")))
        return found[0] if found else None
    if facts.get("existing_bill_id"):
        return {"Id": facts["existing_bill_id"], "DocNumber": inv["reference"],
                "TxnDate": facts.get("existing_date"), "TotalAmt": facts.get("existing_total")}
    return None


def _matches(inv: dict[str, Any], bill: dict[str, Any]) -> bool:
    return str(bill.get("TxnDate") or "")[:10] == inv["date"] and \
        qd.money(bill.get("TotalAmt")) == inv["total"]


def _suggest(inv: dict[str, Any], taken: set[str]) -> str:
    base = inv["reference"]
    for n in range(2, 100):
        suffix = f"-{n}"
        candidate = base[:DOC_NUMBER_MAX - len(suffix)] + suffix
        if candidate.casefold() not in taken:
            return candidate
    return base[:DOC_NUMBER_MAX - 4] + "-new"


def _taken(ctx: FixContext, inv: dict[str, Any]) -> set[str]:
    """The bill numbers the vendor already uses in QuickBooks."""
    if ctx.client is None or not inv["vendor"]:
        return {inv["reference"].casefold()}
    return {str(b.get("DocNumber") or "").casefold()
            for b in qd.bills_of(ctx.client, inv["vendor"])} | {inv["reference"].casefold()}


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    target = targets[0]
    inv = _invoice(ctx, target)
    bill = _existing(ctx, target, inv)
    ours = (("This invoice", f"{inv['number']}, supplier's number {inv['reference']}"),
            ("Invoice date", inv["date"]), ("Invoice total", format_money(inv["total"])),
            ("Invoice lines", inv["lines"]))
    if bill is None:
        return Choices(FIX, f"QuickBooks no longer holds another bill numbered "
                       f"{inv['reference']} for {target.supplier}: the invoice can go as it "
                       "is.", (Option(RESEND, "Send the invoice again",
                                      "Nothing stands in its way any more.", True),), ours)
    record = (("Bill in QuickBooks", f"Bill {bill.get('Id')}, number {bill.get('DocNumber')}"),
              ("Bill date", str(bill.get("TxnDate") or "(none)")[:10]),
              ("Bill total", qd.money_text(bill.get("TotalAmt"))),
              ("Bill lines", qd.their_lines_text(bill) if bill.get("Line") else "(not read)"),
              *ours)
    same = _matches(inv, bill)
    link = Option(SAME, "It is the same bill: link the invoice to it",
                  "Choose this when the bill in QuickBooks is this very invoice (entered there "
                  "by hand, say). SyncDesk takes it as this invoice's bill and makes no new "
                  "one." + (" Its date and total match the invoice's." if same else
                            " Careful: its date or total differ from the invoice's."), same)
    suggested = _suggest(inv, _taken(ctx, inv))
    renumber = Option(RENUMBER, "It is a different bill: give this invoice another number",
                      "Choose this when the supplier really sent two bills with the same "
                      "number. The invoice gets a number no other bill of "
                      f"{target.supplier} has in QuickBooks, and goes as a new bill."
                      + ("" if same else " Recommended: the date or total differ."),
                      not same,
                      (Input("reference", "Supplier's invoice number", suggested,
                             help=f"At most {DOC_NUMBER_MAX} characters, and not used by "
                             f"another bill of {target.supplier} in QuickBooks"),))
    options = (link, renumber) if same else (renumber, link)
    return Choices(FIX, f"{target.supplier} already has a bill numbered {inv['reference']} in "
                   f"QuickBooks, so SyncDesk did not send invoice {inv['number']} as a second "
                   "one. Is that bill this invoice, or a different one?", options, record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    target = targets[0]
    inv = _invoice(ctx, target)
    what = f"Invoice {inv['number']}"
    if option.name == RESEND:
        return Plan(FIX, option.name, targets, (
            Change(Side.QUICKBOOKS, f"Bill {inv['reference']} for {target.supplier}", None,
                   f"a new bill dated {inv['date']}, total {format_money(inv['total'])}"),),
            dict(inputs), ((DocKind.INVOICE, inv["number"]),))
    bill = _existing(ctx, target, inv)
    if option.name == SAME:
        if bill is None:
            raise UserError(f"QuickBooks no longer holds a bill numbered {inv['reference']} "
                            f"for {target.supplier}; send the invoice again instead.")
        where = f"Bill {bill.get('Id')} in QuickBooks"
        changes = [Change(Side.SYNCDESK, f"{what}'s bill in QuickBooks", None,
                          f"Bill {bill.get('Id')} (already there)")]
        their_date = str(bill.get("TxnDate") or "")[:10]
        if their_date != inv["date"]:
            changes.append(Change(Side.QUICKBOOKS, f"{where}: date", their_date or None,
                                  inv["date"]))
        if qd.money(bill.get("TotalAmt")) != inv["total"]:
            changes.append(Change(Side.QUICKBOOKS, f"{where}: total",
                                  qd.money_text(bill.get("TotalAmt")),
                                  format_money(inv["total"])))
        if bill.get("Line"):
            changes.append(Change(Side.QUICKBOOKS, f"{where}: lines", qd.their_lines_text(bill),
                                  inv["lines"] + (f" (linked to {inv['po']})" if inv["po"]
                                                  else "")))
        changes.append(Change(Side.QUICKBOOKS, f"{where}: note",
                              str(bill.get("PrivateNote") or "") or None,
                              f"SyncDesk's mark for {inv['number']}"))
        return Plan(FIX, option.name, targets, tuple(changes), dict(inputs),
                    ((DocKind.INVOICE, inv["number"]),),
                    {"bill_id": str(bill.get("Id")), "vendor": inv["vendor"],
                     "doc_number": inv["reference"]},
                    f"No new bill is made: SyncDesk takes bill {bill.get('Id')} as "
                    f"{inv['number']}'s and brings it in line with SyncDesk's copy.")
    new = _checked_number(ctx, target, inv, inputs.get("reference", ""))
    link = f", linked to {inv['po']}" if inv["po"] else ""
    return Plan(FIX, option.name, targets, (
        Change(Side.SYNCDESK, f"{what}'s supplier's number", inv["reference"], new),
        Change(Side.QUICKBOOKS, f"Bill {new} for {target.supplier}", None,
               f"a new bill dated {inv['date']}, total {format_money(inv['total'])}{link}")),
        {"reference": new}, ((DocKind.INVOICE, inv["number"]),), {"reference": new})


def _checked_number(ctx: FixContext, target: Target, inv: dict[str, Any], text: str) -> str:
    try:
        new = fields.reference_text(text)
    except fields.FieldError as exc:
        raise InputError({"reference": str(exc)}) from None
    if new.casefold() == inv["reference"].casefold():
        raise InputError({"reference": "that is the number already in use; give another"})
    if ctx.client is not None and inv["vendor"] and \
            qd.bills_of(ctx.client, inv["vendor"], new):
        raise InputError({"reference": f"{target.supplier} already has a bill numbered {new} "
                          "in QuickBooks too"})
    return new


def apply(ctx: FixContext, plan: Plan) -> None:
    target = plan.targets[0]
    if plan.option == RENUMBER:
        with ctx.session() as s:
            row = qd.load(s, target)
            assert isinstance(row, Invoice)
            if row.reference != plan.data["reference"]:
                edit_invoice(s, row.number, [("reference", plan.data["reference"])], ctx.actor)
        return
    if plan.option != SAME:
        return
    bill = ctx.need_client().read("Bill", plan.data["bill_id"])
    if str((bill.get("VendorRef") or {}).get("value")) != plan.data["vendor"] or \
            str(bill.get("DocNumber")) != plan.data["doc_number"]:
        raise FixFailed(f"Bill {plan.data['bill_id']} in QuickBooks is no longer "
                        f"{target.supplier}'s bill {plan.data['doc_number']}; nothing was "
                        "linked. Open the fix again to see where things stand.")
    with ctx.session() as s:
        row = qd.load(s, target)
        row.qbo_id = str(bill["Id"])
        row.qbo_sync_token = str(bill.get("SyncToken", ""))
        balance = qd.money(bill.get("Balance"))
        row.qbo_status = None if balance is None else ("Paid" if balance == 0 else "Open")
        row.pending_request_id = row.pending_revision = None
        qd.clear_problem(row, SyncState.QUEUED)  # the resend brings the bill in line
        for line, theirs in zip(qd.lines_of(s, DocKind.INVOICE, target.id), qd.qbo_lines(bill),
                                strict=False):
            line.qbo_line_id = str(theirs.get("Id")) if theirs.get("Id") else None
            s.add(line)
        s.add(row)
