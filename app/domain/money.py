"""Parsing and arithmetic for money, quantities and currency codes (Decimal only)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.domain.currencies import is_currency
from app.domain.currency_symbols import currencies_of, leading_symbol, symbol_fits

CENT = Decimal("0.01")
MAX_MONEY_PLACES = 2
MAX_QTY_PLACES = 5
# QuickBooks keeps line amounts to "15 digits in 10.5 format": 10 before the point.
MAX_WHOLE_DIGITS = 10
MAX_AMOUNT = Decimal(10) ** MAX_WHOLE_DIGITS - CENT  # 9999999999.99

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# A comma between thousands: 1,234 or 12,345,678.50.
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
# A comma before the decimals, as much of Europe writes: 12,50, 0,5, 1.234,50.
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+$")


class MoneyError(ValueError):
    """A number or currency code that cannot be used; the message says why."""


def parse_decimal(text: str, *, places: int, what: str = "amount",
                  currency: str | None = None) -> Decimal:
    """Parse ``text`` as a Decimal with at most ``places`` decimal places.

    Thousands separators (``1,234.50``) are accepted as people type them, and
    a leading currency symbol that fits ``currency`` (``$`` for USD, ``€`` for
    EUR); anything else is refused with a reason. A symbol of another currency
    is refused, never dropped, and so is any symbol when ``currency`` is None
    (a quantity). A decimal comma (``12,50``, ``1.234,50``) is refused, saying
    so: reading it as 1250 or 1.2345 would silently change the amount.
    """
    symbol, cleaned = leading_symbol(text)
    if not cleaned:
        raise MoneyError(f"{what} is empty")
    if _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    elif _DECIMAL_COMMA.match(cleaned):  # 12,50 or 1.234,50: never read as 1250 or 1.2345
        point = cleaned.replace(".", "").replace(",", ".")
        raise MoneyError(f"{what} {text.strip()!r} has a decimal comma: SyncDesk reads "
                         f"numbers with a decimal point (write {point})")
    elif "," in cleaned:
        raise MoneyError(f"{what} {text.strip()!r} is not a number (a comma may only "
                         "separate thousands, as in 1,234.50)")
    if not _NUMBER.match(cleaned):
        raise MoneyError(f"{what} {text.strip()!r} is not a number")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards
        raise MoneyError(f"{what} {text.strip()!r} is not a number") from exc
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise MoneyError(f"{what} {text.strip()!r} has more than {places} decimal places")
    if abs(value) >= Decimal(10) ** MAX_WHOLE_DIGITS:
        largest = Decimal(10) ** MAX_WHOLE_DIGITS - Decimal(1).scaleb(-places)
        raise MoneyError(f"{what} {text.strip()!r} is too large: QuickBooks takes at most "
                         f"{largest}")
    if symbol is not None:
        _check_symbol(symbol, currency, what, text.strip())
    return value


def _check_symbol(symbol: str, currency: str | None, what: str, text: str) -> None:
    if currency is None:
        raise MoneyError(f"{what} {text!r} has a currency symbol ({symbol}): write the number "
                         "alone")
    if not symbol_fits(symbol, currency):
        raise MoneyError(f"{what} {text!r}: {symbol} is the symbol of {currencies_of(symbol)}, "
                         f"not of {currency}, this document's currency (write the amount "
                         "without the symbol, or change the document's currency)")


def amount_too_large(value: Decimal) -> bool:
    """Whether a line amount is beyond what QuickBooks keeps (``MAX_AMOUNT``)."""
    return abs(value) > MAX_AMOUNT


def parse_money(text: str, what: str = "amount", currency: str | None = None) -> Decimal:
    """A money amount in ``currency``: at most two decimal places."""
    return parse_decimal(text, places=MAX_MONEY_PLACES, what=what, currency=currency)


def parse_quantity(text: str, what: str = "quantity", currency: str | None = None) -> Decimal:
    """A quantity, or a unit price in ``currency``: at most five decimal places, as
    QuickBooks keeps them."""
    return parse_decimal(text, places=MAX_QTY_PLACES, what=what, currency=currency)


def line_amount(qty: Decimal, unit_price: Decimal) -> Decimal:
    """Qty × unit price rounded to the cent, half up, as QuickBooks expects."""
    return (qty * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal) -> str:
    """Exact text with two decimal places, e.g. ``1234.50``."""
    return str(value.quantize(CENT))


def format_quantity(value: Decimal) -> str:
    """A quantity or unit price without trailing zeros: ``10``, ``9.5``, ``0.125``."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return str(normalized.quantize(Decimal(1)))
    return str(normalized)


def parse_currency(text: str) -> str:
    """An ISO 4217 code such as ``USD``; lower case is accepted."""
    code = text.strip().upper()
    if not is_currency(code):
        raise MoneyError(f"currency {text.strip()!r} is not an ISO 4217 currency code: use a "
                         "three-letter code such as USD, EUR or GBP")
    return code


def display_money(value: Decimal) -> str:
    """Money for reading at a glance, thousands grouped: ``12,670.00`` (the window's tables)."""
    return f"{value.quantize(CENT):,}"
