"""Bad input named where it is typed (CSV import and edit), and nothing half-written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from app.domain.states import DocKind
from app.errors import UserError
from app.operations import creating, editing
from app.operations.csv_import import import_csv
from app.operations.fields import FieldError, LineValues
from app.operations.history import events_for
from app.operations.lookup import account_by_name, supplier_by_name
from app.operations.suppliers import edit_supplier
from app.store.models import Item, PoLine, PurchaseOrder, Supplier
from tests.operations.test_csv_import import errors_of, write

ACTOR = "ann"


def imported(store, kind: str, path: Path) -> int:
    with store.session() as s:
        return import_csv(s, kind, path, ACTOR)


def add_po(store, number: str = "PO-1", currency: str | None = None) -> None:
    """A pending PO with one account line of 10 × 15."""
    with store.session() as s:
        utilities = account_by_name(s, "Utilities")
        acme = supplier_by_name(s, "Acme Supply")
        assert utilities is not None and acme is not None
        creating.create_po(s, number=number, supplier_id=acme.id, actor=ACTOR, currency=currency,
                    lines=[LineValues(description="Power", account_id=utilities.id,
                                      qty=Decimal("10"), unit_price=Decimal("15"))])


def line_one(store, number: str = "PO-1") -> PoLine:
    with store.session() as s:
        po = s.exec(select(PurchaseOrder).where(PurchaseOrder.number == number)).one()
        return s.exec(select(PoLine).where(PoLine.po_id == po.id, PoLine.line_no == 1)).one()


def refused_edit(store, pairs: list[tuple[str, str]], number: str = "PO-1") -> str:
    before = line_one(store, number).model_dump()
    with pytest.raises(UserError) as caught, store.session() as s:
        editing.edit_po(s, number, pairs, ACTOR)
    assert line_one(store, number).model_dump() == before, "a refused edit changes nothing"
    return str(caught.value)


# --- 1. a supplier's name: the same check in edit as in import --------------------------

def test_renaming_a_supplier_to_a_name_longer_than_quickbooks_takes_is_refused(store):
    with pytest.raises(UserError) as caught, store.session() as s:
        edit_supplier(s, "Acme Supply", [("name", "M" * 501)], ACTOR)
    assert str(caught.value) == ("Acme Supply: name: too long: 501 characters, and QuickBooks "
                                 "takes at most 500 for a supplier's name")
    with store.session() as s:
        assert supplier_by_name(s, "Acme Supply") is not None
        edit_supplier(s, "Acme Supply", [("name", "M" * 500)], ACTOR)
    with store.session() as s:
        assert supplier_by_name(s, "M" * 500) is not None


@pytest.mark.parametrize("word, active", [
    ("yes", True), ("true", True), ("1", True), ("active", True), ("on", True),
    ("no", False), ("false", False), ("0", False), ("inactive", False), ("archived", False),
    ("off", False),
])
def test_import_and_edit_read_a_suppliers_active_value_alike(store, tmp_path, word, active):
    assert imported(store, "suppliers", write(tmp_path, f"name,active\nZed Co,{word}\n")) == 1
    with store.session() as s:
        edit_supplier(s, "Acme Supply", [("active", "no" if active else "yes")], ACTOR)
        edit_supplier(s, "Acme Supply", [("active", word)], ACTOR)
    with store.session() as s:
        zed, acme = (s.exec(select(Supplier).where(Supplier.name == n)).one()
                     for n in ("Zed Co", "Acme Supply"))
        assert zed.active is active and acme.active is active


def test_a_bad_active_value_is_refused_the_same_way_by_import_and_edit(store, tmp_path):
    errors = errors_of(store, "suppliers", write(tmp_path, "name,active\nZed Co,maybe\n"))
    assert errors == ["line 2, column active: bad active value 'maybe': use yes or no"]
    with pytest.raises(UserError) as caught, store.session() as s:
        edit_supplier(s, "Acme Supply", [("active", "maybe")], ACTOR)
    assert str(caught.value) == "Acme Supply: active: bad active value 'maybe': use yes or no"


# --- 2. an amount computed as qty × unit price is range-checked --------------------------

def test_a_computed_amount_beyond_quickbooks_limit_is_refused_at_import(store, tmp_path):
    text = ("number,supplier,account,qty,unit_price,amount\n"
            "PO-1,Acme Supply,Utilities,99999999,99999999,\n"
            "PO-2,Acme Supply,Utilities,1,9999999999.99,\n"
            "PO-3,Acme Supply,Utilities,,,9999999999.99\n")
    assert errors_of(store, "pos", write(tmp_path, text)) == [
        "line 2, column amount: too large: qty × unit price is 99999999 × 99999999 = "
        "9999999800000001.00, and QuickBooks takes at most 9999999999.99 for a line's amount"]
    fits = text.replace("99999999,99999999", "99999,99999")
    assert imported(store, "pos", write(tmp_path, fits, "fits.csv")) == 3


def test_a_typed_amount_too_large_names_the_limit(store, tmp_path):
    text = "number,supplier,account,amount\nPO-1,Acme Supply,Utilities,10000000000\n"
    assert errors_of(store, "pos", write(tmp_path, text)) == [
        "line 2, column amount: bad amount '10000000000' is too large: QuickBooks takes at "
        "most 9999999999.99"]


def test_an_edit_whose_qty_times_unit_price_is_too_large_is_refused(store):
    add_po(store)
    reason = refused_edit(store, [("line.1.qty", "99999999"), ("line.1.unit_price", "99999999")])
    assert reason == ("PO-1: line 1: too large: qty × unit price is 99999999 × 99999999 = "
                      "9999999800000001.00, and QuickBooks takes at most 9999999999.99 for a "
                      "line's amount")
    with store.session() as s:
        assert s.exec(select(PurchaseOrder)).one().total == Decimal("150.00")
    reason = refused_edit(store, [("line.1.amount", "9999999999999.99")])
    assert reason.endswith("is too large: QuickBooks takes at most 9999999999.99")


# --- 3. a currency symbol must be the document's currency's -------------------------------

def test_a_currency_symbol_of_another_currency_is_refused_at_import(store, tmp_path):
    text = ("number,supplier,account,qty,unit_price,amount,currency\n"
            "PO-1,Acme Supply,Utilities,,,€10.00,\n"
            "PO-2,Acme Supply,Utilities,,,£10.00,USD\n"
            "PO-3,Acme Supply,Utilities,2,€5,,\n"
            "PO-4,Acme Supply,Utilities,,,$10.00,EUR\n"
            "PO-5,Acme Supply,Utilities,$2,5,,\n")
    assert errors_of(store, "pos", write(tmp_path, text)) == [
        "line 2, column amount: bad amount '€10.00': € is the symbol of EUR, not of USD, this "
        "document's currency (write the amount without the symbol, or change the document's "
        "currency)",
        "line 3, column amount: bad amount '£10.00': £ is the symbol of GBP, FKP, GIP, SHP, "
        "not of USD, this document's currency (write the amount without the symbol, or change "
        "the document's currency)",
        "line 4, column unit_price: bad unit price '€5': € is the symbol of EUR, not of USD, "
        "this document's currency (write the amount without the symbol, or change the "
        "document's currency)",
        "line 5, column amount: bad amount '$10.00': $ is the symbol of USD, CAD, AUD, NZD, …, "
        "not of EUR, this document's currency (write the amount without the symbol, or change "
        "the document's currency)",
        "line 6, column qty: bad quantity '$2' has a currency symbol ($): write the number "
        "alone",
    ]


def test_a_currency_symbol_of_the_documents_currency_is_taken_at_import(store, tmp_path):
    text = ("number,supplier,account,qty,unit_price,amount,currency\n"
            "PO-1,Acme Supply,Utilities,,,€10.00,EUR\n"
            "PO-2,Acme Supply,Utilities,,,$10.00,\n"
            "PO-3,Acme Supply,Utilities,2,$5,,CAD\n"
            "PO-4,Acme Supply,Utilities,,,£7.50,gbp\n")
    assert imported(store, "pos", write(tmp_path, text)) == 4
    with store.session() as s:
        totals = {po.number: (po.total, po.currency) for po in s.exec(select(PurchaseOrder))}
    assert totals == {"PO-1": (Decimal("10.00"), "EUR"), "PO-2": (Decimal("10.00"), "USD"),
                      "PO-3": (Decimal("10.00"), "CAD"), "PO-4": (Decimal("7.50"), "GBP")}


def test_an_edit_takes_a_symbol_only_of_the_documents_currency(store):
    add_po(store)
    reason = refused_edit(store, [("line.1.amount", "€10.00"), ("line.1.qty", ""),
                                  ("line.1.unit_price", "")])
    assert reason.startswith("PO-1: line.1.amount: bad amount '€10.00': € is the symbol of EUR, "
                             "not of USD")
    with store.session() as s:  # the currency given in the same edit counts, in any order
        editing.edit_po(s, "PO-1", [("line.1.amount", "€12.00"), ("line.1.qty", ""),
                              ("line.1.unit_price", ""), ("currency", "EUR")], ACTOR)
    line = line_one(store)
    assert (line.amount, line.qty) == (Decimal("12.00"), None)


# --- 4. a repeated column ----------------------------------------------------------------

def test_a_column_given_twice_is_refused(store, tmp_path):
    text = "number,supplier,amount,account,amount\nPO-1,Acme Supply,5,Utilities,7\n"
    assert errors_of(store, "pos", write(tmp_path, text)) == [
        "line 1: column amount appears twice"]
    text = "account,number,supplier,amount, Account \nUtilities,PO-1,Acme Supply,5,Rent\n"
    assert errors_of(store, "pos", write(tmp_path, text, "b.csv")) == [
        "line 1: column account appears twice"]
    text = "name,NAME,Name\nZed Co,Zed,Z\n"
    assert errors_of(store, "suppliers", write(tmp_path, text, "s.csv")) == [
        "line 1: column name appears 3 times"]


# --- 5. a line is account-based or item-based ----------------------------------------------

@pytest.fixture
def with_item(store):
    with store.session() as s:
        s.add(Item(name="Delivery Fee"))
    return store


def test_a_csv_line_with_both_an_account_and_an_item_is_refused(with_item, tmp_path):
    text = ("number,supplier,account,item,amount\n"
            "PO-1,Acme Supply,Utilities,,5\n"
            "PO-1,,Utilities,Delivery Fee,7\n"
            "PO-2,Acme Supply,,Delivery Fee,9\n")
    assert errors_of(with_item, "pos", write(tmp_path, text)) == [
        "line 3, column item: a line is account-based or item-based: give an account or an "
        "item, not both (this line has account 'Utilities' and item 'Delivery Fee')"]
    invoices = ("number,supplier,reference,issue_date,account,item,amount\n"
                "INV-1,Acme Supply,R-1,2026-07-01,Utilities,Delivery Fee,7\n")
    assert errors_of(with_item, "invoices", write(tmp_path, invoices, "i.csv"))[0].startswith(
        "line 2, column item: a line is account-based or item-based")


def test_a_new_document_line_with_both_is_refused(with_item):
    with pytest.raises(FieldError, match="account-based or item-based"), \
            with_item.session() as s:
        item = s.exec(select(Item)).one()
        account = account_by_name(s, "Utilities")
        creating.create_po(s, number="PO-1", supplier_id=supplier_by_name(s, "Acme Supply").id,
                    actor=ACTOR, lines=[LineValues(account_id=account.id, item_id=item.id,
                                                   amount=Decimal("5"))])


def test_setting_an_item_on_an_account_line_switches_it_and_the_history_says_so(with_item):
    add_po(with_item)
    with with_item.session() as s:
        result = editing.edit_po(s, "PO-1", [("line.1.item", "Delivery Fee")], ACTOR)
    assert [(c.field, c.old, c.new) for c in result.changes] == [
        ("line.1.item", None, "Delivery Fee"), ("line.1.account", "Utilities", None)]
    line = line_one(with_item)
    assert line.account_id is None and line.item_id is not None
    with with_item.session() as s:
        po = s.exec(select(PurchaseOrder)).one()
        edited = [e for e in events_for(s, DocKind.PO, po.id) if e.action == "edited"][-1]
        assert edited.detail["changes"] == [
            {"field": "line.1.item", "old": None, "new": "Delivery Fee"},
            {"field": "line.1.account", "old": "Utilities", "new": None}]
        # and back: an account clears the item
        result = editing.edit_po(s, "PO-1", [("line.1.account", "Shipping & Delivery")], ACTOR)
    assert [(c.field, c.old, c.new) for c in result.changes] == [
        ("line.1.account", None,
        "Shipping & Delivery"), ("line.1.item", "Delivery Fee", None)]
    line = line_one(with_item)
    assert line.item_id is None and line.account_id is not None


def test_setting_both_an_account_and_an_item_on_one_line_in_one_edit_is_refused(with_item):
    add_po(with_item)
    for pairs in ([("line.1.account", "Shipping & Delivery"), ("line.1.item", "Delivery Fee")],
                  [("line.1.item", "Delivery Fee"), ("line.1.account", "Shipping & Delivery")]):
        reason = refused_edit(with_item, pairs)
        assert "give line.1.account or line.1.item, not both" in reason
    with with_item.session() as s:  # clearing one and setting the other is a switch
        editing.edit_po(s, "PO-1", [("line.1.account", ""), ("line.1.item", "Delivery Fee")], ACTOR)
    assert line_one(with_item).account_id is None


# --- 6. reading the file -------------------------------------------------------------------

def test_a_huge_header_name_is_cut_in_the_message(store, tmp_path):
    huge = "h" * 140_000
    text = f"number,supplier,account,amount,{huge}\nPO-1,Acme Supply,Utilities,5,x\n"
    errors = errors_of(store, "pos", write(tmp_path, text))
    assert errors == ["line 1, column " + "h" * 40 + "…: unknown column; known columns: number, "
                      "supplier, po_date, status, currency, memo, description, account, item, "
                      "qty, unit_price, amount"]
    text = f"{huge},supplier\nx,y\n"
    errors = errors_of(store, "pos", write(tmp_path, text, "b.csv"))
    assert all(len(e) < 400 for e in errors) and huge not in "".join(errors)
    assert errors[0] == ("line 1, column number: missing column (the file has: " + "h" * 40
                         + "…, supplier)")


def test_a_file_not_in_utf8_names_the_line_of_the_bad_byte(store, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("number,supplier,account,amount,memo\nPO-1,Acme Supply,Utilities,5,"
                     "Caf\u00e9\n".encode("latin-1"))
    assert errors_of(store, "pos", path) == [
        "line 2: the file is not UTF-8 text (a character here cannot be read); save the file "
        "as CSV UTF-8"]
    path.write_bytes(b"\xef\xbb\xbfnumber,supplier,account,amount\nPO-1,Acme,Utilities,5\n"
                     b"PO-2,Acme,Utilities,5\nPO-3,Caf\xe9,Utilities,5\n")
    assert errors_of(store, "pos", path)[0].startswith("line 4: the file is not UTF-8 text")


def test_a_semicolon_separated_file_is_recognised(store, tmp_path):
    text = "number;supplier;account;amount\nPO-1;Acme Supply;Utilities;5\n"
    assert errors_of(store, "pos", write(tmp_path, text)) == [
        "line 1: the file seems to use semicolons between columns; SyncDesk reads "
        "comma-separated files (save as CSV UTF-8 (comma delimited))"]
    text = "name;email\nZed Co;z@example.com\n"
    assert "semicolons between columns" in errors_of(
        store, "suppliers", write(tmp_path, text, "s.csv"))[0]
