"""Documents dated in QuickBooks' closed books: move their date into the open period, or
explain what a QuickBooks admin must change (SyncDesk changes nothing then).

A document already in QuickBooks is judged by the date QuickBooks holds (what it refused
to change), not SyncDesk's: when that date is in the closed books, QuickBooks takes no
change to the record at all, so moving the date cannot help; only an admin can."""

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


def _dates(ctx: FixContext, targets: tuple[Target, ...]
           ) -> list[tuple[Target, date, date | None]]:
    """Each document with SyncDesk's date and the date QuickBooks holds (None when it has
    no record of it, or SyncDesk is not connected)."""
    out: list[tuple[Target, date, date | None]] = []
    with ctx.session() as session:
        for t in targets:
            doc = qd.load(session, t)
            theirs = steps.qbo_record(ctx, t.kind, doc)
            held = str((theirs or {}).get("TxnDate") or "")[:10]
            out.append((t, steps.doc_date(t.kind, doc),
                        date.fromisoformat(held) if held else None))
    return out


def _held(ours: date, theirs: date | None) -> date:
    """The date that counts: QuickBooks' for a document it holds, else SyncDesk's."""
    return theirs if theirs is not None else ours


def _words(target: Target, ours: date, theirs: date | None) -> str:
    if theirs is None or theirs == ours:
        return f"{target.number} ({ours})"
    return f"{target.number} ({theirs} in QuickBooks; {ours} in SyncDesk)"


def _stuck(dated: list[tuple[Target, date, date | None]], closing: date) -> list[str]:
    """The documents whose QuickBooks record itself is in the closed books."""
    return [f"{t.number} (dated {theirs} in QuickBooks)" for t, _, theirs in dated
            if theirs is not None and theirs <= closing]


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    closing = _closing(ctx)
    dated = _dates(ctx, targets)
    first_open = closing + timedelta(days=1)
    inputs = [Input("date", "New date", first_open.isoformat(),
                    help=f"After {closing}, the closing date (YYYY-MM-DD)")]
    pos = [t for t, _, _ in dated if t.kind is DocKind.PO]
    if pos and not steps.po_dates_on(ctx):
        inputs.append(steps.po_dates_input(steps.YES))
    which = ", ".join(_words(t, ours, theirs) for t, ours, theirs in dated)
    summary = (f"QuickBooks' books are closed up to {closing}, and {which} "
               f"{'is' if len(dated) == 1 else 'are'} dated on or before it; QuickBooks takes "
               "nothing new in a closed period.")
    stuck = _stuck(dated, closing)
    if stuck:
        summary += (f" QuickBooks holds {', '.join(stuck)} in the closed books and takes no "
                    "change to it, whatever date SyncDesk sends: only an admin can open the "
                    "period.")
    record = (("Closing date in QuickBooks", closing.isoformat()),
              *((f"{t.number} date", _held(ours, theirs).isoformat())
                for t, ours, theirs in dated))
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
        "the closing date. SyncDesk changes nothing; it says what to ask for.",
        bool(stuck))
    return Choices(FIX, summary, (admin,) if stuck else (move, admin), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    closing = _closing(ctx)
    dated = _dates(ctx, targets)
    if option.name == "ask_admin":
        earliest = min(_held(ours, theirs) for _, ours, theirs in dated)
        note = (f"Nothing changes in SyncDesk or QuickBooks. Ask a QuickBooks admin to move the "
                f"closing date to before {earliest} (QuickBooks: Settings, Account and settings, "
                f"Advanced, Accounting, Close the books; it is {closing} now), or to turn "
                "closing off for a moment. Then send the documents again (Resend), and the "
                "admin may set the closing date back.")
        return Plan(FIX, option.name, targets, (), dict(inputs), note=note)
    if option.name != "move_date":
        raise UserError(f"'{option.name}' is not a way to fix this.")
    stuck = _stuck(dated, closing)
    if stuck:
        raise UserError(f"QuickBooks holds {', '.join(stuck)} in its closed books and takes no "
                        "change to it, so moving the date cannot help; ask a QuickBooks admin "
                        "to open the period (the other way to fix this).")
    new = steps.parse_date_input("date", inputs.get("date", ""))
    errors: dict[str, str] = {}
    if new <= closing:
        errors["date"] = f"{new} is still in the closed books; give a date after {closing}"
    changes: list[Change] = []
    pos = [t for t, _, _ in dated if t.kind is DocKind.PO]
    turn_on = bool(pos) and not steps.po_dates_on(ctx)
    if turn_on:
        changes.append(steps.po_dates_consent(inputs, errors))
    docs: list[dict[str, Any]] = []
    with ctx.session() as session:
        for target, old, theirs in dated:
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
                                  "resend)", _held(old, theirs).isoformat() if doc.qbo_id else None,
                                  new.isoformat()))
            changes[start:] = qd.belonging(doc.number, changes[start:])
            docs.append({"kind": target.kind.value, "number": doc.number, "pairs": pairs})
    if errors:
        raise InputError(errors)
    return Plan(FIX, option.name, targets, tuple(changes), dict(inputs),
                resend=tuple(t.ref for t in targets), data={"docs": docs, "turn_on": turn_on},
                note="PO-date editing stays on for the company afterwards." if turn_on else "")


def apply(ctx: FixContext, plan: Plan) -> list[Change] | None:
    if plan.option == "ask_admin":
        return None  # nothing to change: the admin acts in QuickBooks
    made = list(plan.changes)
    with ctx.session() as session:
        if plan.data.get("turn_on") and not steps.turn_on_po_dates(session, ctx.actor):
            made = [c for c in made if c.what != steps.PO_DATES_CHANGE]  # on already
        for doc in plan.data["docs"]:
            steps.edit(session, DocKind(doc["kind"]), doc["number"],
                       [(name, value) for name, value in doc["pairs"]], ctx.actor)
    return made
