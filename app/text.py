"""Small helpers for the sentences SyncDesk shows people."""

from __future__ import annotations

import re

# Nouns whose plural is not the singular plus "s".
_PLURALS = {"PO": "POs", "entry": "entries", "company": "companies"}
_ADDRESS = re.compile(r"[a-z][a-z0-9+.-]*://")  # a URL's scheme, as in postgresql://


def upper_first(text: str) -> str:
    """Capitalise the first letter only (``str.capitalize`` would lower "PO-1" to "po-1");
    a text that starts with an address (a team store's ``postgresql://…``) keeps it as
    written."""
    if _ADDRESS.match(text):
        return text
    return text[:1].upper() + text[1:]


def plural(noun: str, count: int) -> str:
    """``noun`` as it reads after ``count``: "invoice" → "invoices" unless the count is 1."""
    if count == 1:
        return noun
    if noun in _PLURALS:
        return _PLURALS[noun]
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou"):
        return noun[:-1] + "ies"
    return noun + "s"


def count_of(count: int, noun: str) -> str:
    """A count with its noun: "1 PO", "2 POs", "0 invoices"."""
    return f"{count} {plural(noun, count)}"
