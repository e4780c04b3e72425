import re
from decimal import Decimal

import pytest

from app.domain.money import (
    MoneyError,
    format_money,
    line_amount,
    parse_currency,
    parse_money,
    parse_quantity,
)


@pytest.mark.parametrize("text, expected", [
    ("12", Decimal("12")), ("12.5", Decimal("12.5")), ("1,234.50", Decimal("1234.50")),
    ("$99.99", Decimal("99.99")), (" 0.10 ", Decimal("0.10")), (".5", Decimal("0.5")),
])
def test_money_parses_what_people_type(text, expected):
    value = parse_money(text, currency="USD")  # "$" is taken as the document's currency's
    assert value == expected and isinstance(value, Decimal)


@pytest.mark.parametrize("text, reason", [
    ("", "empty"), ("12,3x", "not a number"), ("1.234", "more than 2 decimal places"),
    ("1e5", "not a number"), ("NaN", "not a number"),
    ("99999999999", "too large: QuickBooks takes at most 9999999999.99"),
    ("10000000000.00", "too large: QuickBooks takes at most 9999999999.99"),
])
def test_bad_money_says_why(text, reason):
    with pytest.raises(MoneyError, match=reason):
        parse_money(text)


def test_quantities_keep_five_places():
    assert parse_quantity("2.12345") == Decimal("2.12345")
    with pytest.raises(MoneyError):
        parse_quantity("2.123456")


def test_line_amount_rounds_half_up_to_the_cent():
    assert line_amount(Decimal("3"), Decimal("0.335")) == Decimal("1.01")
    assert line_amount(Decimal("10"), Decimal("15")) == Decimal("150.00")
    # 0.1 + 0.2 style errors cannot happen with Decimal
    assert line_amount(Decimal("0.1"), Decimal("3")) == Decimal("0.30")


def test_format_money_is_exact_text():
    assert format_money(Decimal("1234.5")) == "1234.50"


def test_currency_codes():
    assert parse_currency("usd") == "USD"
    with pytest.raises(MoneyError, match="three-letter"):
        parse_currency("US Dollars")


@pytest.mark.parametrize("text, written", [
    ("1.234,50", "1234.50"), ("12,50", "12.50"), ("0,5", "0.5"), ("€ 1.000.000,00", "1000000.00"),
])
def test_a_decimal_comma_is_refused_saying_so_never_read_as_another_number(text, written):
    with pytest.raises(MoneyError, match="decimal comma") as caught:
        parse_money(text)
    assert f"decimal point (write {written})" in str(caught.value)
    with pytest.raises(MoneyError, match="decimal comma"):
        parse_quantity(text)  # five places would have taken 1.234,50 as 1.2345


def test_commas_only_between_thousands():
    assert parse_money("12,345,678.50") == Decimal("12345678.50")
    assert parse_quantity("1,000") == Decimal("1000")
    with pytest.raises(MoneyError, match="a comma may only separate thousands"):
        parse_money("1,23,456")


@pytest.mark.parametrize("code", ["XYZ", "usd1", "ABC", "US", "HRK"])
def test_a_currency_must_be_an_iso_4217_code(code):
    with pytest.raises(MoneyError, match="not an ISO 4217 currency code"):
        parse_currency(code)


def test_iso_4217_codes_are_accepted():
    assert [parse_currency(c) for c in ("eur", " GBP ", "JPY", "XOF", "CHF")] == [
        "EUR", "GBP", "JPY", "XOF", "CHF"]


def test_the_memo_gets_what_syncdesks_marker_leaves_of_the_private_note():
    from app.domain.qbo_limits import PRIVATE_NOTE_MAX, memo_max, private_note

    for number, po in (("PO-1001", True), ("INV-2001", False), ("X" * 21, True)):
        room = memo_max(number, po)
        assert len(private_note(number, "m" * room, cancelled=po, lineage="k3f9a2")
                   ) == PRIVATE_NOTE_MAX  # the store's lineage counted in
    assert memo_max("PO-1", po=True) < memo_max("PO-1", po=False)  # room for "cancelled"


def test_the_largest_amount_quickbooks_keeps_is_taken_and_the_limit_is_named():
    assert parse_money("9999999999.99") == Decimal("9999999999.99")
    with pytest.raises(MoneyError, match=r"at most 9999999999\.99999$"):
        parse_quantity("10000000000", "unit price")


@pytest.mark.parametrize("text, currency, expected", [
    ("$10.00", "USD", Decimal("10.00")), ("$10", "CAD", Decimal("10")),
    ("$ 10", "AUD", Decimal("10")), ("€10.00", "EUR", Decimal("10.00")),
    ("£1,234.50", "GBP", Decimal("1234.50")), ("¥1200", "JPY", Decimal("1200")),
])
def test_a_currency_symbol_of_the_documents_currency_is_taken(text, currency, expected):
    assert parse_money(text, currency=currency) == expected


@pytest.mark.parametrize("text, currency, named", [
    ("€10.00", "USD", "€ is the symbol of EUR, not of USD"),
    ("£10.00", "USD", "£ is the symbol of GBP"),
    ("$10.00", "EUR", "$ is the symbol of USD, CAD, AUD, NZD, …, not of EUR"),
    ("¥10", "GBP", "not of GBP"),
])
def test_a_currency_symbol_of_another_currency_is_refused_never_dropped(text, currency, named):
    with pytest.raises(MoneyError, match=re.escape(named)):
        parse_money(text, currency=currency)
    with pytest.raises(MoneyError, match=re.escape(named)):
        parse_quantity(text, "unit price", currency=currency)


def test_a_quantity_takes_no_currency_symbol():
    with pytest.raises(MoneyError, match="has a currency symbol"):
        parse_quantity("$5")
