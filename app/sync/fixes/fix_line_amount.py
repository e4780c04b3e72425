"""A line whose amount is not its quantity times its unit price: show the arithmetic, then
make the amount follow (qty × price) or the unit price follow (amount ÷ qty); resend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.domain.money import MAX_QTY_PLACES, format_money, format_quantity, line_amount
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

FIX = "fix_line_amount"
PLACES = Decimal(1).scaleb(-MAX_QTY_PLACES)


@dataclass(frozen=True)
class _Line:
    line_no: int
    qty: Decimal
    unit_price: Decimal
    amount: Decimal

    @property
    def product(self) -> Decimal:
        return line_amount(self.qty, self.unit_price)

    @property
    def price_for_amount(self) -> Decimal | None:
        """A unit price whose product with the quantity is the amount (None if none is)."""
        if not self.qty:
            return None
        price = (self.amount / self.qty).quantize(PLACES, ROUND_HALF_UP)
        return price if line_amount(self.qty, price) == self.amount else None

    def words(self) -> str:
        return (f"{format_quantity(self.qty)} × {format_quantity(self.unit_price)} = "
                f"{format_money(self.product)}, but the amount is {format_money(self.amount)}")


def _lines(ctx: FixContext, target: Target) -> list[_Line]:
    with ctx.session() as session:
        doc = qd.load(session, target)
        return [_Line(ln.line_no, ln.qty, ln.unit_price, ln.amount)
                for ln in qd.lines_of(session, target.kind, doc.id or 0)
                if ln.qty is not None and ln.unit_price is not None
                and line_amount(ln.qty, ln.unit_price) != ln.amount]


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    target = steps.one_target(targets)
    lines = _lines(ctx, target)
    summary = (f"On {target.number}, " + "; ".join(f"line {ln.line_no}: {ln.words()}"
                                                    for ln in lines)
               + ". QuickBooks takes a line only when its amount is quantity × unit price."
               if lines else f"Every line of {target.number} adds up now.")
    record = tuple((f"Line {ln.line_no}", ln.words()) for ln in lines)
    options = [Option(
        "use_qty_times_price", "Make the amount quantity × unit price",
        "Choose this when the quantity and unit price are right: each amount becomes their "
        "product (the document's total changes with it).", True)]
    prices = [(ln, ln.price_for_amount) for ln in lines]
    if lines and all(price is not None for _, price in prices):
        options.append(Option(
            "keep_amount", "Keep the amount; correct the unit price",
            "Choose this when the amount is what the supplier charges: the unit price becomes "
            "amount ÷ quantity (the total stays).", False,
            tuple(Input(f"line{ln.line_no}.unit_price", f"Unit price of line {ln.line_no}",
                        format_quantity(price or Decimal(0)),
                        help=f"{format_quantity(ln.qty)} × this must be "
                             f"{format_money(ln.amount)}") for ln, price in prices)))
    return Choices(FIX, summary, tuple(options), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    target = steps.one_target(targets)
    lines = _lines(ctx, target)
    changes: list[Change] = []
    pairs: list[tuple[str, str]] = []
    errors: dict[str, str] = {}
    if option.name == "use_qty_times_price":
        for ln in lines:
            changes.append(Change(Side.SYNCDESK, f"{target.number} line {ln.line_no} amount",
                                  format_money(ln.amount), format_money(ln.product)))
            pairs.append((f"line.{ln.line_no}.amount", format_money(ln.product)))
    elif option.name == "keep_amount":
        for ln in lines:
            key = f"line{ln.line_no}.unit_price"
            text = inputs.get(key, "").strip()
            try:
                price = Decimal(text)
            except InvalidOperation:
                errors[key] = f"'{text}' is not a number"
                continue
            if price < 0 or line_amount(ln.qty, price) != ln.amount:
                errors[key] = (f"{format_quantity(ln.qty)} × {text} is not "
                               f"{format_money(ln.amount)}")
                continue
            changes.append(Change(Side.SYNCDESK,
                                  f"{target.number} line {ln.line_no} unit price",
                                  format_quantity(ln.unit_price), format_quantity(price)))
            pairs.append((f"line.{ln.line_no}.unit_price", format_quantity(price)))
    else:
        raise UserError(f"'{option.name}' is not a way to fix this.")
    if errors:
        raise InputError(errors)
    with ctx.session() as session:
        doc = qd.load(session, target)
        approval = steps.reapproval_change(session, target.kind, doc) if pairs else None
        entity, qbo_id = qd.entity(target.kind), doc.qbo_id
    if approval is not None:
        changes.append(approval)
    changes.append(Change(Side.QUICKBOOKS, f"{entity} {qbo_id} ({target.number})" if qbo_id
                          else f"{entity} of {target.number} (made by the resend)", None,
                          "lines as corrected"))
    return Plan(FIX, option.name, (target,), tuple(qd.belonging(target.number, changes)),
                dict(inputs), resend=(target.ref,),
                data={"kind": target.kind.value, "number": target.number, "pairs": pairs})


def apply(ctx: FixContext, plan: Plan) -> None:
    pairs = [(name, value) for name, value in plan.data["pairs"]]
    if not pairs:
        return
    with ctx.session() as session:
        steps.edit(session, DocKind(plan.data["kind"]), plan.data["number"], pairs, ctx.actor)
