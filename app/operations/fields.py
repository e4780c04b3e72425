"""Turning typed-in text (a CSV cell, ``--set field=value``) into document values.

Each parser returns the value or raises ``FieldError`` with a reason that names
the bad text, so CSV import and ``edit`` explain problems the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.domain import qbo_limits
from app.domain.money import (
    MAX_AMOUNT,
    MoneyError,
    amount_too_large,
    format_quantity,
    line_amount,
    parse_currency,
    parse_money,
    parse_quantity,
)
from app.hints import Hint, Hinted
from app.operations.lookup import account_by_name, item_by_name, supplier_by_name


class FieldError(Hinted, ValueError):
    """A value that cannot be used; the message is the reason (with hints, ``app/hints.py``).

    ``column`` names the field at fault when the reason concerns a whole line
    (``settle_amount``), so a CSV import can point at the right column.
    """

    def __init__(self, reason: str, *hints: Hint, column: str | None = None) -> None:
        super().__init__(reason, *hints)
        self.column = column


def parse_date(text: str) -> date:
    raw = text.strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FieldError(f"bad date {raw!r}: write dates as YYYY-MM-DD") from None


def optional_date(text: str) -> date | None:
    return parse_date(text) if text.strip() else None


def _money(parser: Callable[[str, str, str | None], Decimal], what: str
           ) -> Callable[[str | None], Callable[[str], Decimal]]:
    def for_currency(currency: str | None) -> Callable[[str], Decimal]:
        def parse(text: str) -> Decimal:
            try:
                value = parser(text, what, currency)
            except MoneyError as exc:
                raise FieldError(f"bad {exc}") from None
            if value < 0:
                raise FieldError(f"bad {what} {text.strip()!r}: it must not be negative")
            return value

        return parse

    return for_currency


# ``amount(currency)`` and ``unit_price(currency)`` parse money of a document in
# ``currency``: a currency symbol is taken only when it is that currency's.
amount = _money(parse_money, "amount")
unit_price = _money(parse_quantity, "unit price")
parse_qty = _money(parse_quantity, "quantity")(None)  # a plain number: no currency symbol


def optional(parser: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        return parser(text) if text.strip() else None

    return parse


def parse_currency_code(text: str) -> str:
    try:
        return parse_currency(text)
    except MoneyError as exc:
        raise FieldError(f"bad {exc}") from None


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(text: str) -> str:
    """An e-mail address of the usual shape (QuickBooks refuses malformed ones: 2210)."""
    value = text.strip()
    if not _EMAIL.match(value):
        raise FieldError(f"bad e-mail address {value!r}")
    return value


def text_value(text: str) -> str | None:
    return text.strip() or None


_YES = ("yes", "true", "1", "active", "on")
_NO = ("no", "false", "0", "inactive", "archived", "off")


def parse_yes_no(text: str) -> bool:
    """A supplier's ``active`` value: yes or no (true/false, 1/0, active/inactive …)."""
    raw = text.strip().lower()
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise FieldError(f"bad active value {text.strip()!r}: use yes or no")


