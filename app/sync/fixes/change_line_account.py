"""Lines on an Accounts Payable or Receivable account: put each on an expense or
cost-of-goods account (QuickBooks' active ones), then send the documents again.
One plan fixes every document of the group."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from app.domain.money import format_money
from app.domain.states import DocKind
from app.errors import UserError
from app.store.models import Account, Invoice, InvoiceLine, PoLine, PurchaseOrder
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
from app.sync.lists import QboLists, name_key, original_name
from app.sync.preflight import AP_AR

FIX = "change_line_account"
OPTION = "change_accounts"
ALLOWED = ("Expense", "Other Expense", "Cost of Goods Sold")


@dataclass(frozen=True)
class _Line:
    target: Target
    line_no: int
    description: str
    amount: str
    account: str
    account_type: str
    suggested: str

    @property
    def key(self) -> str:
        return f"{self.target.number}.line{self.line_no}"


def _allowed(lists: QboLists) -> list[str]:
    """QuickBooks' active expense and cost-of-goods accounts, by name."""
    return sorted((original_name(a, "Name") for a in lists.accounts.values()
                   if a.get("Active", True) and a.get("AccountType") in ALLOWED),
                  key=str.lower)


def _usage(session: Session, supplier_id: int | None, skip: set[tuple[str, int]]
           ) -> Counter[str]:
    """How often each account is on lines (of one supplier, or of everyone)."""
    counts: Counter[str] = Counter()
    for kind, model, line_model, parent in (
            (DocKind.PO, PurchaseOrder, PoLine, PoLine.po_id),
            (DocKind.INVOICE, Invoice, InvoiceLine, InvoiceLine.invoice_id)):
        query = select(line_model.account_id, model.id).join(model, parent == model.id)
        if supplier_id is not None:
            query = query.where(model.supplier_id == supplier_id)
        for account_id, doc_id in session.exec(query):
            if account_id is not None and (kind.value, doc_id) not in skip:
                name = steps.account_name(session, account_id)
                if name:
                    counts[name_key(name)] += 1
    return counts


def _suggest(allowed: list[str], mine: Counter[str], everyone: Counter[str]) -> str:
    """The account this supplier used most, else the company's most used, else the first
    expense account."""
    for counts in (mine, everyone):
        ranked = [a for a in sorted(allowed, key=lambda a: -counts[name_key(a)])
                  if counts[name_key(a)]]
        if ranked:
            return ranked[0]
    return allowed[0] if allowed else ""


def _lines(ctx: FixContext, targets: tuple[Target, ...]) -> tuple[list[_Line], list[str]]:
    lists = ctx.lists()
    allowed = _allowed(lists)
    skip = {(t.kind.value, t.id) for t in targets}
    found: list[_Line] = []
    with ctx.session() as session:
        everyone = _usage(session, None, skip)
        for target in targets:
            doc = qd.load(session, target)
            mine = _usage(session, doc.supplier_id, skip)
            for line in qd.lines_of(session, target.kind, doc.id or 0):
                name = steps.account_name(session, line.account_id)
                if not name:
                    continue
                qbo = lists.account_named(name)
                local = session.get(Account, line.account_id)
                kind = str(qbo.get("AccountType")) if qbo else (local.account_type if local
                                                                else "")
                if kind in AP_AR:
                    found.append(_Line(target, line.line_no, line.description or "",
                                       format_money(line.amount), name, kind,
                                       _suggest(allowed, mine, everyone)))
    return found, allowed


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    lines, allowed = _lines(ctx, targets)
    if not allowed:
        raise UserError("QuickBooks has no active expense or cost-of-goods account to put the "
                        "lines on; add one in QuickBooks first.")
    where = "; ".join(f"{ln.target.number} line {ln.line_no} on '{ln.account}'" for ln in lines)
    count = len(lines)
    summary = (f"{count} line{'s' * (count != 1)} use{'s' * (count == 1)} an Accounts Payable "
               "or Receivable account, which QuickBooks does not take on purchase lines "
               f"({where}). Each needs an expense or cost-of-goods account.")
    record = tuple((f"{ln.target.number} line {ln.line_no}",
                    f"{ln.description} ({ln.amount}) on {ln.account}, an {ln.account_type} "
                    "account") for ln in lines)
    inputs = tuple(Input(ln.key, f"Account for {ln.target.number} line {ln.line_no} "
                         f"({ln.description})", ln.suggested, tuple(allowed),
                         help="An expense or cost-of-goods account in QuickBooks; suggested: "
                              "the one this supplier uses most") for ln in lines)
    option = Option(OPTION, "Put the lines on expense accounts",
                    "QuickBooks takes only expense or cost-of-goods accounts on the lines of "
                    "a PO or bill; the documents then go again.", True, inputs)
    return Choices(FIX, summary, (option,), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    if option.name != OPTION:
        raise UserError(f"'{option.name}' is not a way to fix this.")
    lines, allowed = _lines(ctx, targets)
    by_key = {name_key(a): a for a in allowed}
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    for ln in lines:
        text = inputs.get(ln.key, ln.suggested).strip()
        account = by_key.get(name_key(text))
        if account is None:
            errors[ln.key] = (f"'{text}' is not an active expense or cost-of-goods account in "
                              "QuickBooks" if text else "choose an account")
        else:
            chosen[ln.key] = account
    if errors:
        raise InputError(errors)
    changes: list[Change] = []
    docs: list[dict[str, Any]] = []
    with ctx.session() as session:
        for target in targets:
            mine = [ln for ln in lines if ln.target == target]
            if not mine:
                continue
            start = len(changes)
            changes += [Change(Side.SYNCDESK, f"{target.number} line {ln.line_no} account",
                               ln.account, chosen[ln.key]) for ln in mine]
            doc = qd.load(session, target)
            approval = steps.reapproval_change(session, target.kind, doc)
            if approval is not None:
                changes.append(approval)
            entity = qd.entity(target.kind)
            changes.append(Change(
                Side.QUICKBOOKS, f"{entity} {doc.qbo_id} ({target.number})" if doc.qbo_id
                else f"{entity} of {target.number} (made by the resend)",
                None, "lines on " + ", ".join(sorted({chosen[ln.key] for ln in mine}))))
            changes[start:] = qd.belonging(target.number, changes[start:])
            docs.append({"kind": target.kind.value, "number": target.number,
                         "lines": {str(ln.line_no): chosen[ln.key] for ln in mine}})
    return Plan(FIX, OPTION, targets, tuple(changes), dict(inputs),
                resend=tuple(t.ref for t in targets), data={"docs": docs})


def apply(ctx: FixContext, plan: Plan) -> None:
    with ctx.session() as session:
        for doc in plan.data["docs"]:
            pairs = [(f"line.{n}.account", account) for n, account in doc["lines"].items()]
            steps.edit(session, DocKind(doc["kind"]), doc["number"], pairs, ctx.actor)
