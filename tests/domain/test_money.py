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
    value = parse_money(text)
    assert value == expected and isinstance(value, Decimal)


@pytest.mark.parametrize("text, reason", [
    ("", "empty"), ("12,3x", "not a number"), ("1.234", "more than 2 decimal places"),
    ("1e5", "not a number"), ("NaN", "not a number"), ("99999999999", "too large"),
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