def required_text(what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip()
        if not value:
            raise FieldError(f"{what} is empty")
        return value

    return parse


# --- QuickBooks' length limits, checked where the value is typed --------------------------


def check_length(value: str | None, limit: int, what: str, why: str = "") -> None:
    """Refuse ``value`` when it is longer than QuickBooks takes for ``what``."""
    if value is not None and len(value) > limit:
        raise FieldError(f"too long: {len(value)} characters, and QuickBooks takes at most "
                         f"{limit} for {what}{why}")


def doc_number(noun: str) -> Callable[[str], str]:
    """A document's number: QuickBooks' DocNumber (and part of SyncDesk's marker)."""
    def parse(text: str) -> str:
        value = required_text(f"the {noun} number")(text)
        check_length(value, qbo_limits.DOC_NUMBER_MAX, f"the {noun} number")
        return value

    return parse


def reference_text(text: str) -> str:
    """The supplier's invoice number, the Bill's DocNumber in QuickBooks."""
    value = required_text("reference")(text)
    check_length(value, qbo_limits.DOC_NUMBER_MAX, "the supplier's invoice number (reference)")
    return value


def description_text(text: str) -> str | None:
    value = text_value(text)
    check_length(value, qbo_limits.DESCRIPTION_MAX, "a line's description")
    return value


def supplier_name(text: str) -> str:
    value = required_text("name")(text)
    check_length(value, qbo_limits.DISPLAY_NAME_MAX, "a supplier's name")
    return value


def memo_text(number: str, po: bool) -> Callable[[str], str | None]:
    """The memo of document ``number``: QuickBooks keeps it beside SyncDesk's marker."""
    def parse(text: str) -> str | None:
        value = text_value(text)
        limit = qbo_limits.memo_max(number, po)
        check_length(value, limit, "the memo", f" ({qbo_limits.PRIVATE_NOTE_MAX} characters of "
                     f"QuickBooks' private note, less {qbo_limits.PRIVATE_NOTE_MAX - limit} "
                     "for SyncDesk's marker)")
        return value

    return parse


def supplier_id(session: Session, name: str) -> int:
    supplier = supplier_by_name(session, name.strip()) if name.strip() else None
    if supplier is None or supplier.id is None:
        raise FieldError(f"unknown supplier {name.strip()!r}" if name.strip() else "no supplier")
    return supplier.id


def account_id(session: Session, name: str) -> int | None:
    if not name.strip():
        return None
    account = account_by_name(session, name)
    if account is None or account.id is None:
        raise FieldError(f"unknown account {name.strip()!r} (not in the chart of accounts)")
    return account.id


def item_id(session: Session, name: str) -> int | None:
    if not name.strip():
        return None
    item = item_by_name(session, name)
    if item is None or item.id is None:
        raise FieldError(f"unknown item {name.strip()!r}")
    return item.id


@dataclass
class LineValues:
    """One document line as entered, before its amount is settled."""

    description: str | None = None
    account_id: int | None = None
    item_id: int | None = None
    qty: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    po_line_no: int | None = None  # invoices: which PO line this bills


ONE_OF_ACCOUNT_OR_ITEM = ("a line is account-based or item-based: give an account or an item, "
                          "not both")


def check_account_or_item(line: LineValues) -> None:
    """A new line names an account or an item, never both (QuickBooks would get only the
    item, while SyncDesk shows both)."""
    if line.account_id is None and line.item_id is None:
        raise FieldError("a line needs an account or an item", column="account")
    if line.account_id is not None and line.item_id is not None:
        raise FieldError(ONE_OF_ACCOUNT_OR_ITEM, column="item")


def settle_amount(line: LineValues) -> Decimal:
    """The line's amount: given, or qty × unit price; both must agree when both are given.

    A line may have both an account and an item only if it had them before
    SyncDesk refused that (``check_account_or_item`` guards new lines); the
    sync sends such a line as item-based.
    """
    if (line.qty is None) != (line.unit_price is None):
        raise FieldError("give both qty and unit price, or neither",
                         column="unit_price" if line.unit_price is None else "qty")
    if line.account_id is None and line.item_id is None:
        raise FieldError("a line needs an account or an item", column="account")
    if line.qty is not None and line.unit_price is not None:
        computed = line_amount(line.qty, line.unit_price)
        product = (f"qty × unit price is {format_quantity(line.qty)} × "
                   f"{format_quantity(line.unit_price)} = {computed}")
        if amount_too_large(computed):
            raise FieldError(f"too large: {product}, and QuickBooks takes at most "
                             f"{MAX_AMOUNT} for a line's amount", column="amount")
        if line.amount is not None and line.amount != computed:
            raise FieldError(f"bad amount {line.amount}: {product}", column="amount")
        return computed
    if line.amount is None:
        raise FieldError("the line has no amount (give amount, or qty and unit price)",
                         column="amount")
    return line.amount
