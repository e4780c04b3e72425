"""Documents in a currency the QuickBooks company does not keep: show both currencies; put
them in the company's currency (amounts as they are, or converted at a rate), or say what
a QuickBooks admin can change; resend."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from app.domain.money import CENT, MAX_QTY_PLACES, format_money, format_quantity
from app.domain.states import DocKind
from app.errors import UserError
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

FIX = "fix_currency"
PLACES = Decimal(1).scaleb(-MAX_QTY_PLACES)


def _documents(ctx: FixContext, targets: tuple[Target, ...]) -> list[tuple[Target, str, Decimal]]:
    with ctx.session() as session:
        return [(t, doc.currency, doc.total) for t in targets
                for doc in (qd.load(session, t),)]


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    lists = ctx.lists()
    home = lists.home_currency
    docs = _documents(ctx, targets)
    foreign = sorted({c for _, c, _ in docs if c != home})
    summary = (f"The QuickBooks company keeps its books only in {home}, and "
               + ", ".join(f"{t.number} is in {c}" for t, c, _ in docs)
               + ". QuickBooks takes a document only in the company's currency.")
    record = (("QuickBooks company currency", home),
              ("Multicurrency in QuickBooks", "on" if lists.multicurrency else "off"),
              *((f"{t.number}", f"{c} {format_money(total)}") for t, c, total in docs))
    which = "/".join(foreign) or "the document's currency"
    options = (
        Option("use_home_currency", f"Make it {home}, amounts as they are",
               f"Choose this when the amounts are already in {home} and only the currency was "
               "set wrong.", True),
        Option("convert", f"Convert to {home} at a rate",
               f"Choose this when the amounts really are in {which}: each price and amount is "
               f"multiplied by the rate (1 {which} = RATE {home}), to the cent.", False,
               (Input("rate", f"{home} for 1 {which}", "",
                      help="The exchange rate on the document's date, e.g. 1.0825"),)),
        Option("ask_admin", "Ask a QuickBooks admin about multicurrency",
               "Choose this when the company really buys in other currencies: a QuickBooks "
               "admin can turn multicurrency on (it cannot be turned off again). SyncDesk "
               "changes nothing."),
    )
    if len(foreign) > 1:  # one rate cannot serve two currencies
        options = (options[0], options[2])
    return Choices(FIX, summary, options, record)


def _rate(inputs: Mapping[str, str]) -> Decimal:
    text = inputs.get("rate", "").strip()
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise InputError({"rate": f"'{text}' is not a rate; write it like 1.0825"}) from None
    if not rate.is_finite() or rate <= 0:
        raise InputError({"rate": "the rate must be more than 0"})
    return rate


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    lists = ctx.lists()
    home = lists.home_currency
    if option.name == "ask_admin":
        return Plan(FIX, option.name, targets, (), dict(inputs), note=(
            "Nothing changes in SyncDesk or QuickBooks. Ask a QuickBooks admin whether to turn "
            "on multicurrency (QuickBooks: Settings, Account and settings, Advanced, Currency; "
            "it cannot be turned off again). Once it is on, send the documents again "
            "(Resend)."))
    if option.name not in ("use_home_currency", "convert"):
        raise UserError(f"'{option.name}' is not a way to fix this.")
    rate = _rate(inputs) if option.name == "convert" else None
    changes: list[Change] = []
    docs: list[dict[str, Any]] = []
    with ctx.session() as session:
        for target in targets:
            doc = qd.load(session, target)
            if doc.currency == home:
                continue
            pairs = [("currency", home)]
            start = len(changes)
            changes.append(Change(Side.SYNCDESK, f"{doc.number} currency", doc.currency, home))
            total = Decimal("0.00")
            for line in qd.lines_of(session, target.kind, doc.id or 0):
                amount = line.amount
                if rate is not None and line.qty is not None and line.unit_price is not None:
                    price = (line.unit_price * rate).quantize(PLACES, ROUND_HALF_UP)
                    pairs.append((f"line.{line.line_no}.unit_price", format_quantity(price)))
                    changes.append(Change(Side.SYNCDESK, f"{doc.number} line {line.line_no} "
                                          "unit price", format_quantity(line.unit_price),
                                          format_quantity(price)))
                    amount = (line.qty * price).quantize(CENT, ROUND_HALF_UP)
                elif rate is not None:
                    amount = (line.amount * rate).quantize(CENT, ROUND_HALF_UP)
                    pairs.append((f"line.{line.line_no}.amount", format_money(amount)))
                    changes.append(Change(Side.SYNCDESK, f"{doc.number} line {line.line_no} "
                                          "amount", format_money(line.amount),
                                          format_money(amount)))
                total += amount
            approval = steps.reapproval_change(session, target.kind, doc)
            if approval is not None:
                changes.append(approval)
            entity = qd.entity(target.kind)
            changes.append(Change(Side.QUICKBOOKS, f"{entity} {doc.qbo_id} ({doc.number})"
                                  if doc.qbo_id else f"{entity} of {doc.number} (made by the "
                                  "resend)", None, f"{home} {format_money(total)}"))
            changes[start:] = qd.belonging(doc.number, changes[start:])
            docs.append({"kind": target.kind.value, "number": doc.number, "pairs": pairs})
    return Plan(FIX, option.name, targets, tuple(changes), dict(inputs),
                resend=tuple(t.ref for t in targets), data={"docs": docs},
                note="A supplier whose own currency is not the company's makes new documents "
                     "in it: check the supplier's currency too.")


def apply(ctx: FixContext, plan: Plan) -> None:
    if plan.option == "ask_admin":
        return
    with ctx.session() as session:
        for doc in plan.data["docs"]:
            steps.edit(session, DocKind(doc["kind"]), doc["number"],
                       [(name, value) for name, value in doc["pairs"]], ctx.actor)
