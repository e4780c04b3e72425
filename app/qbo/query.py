"""Building QuickBooks query text safely."""

from __future__ import annotations


def quote(value: str) -> str:
    """A string literal for a QuickBooks query: single quotes, ``'`` escaped as ``\\'``.

    ``O'Brien & Sons`` becomes ``'O\\'Brien & Sons'``; the ``&`` needs no care here
    because the HTTP layer URL-encodes the whole query.
    """
    return "'" + value.replace("'", "\\'") + "'"

