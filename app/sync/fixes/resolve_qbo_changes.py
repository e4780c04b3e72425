"""A synced document was edited in QuickBooks: the pull kept the differences field by field
(``qbo_drift``). Keep SyncDesk's copy (it goes again and replaces QuickBooks' values), take
QuickBooks' values into SyncDesk's copy (through the editing operations, so its history
says old → new), or choose field by field.

Only what SyncDesk can hold takes QuickBooks' value (the supplier's number, dates, the
memo, a line's amount, description, account or item, quantity and unit price); the rest
(the vendor, SyncDesk's mark, lines added or removed there, PO links) always keeps
SyncDesk's copy, and the plan says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.domain.states import DocKind
from app.errors import UserError
from app.operations.editing import edit_invoice, edit_po
from app.operations.settings import get_setting
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

FIX = "resolve_qbo_changes"
KEEP, TAKE, CHOOSE = "keep_syncdesk", "take_quickbooks", "per_field"
OURS, THEIRS = "syncdesk", "quickbooks"
_LINE = re.compile(r"line (\d+) (amount|description|account|item|quantity|unit price)$")
_LINE_FIELD = {"amount": "amount", "description": "description", "account": "account",
               "item": "item", "quantity": "qty", "unit price": "unit_price"}
NONE = "(none)"


def _unquote(text: str) -> str:
    if text == NONE:
        return ""
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


def _edit(kind: DocKind, field: str, theirs: str) -> tuple[str, str] | None:
    """The edit that takes QuickBooks' value of one drift field; None when SyncDesk cannot
    take it (its copy then goes again)."""
    if kind is DocKind.INVOICE and field == "supplier's number" and theirs != NONE:
        return "reference", theirs
    if kind is DocKind.INVOICE and field == "date" and theirs != NONE:
        return "issue_date", theirs
    if kind is DocKind.INVOICE and field == "due date":
        return "due_date", "" if theirs == NONE else theirs
    if field == "memo":
        return "memo", _unquote(theirs)
    found = _LINE.match(field)
    if found is None or (theirs == NONE and found.group(2) != "description"):
        return None
    value = _unquote(theirs) if found.group(2) == "description" else theirs
    return f"line.{found.group(1)}.{_LINE_FIELD[found.group(2)]}", value


def key_of(field: str) -> str:
    """An input's key for a drift field: "line 2 amount" → "line_2_amount"."""
    return re.sub(r"[^a-z0-9]+", "_", field.lower()).strip("_")


def _drift(ctx: FixContext, target: Target) -> list[dict[str, Any]]:
    with ctx.session() as s:
        doc = qd.load(s, target)
        return list((doc.qbo_drift or {}).get("fields") or [])


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    target = targets[0]
    fields = _drift(ctx, target)
    if not fields:
        raise UserError(f"{target.number} holds no differences with QuickBooks any more; "
                        "sync to see where it stands.")
    what = qd.label(target.kind, target.number)
    record = tuple((f["field"], f"{f['syncdesk']} in SyncDesk, {f['quickbooks']} in "
                    "QuickBooks") for f in fields)
    takeable = [f for f in fields if _edit(target.kind, f["field"], f["quickbooks"])]
    options = [Option(KEEP, "Keep SyncDesk's copy",
                      "SyncDesk sends its copy again: it replaces the changes made in "
                      "QuickBooks.", True)]
    if takeable:
        fixed = [f["field"] for f in fields if f not in takeable]
        options.append(Option(
            TAKE, "Take QuickBooks' values",
            "SyncDesk's copy takes the values changed in QuickBooks (its history records "
            "each), then goes again so both sides match."
            + (f" SyncDesk's copy stays for: {', '.join(fixed)}." if fixed else "")))
        options.append(Option(
            CHOOSE, "Choose field by field",
            "For each field, keep SyncDesk's value or take QuickBooks'.",
            inputs=tuple(Input(key_of(f["field"]), f"{f['field']} ({f['syncdesk']} in "
                               f"SyncDesk, {f['quickbooks']} in QuickBooks)", OURS,
                               (OURS, THEIRS)) for f in takeable)))
    return Choices(FIX, f"{what[:1].upper()}{what[1:]} was changed in QuickBooks after it "
                   "synced. SyncDesk overwrote neither side: choose which values stay.",
                   tuple(options), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    target = targets[0]
    fields = _drift(ctx, target)
    if not fields:
        raise UserError(f"{target.number} holds no differences with QuickBooks any more.")
    what = qd.label(target.kind, target.number)
    takes: list[dict[str, Any]] = []
    if option.name == TAKE:
        takes = [f for f in fields if _edit(target.kind, f["field"], f["quickbooks"])]
    elif option.name == CHOOSE:
        errors = {}
        for f in fields:
            key = key_of(f["field"])
            if key not in inputs:
                continue
            choice = inputs[key].strip().lower()
            if choice not in (OURS, THEIRS):
                errors[key] = f"choose {OURS} or {THEIRS}"
            elif choice == THEIRS:
                takes.append(f)
        if errors:
            raise InputError(errors)
    edits = [_edit(target.kind, f["field"], f["quickbooks"]) for f in takes]
    changes = [Change(Side.SYNCDESK, f"{what}: {f['field']}", f["syncdesk"], f["quickbooks"])
               for f in takes]
    changes += [Change(Side.QUICKBOOKS, f"{what}: {f['field']}", f["quickbooks"], f["syncdesk"])
                for f in fields if f not in takes and f["field"] != "total"]
    total = next((f for f in fields if f["field"] == "total"), None)
    if total is not None and not takes:
        changes.append(Change(Side.QUICKBOOKS, f"{what}: total", total["quickbooks"],
                              total["syncdesk"]))
    note = ""
    if edits and target.kind is DocKind.PO:
        with ctx.session() as s:
            if get_setting(s, "require_reapproval_after_edit"):
                note = (f"The company requires re-approval after edits: {target.number} goes "
                        "back to pending and waits for approval before it is sent again.")
    return Plan(FIX, option.name, targets, tuple(qd.belonging(target.number, changes)),
                dict(inputs), (target.ref,),
                {"edits": [list(e) for e in edits if e is not None]}, note)


def apply(ctx: FixContext, plan: Plan) -> None:
    """QuickBooks' values into SyncDesk's copy (what is already taken is not edited again);
    the differences are settled, so the resend replaces only what SyncDesk keeps."""
    target = plan.targets[0]
    with ctx.session() as s:
        doc = qd.load(s, target)
        pairs = [(name, value) for name, value in plan.data.get("edits", [])]
        if pairs:
            edit = edit_po if target.kind is DocKind.PO else edit_invoice
            edit(s, doc.number, pairs, ctx.actor)
        if plan.option != KEEP and doc.qbo_drift is not None:
            doc.qbo_drift = None  # chosen: the resend records no "SyncDesk's copy replaces"
            s.add(doc)
