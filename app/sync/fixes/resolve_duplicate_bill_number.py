"""The supplier already has a bill with this invoice's number in QuickBooks.

Either it is the same bill (entered in QuickBooks by hand, say), and SyncDesk links the
invoice to it, making no new bill:

- ``same_bill``: SyncDesk's copy takes QuickBooks' values (date, due date, lines, what
  is paid) through the editing operations, so its history says old → new; nothing is
  written to QuickBooks and the invoice is Synced at once. Always possible: the way for
  a bill that is paid or dated in QuickBooks' closed books, which SyncDesk never changes.
- ``same_bill_send``: SyncDesk sends its copy onto the bill (its mark, its PO links);
  offered only when the bill can take it (nothing paid, not in the closed books).

Or it is a different bill (``renumber``): the invoice gets another supplier's number,
free for that vendor in QuickBooks, and goes as a new bill.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from app.domain.events import Event
from app.domain.money import format_money, format_quantity
from app.domain.qbo_limits import DOC_NUMBER_MAX
from app.domain.states import DocKind, InvoiceStatus, SyncState
from app.errors import UserError
from app.operations import fields
from app.operations.editing import edit_invoice
from app.operations.history import record
from app.store.models import Account, Invoice, InvoiceLine, Item, PoLine, PurchaseOrder
from app.store.types import utcnow
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
SAME, SEND, RENUMBER, RESEND = "same_bill", "same_bill_send", "renumber", "resend"


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
                "po": po.number if po is not None else None,
                "due": row.due_date.isoformat() if row.due_date else None,
                "state": row.sync_state}


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


def _paid(bill: dict[str, Any]) -> Decimal:
    """What is paid of the bill in QuickBooks (its total less its balance)."""
    total, balance = qd.money(bill.get("TotalAmt")), qd.money(bill.get("Balance"))
    if total is None or balance is None:
        return Decimal("0.00")
    return max(Decimal("0.00"), total - balance)


def _untouchable(ctx: FixContext, bill: dict[str, Any]) -> list[str]:
    """Why SyncDesk must not write onto the bill (paid, or in the closed books), in words."""
    why: list[str] = []
    paid = _paid(bill)
    if paid or any(link.get("TxnType") == "BillPayment" for link in bill.get("LinkedTxn") or []):
        why.append(f"it is paid ({format_money(paid)} of {qd.money_text(bill.get('TotalAmt'))})"
                   if paid else "payments are linked to it")
    when = str(bill.get("TxnDate") or "")[:10]
    closing = ctx.lists().closing_date
    if closing is not None and when and when <= closing.isoformat():
        why.append(f"it is dated {when}, in QuickBooks' closed books (closed up to {closing})")
    return why


def _bill_words(bill: dict[str, Any]) -> str:
    return f"Bill {bill.get('Id')}"


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
    untouchable = _untouchable(ctx, bill)
    record = (("Bill in QuickBooks", f"Bill {bill.get('Id')}, number {bill.get('DocNumber')}"),
              ("Bill date", str(bill.get("TxnDate") or "(none)")[:10]),
              ("Bill total", qd.money_text(bill.get("TotalAmt"))),
              ("Bill paid", format_money(_paid(bill))),
              ("Bill lines", qd.their_lines_text(bill) if bill.get("Line") else "(not read)"),
              *ours)
    same = _matches(inv, bill)
    send_better = same and not untouchable and inv["po"] is not None
    take = Option(SAME, "It is the same bill: link it and take QuickBooks' values",
                  "Choose this when the bill in QuickBooks is this very invoice (entered there "
                  "by hand, say). SyncDesk links the invoice to it and its copy takes the "
                  "bill's date, lines and payments (its history records each); QuickBooks is "
                  "not changed." + (" Its date and total match the invoice's." if same else
                                    " Careful: its date or total differ from the invoice's."),
                  same and not send_better)
    renumber = Option(RENUMBER, "It is a different bill: give this invoice another number",
                      "Choose this when the supplier really sent two bills with the same "
                      "number. The invoice gets a number no other bill of "
                      f"{target.supplier} has in QuickBooks, and goes as a new bill."
                      + ("" if same else " Recommended: the date or total differ."),
                      not same,
                      (Input("reference", "Supplier's invoice number",
                             _suggest(inv, _taken(ctx, inv)),
                             help=f"At most {DOC_NUMBER_MAX} characters, and not used by "
                             f"another bill of {target.supplier} in QuickBooks"),))
    options = [take, renumber] if same else [renumber, take]
    if not untouchable:
        send = Option(SEND, "It is the same bill: link it and send SyncDesk's copy onto it",
                      "Choose this when the bill is this invoice but SyncDesk's copy is the "
                      "right one: the bill takes SyncDesk's date, lines"
                      + (f" and links to {inv['po']}" if inv["po"] else "") + ".",
                      send_better)
        options.insert(0 if send_better else len(options), send)
    summary = (f"{target.supplier} already has a bill numbered {inv['reference']} in "
               f"QuickBooks, so SyncDesk did not send invoice {inv['number']} as a second "
               "one. Is that bill this invoice, or a different one?")
    if untouchable:
        summary += (f" SyncDesk will not change {_bill_words(bill)}: "
                    + " and ".join(untouchable) + ".")
    return Choices(FIX, summary, tuple(options), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    target = targets[0]
    inv = _invoice(ctx, target)
    what, number = f"Invoice {inv['number']}", inv["number"]
    resend = ((DocKind.INVOICE, number),)
    if option.name == RESEND:
        return Plan(FIX, option.name, targets, (
            Change(Side.QUICKBOOKS, f"Bill {inv['reference']} for {target.supplier}", None,
                   f"a new bill dated {inv['date']}, total {format_money(inv['total'])}",
                   number),), dict(inputs), resend)
    if option.name == RENUMBER:
        new = _checked_number(ctx, target, inv, inputs.get("reference", ""))
        link = f", linked to {inv['po']}" if inv["po"] else ""
        return Plan(FIX, option.name, targets, (
            Change(Side.SYNCDESK, f"{what}'s supplier's number", inv["reference"], new, number),
            Change(Side.QUICKBOOKS, f"Bill {new} for {target.supplier}", None,
                   f"a new bill dated {inv['date']}, total {format_money(inv['total'])}{link}",
                   number)), {"reference": new}, resend, {"reference": new})
    bill = _existing(ctx, target, inv)
    if bill is None:
        raise UserError(f"QuickBooks no longer holds a bill numbered {inv['reference']} "
                        f"for {target.supplier}; send the invoice again instead.")
    if ctx.client is not None and not bill.get("Line"):
        bill = ctx.client.read("Bill", str(bill["Id"]))
    data = {"bill_id": str(bill.get("Id")), "vendor": inv["vendor"],
            "doc_number": inv["reference"], "sync_token": str(bill.get("SyncToken", ""))}
    linked = Change(Side.SYNCDESK, f"{what}'s bill in QuickBooks", None,
                    f"Bill {bill.get('Id')} (already there)", number)
    if option.name == SAME:
        return _plan_take(ctx, targets, option, inputs, inv, bill, linked, data)
    if option.name != SEND:
        raise UserError(f"'{option.name}' is not a way to fix this.")
    untouchable = _untouchable(ctx, bill)
    if untouchable:
        raise UserError(f"SyncDesk will not change {_bill_words(bill)} in QuickBooks: "
                        + " and ".join(untouchable) + ". Link it and take QuickBooks' values "
                        "instead (the same-bill way that writes nothing to QuickBooks).")
    where = f"Bill {bill.get('Id')} in QuickBooks"
    changes = [linked]
    their_date = str(bill.get("TxnDate") or "")[:10]
    if their_date != inv["date"]:
        changes.append(Change(Side.QUICKBOOKS, f"{where}: date", their_date or None,
                              inv["date"], number))
    if qd.money(bill.get("TotalAmt")) != inv["total"]:
        changes.append(Change(Side.QUICKBOOKS, f"{where}: total",
                              qd.money_text(bill.get("TotalAmt")), format_money(inv["total"]),
                              number))
    if bill.get("Line"):
        changes.append(Change(Side.QUICKBOOKS, f"{where}: lines", qd.their_lines_text(bill),
                              inv["lines"] + (f" (linked to {inv['po']})" if inv["po"]
                                              else ""), number))
    changes.append(Change(Side.QUICKBOOKS, f"{where}: note",
                          str(bill.get("PrivateNote") or "") or None,
                          f"SyncDesk's mark for {number}", number))
    return Plan(FIX, option.name, targets, tuple(changes), dict(inputs), resend, data,
                f"No new bill is made: SyncDesk takes bill {bill.get('Id')} as "
                f"{number}'s and brings it in line with SyncDesk's copy.")


# --- taking QuickBooks' values --------------------------------------------------------


def _local(s: Session, model: type[Account] | type[Item], ref: dict[str, Any] | None,
           words: str) -> str:
    """SyncDesk's name of the account or item QuickBooks' ``ref`` points at."""
    ref = ref or {}
    row = s.exec(select(model).where(model.qbo_id == str(ref.get("value")))).first()
    if row is None:
        raise UserError(f"QuickBooks' {words} '{ref.get('name') or ref.get('value')}' on the "
                        f"bill is not in SyncDesk's lists yet; sync, then try again.")
    return row.name


def _their_line(s: Session, n: int, line: dict[str, Any], po: PurchaseOrder | None
                ) -> list[tuple[str, str]]:
    """The edits that give SyncDesk's line ``n`` QuickBooks' line ``line``."""
    detail_type = str(line.get("DetailType") or "")
    detail = line.get(detail_type) or {}
    pairs = [(f"line.{n}.description", str(line.get("Description") or ""))]
    if detail_type == "ItemBasedExpenseLineDetail":
        pairs.append((f"line.{n}.item", _local(s, Item, detail.get("ItemRef"), "item")))
        if detail.get("Qty") is not None and detail.get("UnitPrice") is not None:
            pairs += [(f"line.{n}.qty", format_quantity(Decimal(str(detail["Qty"])))),
                      (f"line.{n}.unit_price",
                       format_quantity(Decimal(str(detail["UnitPrice"]))))]
    else:
        pairs.append((f"line.{n}.account",
                      _local(s, Account, detail.get("AccountRef"), "account")))
    pairs.append((f"line.{n}.amount", str(qd.money(line.get("Amount")) or "0.00")))
    if po is not None:  # the bill's own link to the PO, or none
        held = [str(link.get("TxnLineId")) for link in line.get("LinkedTxn") or []
                if link.get("TxnType") == "PurchaseOrder" and str(link.get("TxnId")) == po.qbo_id]
        po_line = s.exec(select(PoLine).where(PoLine.po_id == po.id,
                                              PoLine.qbo_line_id == held[0])).first() \
            if held else None
        pairs.append((f"line.{n}.po_line", str(po_line.line_no) if po_line else ""))
    return pairs


def _plan_take(ctx: FixContext, targets: tuple[Target, ...], option: Option,
               inputs: Mapping[str, str], inv: dict[str, Any], bill: dict[str, Any],
               linked: Change, data: dict[str, Any]) -> Plan:
    number, what = inv["number"], f"Invoice {inv['number']}"
    theirs = qd.qbo_lines(bill)
    if len(theirs) < inv["line_count"]:
        raise UserError(f"{_bill_words(bill)} has {len(theirs)} line(s) and {number} has "
                        f"{inv['line_count']}: SyncDesk does not remove lines by itself. "
                        f"Remove the extra lines from {number}, then fix it again.")
    changes = [linked]
    pairs: list[tuple[str, str]] = []
    their_date = str(bill.get("TxnDate") or "")[:10]
    their_due = str(bill.get("DueDate") or "")[:10] or None
    if their_date and their_date != inv["date"]:
        pairs.append(("issue_date", their_date))
        changes.append(Change(Side.SYNCDESK, f"{what} date", inv["date"], their_date, number))
    if their_due != inv["due"] and (their_due or inv["due"]):
        pairs.append(("due_date", their_due or ""))
        changes.append(Change(Side.SYNCDESK, f"{what} due date", inv["due"], their_due, number))
    with ctx.session() as s:
        row = s.get(Invoice, targets[0].id)
        assert row is not None
        their_note = str(bill.get("PrivateNote") or "").strip()
        if their_note != (row.memo or "").strip():  # the bill's note is its memo here
            pairs.append(("memo", their_note))
            changes.append(Change(Side.SYNCDESK, f"{what} memo", row.memo or None,
                                  their_note or None, number))
        po = s.get(PurchaseOrder, row.po_id) if row.po_id else None
        ours = qd.lines_of(s, DocKind.INVOICE, targets[0].id)
        for n, line in enumerate(theirs, start=1):
            mine = ours[n - 1] if n <= len(ours) else None
            wanted = _their_line(s, n, line, po)
            now = _our_line_words(mine) if mine is not None else None
            new = qd.their_lines_text({"Line": [line]}).split(": ", 1)[1]
            pairs += wanted
            if now != new or mine is None:
                changes.append(Change(Side.SYNCDESK, f"{what} line {n}", now, new, number))
    if qd.money(bill.get("TotalAmt")) != inv["total"]:
        changes.append(Change(Side.SYNCDESK, f"{what} total", format_money(inv["total"]),
                              qd.money_text(bill.get("TotalAmt")), number))
    paid = _paid(bill)
    if paid:
        changes.append(Change(Side.SYNCDESK, f"{what} paid", "0.00",
                              f"{format_money(paid)} (paid in QuickBooks)", number))
    changes.append(Change(Side.SYNCDESK, f"{what} sync state", qd.state_words(inv["state"]),
                          "Synced", number))
    data = {**data, "pairs": [list(p) for p in pairs]}
    return Plan(FIX, option.name, targets, tuple(changes), dict(inputs), (), data,
                f"Nothing changes in QuickBooks: SyncDesk takes bill {bill.get('Id')} as "
                f"{number}'s, as QuickBooks holds it.")


def _our_line_words(line: InvoiceLine) -> str:
    return ", ".join(p for p in (line.description, format_money(line.amount)) if p)


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
    if plan.option not in (SAME, SEND):
        return
    bill = ctx.need_client().read("Bill", plan.data["bill_id"])
    if str((bill.get("VendorRef") or {}).get("value")) != plan.data["vendor"] or \
            str(bill.get("DocNumber")) != plan.data["doc_number"]:
        raise FixFailed(f"Bill {plan.data['bill_id']} in QuickBooks is no longer "
                        f"{target.supplier}'s bill {plan.data['doc_number']}; nothing was "
                        "linked. Open the fix again to see where things stand.")
    if plan.option == SAME and str(bill.get("SyncToken", "")) != plan.data["sync_token"]:
        raise FixFailed(f"Bill {plan.data['bill_id']} was changed in QuickBooks since the fix "
                        "was planned; nothing was changed. Open the fix again to see its "
                        "values now.")
    with ctx.session() as s:
        row = qd.load(s, target)
        assert isinstance(row, Invoice)
        if plan.option == SAME and row.qbo_id != str(bill["Id"]):  # a second run: done
            pairs = [(name, value) for name, value in plan.data["pairs"]]
            if pairs:
                edit_invoice(s, row.number, pairs, ctx.actor)
            _take_payments(s, row, bill, ctx.actor)
        row.qbo_id = str(bill["Id"])
        row.qbo_sync_token = str(bill.get("SyncToken", ""))
        balance = qd.money(bill.get("Balance"))
        row.qbo_status = None if balance is None else ("Paid" if balance == 0 else "Open")
        row.pending_request_id = row.pending_revision = row.pending_sent = None
        if plan.option == SAME:
            qd.clear_problem(row, SyncState.SYNCED)  # SyncDesk's copy is QuickBooks' now
            row.synced_at = utcnow()
            row.qbo_drift = None
        else:
            qd.clear_problem(row, SyncState.QUEUED)  # the resend brings the bill in line
        for line, theirs in zip(qd.lines_of(s, DocKind.INVOICE, target.id), qd.qbo_lines(bill),
                                strict=False):
            line.qbo_line_id = str(theirs.get("Id")) if theirs.get("Id") else None
            s.add(line)
        s.add(row)


def _take_payments(s: Session, row: Invoice, bill: dict[str, Any], actor: str) -> None:
    """What QuickBooks has paid of the bill, as a pull would take it (history says so)."""
    paid = _paid(bill)
    if not paid or paid == row.amount_paid:
        return
    assert row.id is not None
    row.amount_paid = paid
    text = f"Paid in QuickBooks ({format_money(paid)})"
    if qd.money(bill.get("Balance")) == 0:
        row.status = InvoiceStatus.PAID.value
    else:
        text = f"Part paid in QuickBooks: {format_money(paid)}"
    record(s, DocKind.INVOICE, row.id, actor, Event.PAYMENT, text,
           {"amount_paid": format_money(paid), "balance": qd.money_text(bill.get("Balance"))})
