"""Which currencies a currency symbol typed before an amount can stand for.

A fact table, kept small: the symbols people type in front of a number. "$"
is written for many dollars and pesos, so it fits any of them; "€" only the
euro; "£" the pound and the currencies pegged to it that write it. An amount
whose symbol does not fit its document's currency ("€10.00" on a USD PO) is
refused where it is typed: reading it as 10 US dollars would change its value.
"""

from __future__ import annotations

_DOLLARS = """
USD CAD AUD NZD SGD HKD TWD MXN ARS CLP COP CUP DOP UYU
BBD BMD BND BSD BZD FJD GYD JMD KYD LRD NAD SBD SRD TTD XCD
"""
SYMBOLS: dict[str, frozenset[str]] = {
    "$": frozenset(_DOLLARS.split()),  # dollars and the pesos written with "$"
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP", "GIP", "FKP", "SHP"}),
    "¥": frozenset({"JPY", "CNY"}),
}


def leading_symbol(text: str) -> tuple[str | None, str]:
    """The currency symbol ``text`` starts with (if any) and the rest, both stripped."""
    raw = text.strip()
    if raw[:1] in SYMBOLS:
        return raw[0], raw[1:].strip()
    return None, raw


def symbol_fits(symbol: str, currency: str) -> bool:
    """Whether ``symbol`` can stand for ``currency`` (an ISO 4217 code)."""
    return currency in SYMBOLS.get(symbol, frozenset())


def currencies_of(symbol: str, most: int = 4) -> str:
    """The currencies ``symbol`` stands for, for a message: ``USD, CAD, AUD, NZD, …``."""
    codes = sorted(SYMBOLS.get(symbol, frozenset()), key=_common_first)
    shown = ", ".join(codes[:most])
    return shown + (", …" if len(codes) > most else "")


_COMMON = ("USD", "CAD", "AUD", "NZD", "EUR", "GBP", "JPY")


def _common_first(code: str) -> tuple[int, str]:
    return (_COMMON.index(code) if code in _COMMON else len(_COMMON), code)
