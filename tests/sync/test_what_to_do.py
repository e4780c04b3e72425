"""Every problem kind says what to do, in words and commands a bookkeeper can type."""

from __future__ import annotations

import pytest

from app.domain.problems import FIXES, MEANINGS, Kind
from app.sync.problems import what_to_do


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("doc_kind", ["po", "invoice"])
def test_every_kind_says_what_to_do(kind, doc_kind):
    text = what_to_do(kind.value, doc_kind, "X-7", {}, "Acme Supply")
    assert text and not text.startswith("See ")  # not the fallback for unknown kinds
    assert "None" not in text and "{" not in text
    assert text.endswith(".")
    assert kind in MEANINGS and kind in FIXES


def test_the_steps_name_the_document_line_and_supplier():
    assert what_to_do("ap_ar_line_account", "invoice", "INV-9", {"line": 2}) == (
        "Put the line on an expense or cost-of-goods account: syncdesk edit invoice INV-9 "
        "--set line.2.account=ACCOUNT (syncdesk list accounts shows them).")
    assert "syncdesk edit supplier 'Smith & Co' --set name=NEW_NAME" in what_to_do(
        "duplicate_name", "po", "PO-1", {}, "Smith & Co")
    assert what_to_do("missing_reference", "po", "PO-1", {"item": "Tea", "line": 3}).endswith(
        "syncdesk edit po PO-1 --set line.3.item=NAME.")
    assert "--set currency=USD" in what_to_do("currency_mismatch", "po", "PO-1",
                                              {"home_currency": "USD"})
    assert "syncdesk show po PO-4" in what_to_do("waiting_on_po", "invoice", "INV-1",
                                                 {"po": "PO-4"})


@pytest.mark.parametrize(("doc_kind", "element", "expected"), [
    ("invoice", "DocNumber", "syncdesk edit invoice N-1 --set reference=SHORTER."),
    ("po", "PrivateNote", "syncdesk edit po N-1 --set memo=SHORTER."),
    ("po", "DocNumber", "cancel this one (syncdesk cancel po N-1)"),
    ("po", "DisplayName", "syncdesk edit supplier 'Acme Supply' --set name=SHORTER."),
])
def test_a_field_too_long_names_the_field_to_shorten(doc_kind, element, expected):
    text = what_to_do("string_too_long", doc_kind, "N-1", {"element": element, "limit": 21},
                      "Acme Supply")
    assert expected in text
