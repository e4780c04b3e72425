"""Small helpers for the sentences SyncDesk shows people."""

from __future__ import annotations


def upper_first(text: str) -> str:
    """Capitalise the first letter only (``str.capitalize`` would lower "PO-1" to "po-1")."""
    return text[:1].upper() + text[1:]
