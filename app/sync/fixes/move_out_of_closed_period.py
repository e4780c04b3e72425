"""Documents dated in QuickBooks' closed books: move their date into the open period, or
explain what a QuickBooks admin must change (SyncDesk changes nothing then)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from app.domain.states import DocKind
from app.errors import UserError
from app.store.models import Invoice, PurchaseOrder
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

FIX = "move_out_of_closed_period"


def _closing(ctx: FixContext) -> date:
    closing = ctx.lists().closing_date
    if closing is None:
        raise UserError("QuickBooks' books are not closed any more; send the documents again "
                        "(Resend).")
    return closing


def _dates(ctx: FixContext, targets: tuple[Target, ...]) -> list[tuple[Target, date]]:
    with ctx.session() as session:
        return [(t, steps.doc_date(t.kind, qd.load(session, t))) for t in targets]


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    closing = _closing(ctx)
    dated = _dates(ctx, targets)
    first_open = closing + timedelta(days=1)
    inputs = [Input("date", "New date", first_open.isoformat(),
                    help=f"After {closing}, the closing date (YYYY-MM-DD)")]
    pos = [t for t, _ in dated if t.kind is DocKind.PO]
    if pos and not steps.po_dates_on(ctx):
        inputs.append(steps.po_dates_input(steps.YES))
    which = ", ".join(f"{t.number} ({d})" for t, d in dated)
    summary = (f"QuickBooks' books are closed up to {closing}, and {which} "
               f"{'is' if len(dated) == 1 else 'are'} dated on or before it; QuickBooks takes "
               "nothing new in a closed period.")
    record = (("Closing date in QuickBooks", closing.isoformat()),
              *((f"{t.number} date", d.isoformat()) for t, d in dated))
    move = Option(
        "move_date", "Move the date into the open period",
        f"Choose this when the document may carry a date after {closing}: it goes to "
        f"QuickBooks in the open period (suggested: {first_open}, the first open day)."
        + (" Changing a PO's date needs PO-date editing on: this turns it on for the company "
           "(answer no to keep it off and choose another way)."
           if len(inputs) > 1 else ""), True, tuple(inputs))
    admin = Option(
        "ask_admin", "Ask a QuickBooks admin to open the period",
        "Choose this when the document must keep its date: only a QuickBooks admin can move "
        "the closing date. SyncDesk changes nothing; it says what to ask for.")
    return Choices(FIX, summary, (move, admin), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    closing = _closing(ctx)
    dated = _dates(ctx, targets)
    if option.name == "ask_admin":
        earliest = min(d for _, d in dated)
        note = (f"Nothing changes in SyncDesk or QuickBooks. Ask a QuickBooks admin to move the "
                f"closing date to before {earliest} (QuickBooks: Settings, Account and settings, "
                f"Advanced, Accounting, Close the books; it is {closing} now), or to turn "
                "closing off for a moment. Then send the documents again (Resend), and the "
                "admin may set the closing date back.")
        return Plan(FIX, option.name, targets, (), dict(inputs), note=note)
    if option.name != "move_date":
        raise UserError(f"'{option.name}' is not a way to fix this.")
    new = steps.parse_date_input("date", inputs.get("date", ""))
    errors: dict[str, str] = {}
    if new <= closing:
        errors["date"] = f"{new} is still in the closed books; give a date after {closing}"
    changes: list[Change] = []
    pos = [t for t, _ in dated if t.kind is DocKind.PO]
    turn_on = bool(pos) and not steps.po_dates_on(ctx)
    if turn_on:
        changes.append(steps.po_dates_consent(inputs, errors))
    docs: list[dict[str, Any]] = []
    with ctx.session() as session:
        for target, old in dated:
            doc = qd.load(session, target)
            start = len(changes)
            if isinstance(doc, PurchaseOrder):
                early = [i.number for i in session.exec(select(Invoice).where(
                    Invoice.po_id == doc.id)) if i.issue_date < new]
                if early and "date" not in errors:
                    errors["date"] = (f"{', '.join(early)} bill{'s' * (len(early) == 1)} "
                                      f"{doc.number} and {'is' if len(early) == 1 else 'are'} "
                                      "dated before it; give an earlier date, or move the "
                                      "invoices too")
                pairs = [("po_date", new.isoformat())]
                changes.append(Change(Side.SYNCDESK, f"{doc.number} PO date", old.isoformat(),
                                      new.isoformat()))
            else:
                pairs = [("issue_date", new.isoformat())]
                changes.append(Change(Side.SYNCDESK, f"{doc.number} invoice date",
                                      old.isoformat(), new.isoformat()))
                if doc.due_date is not None and doc.due_date < new:  # the same terms
                    due = new + (doc.due_date - old if doc.due_date >= old else timedelta(0))
                    pairs.append(("due_date", due.isoformat()))
                    changes.append(Change(Side.SYNCDESK, f"{doc.number} due date",
                                          doc.due_date.isoformat(), due.isoformat()))
            approval = steps.reapproval_change(session, target.kind, doc)
            if approval is not None:
                changes.append(approval)
            entity = qd.entity(target.kind)
            changes.append(Change(Side.QUICKBOOKS, f"{entity} {doc.qbo_id} ({doc.number}) date"
                                  if doc.qbo_id else f"{entity} of {doc.number} (made by the "
                                  "resend)", old.isoformat() if doc.qbo_id else None,
                                  new.isoformat()))
            changes[start:] = qd.belonging(doc.number, changes[start:])
            docs.append({"kind": target.kind.value, "number": doc.number, "pairs": pairs})
    if errors:
        raise InputError(errors)
    return Plan(FIX, option.name, targets, tuple(changes), dict(inputs),
                resend=tuple(t.ref for t in targets), data={"docs": docs, "turn_on": turn_on},
                note="PO-date editing stays on for the company afterwards." if turn_on else "")


def apply(ctx: FixContext, plan: Plan) -> None:
    if plan.option == "ask_admin":
        return  # nothing to change: the admin acts in QuickBooks
    with ctx.session() as session:
        if plan.data.get("turn_on"):
            steps.turn_on_po_dates(session)
        for doc in plan.data["docs"]:
            steps.edit(session, DocKind(doc["kind"]), doc["number"],
                       [(name, value) for name, value in doc["pairs"]], ctx.actor)
