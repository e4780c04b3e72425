"""Adding a supplier, and a supplier's bad values refused each at its field (the supplier
editor shows them there), nothing saved; a new company file from the window's File menu."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import UserError
from app.services.documents import SupplierInvalid
from app.services.opening import create_company, open_company


def test_a_new_supplier_is_added_with_the_home_currency_and_its_own_history(services):
    docs = services.documents
    row = docs.create_supplier({"name": "  Zephyr Tools ", "email": "ap@zephyr.example"})
    assert row.to_json() == {"name": "Zephyr Tools", "email": "ap@zephyr.example",
                             "currency": "USD", "active": True, "qbo_vendor_id": None}
    assert [s.name for s in docs.suppliers("zephyr")] == ["Zephyr Tools"]
    history = docs.supplier_history("Zephyr Tools")
    assert [e.summary for e in history] == ["Supplier Zephyr Tools added"]
    assert {"field": "email", "old": None, "new": "ap@zephyr.example"} in history[0].changes


def test_every_bad_value_of_a_new_supplier_is_named_at_its_field_and_nothing_is_added(
        services):
    docs = services.documents
    with pytest.raises(SupplierInvalid) as caught:
        docs.create_supplier({"name": "acme supply", "email": "not-an-address",
                              "currency": "dollars", "active": "maybe"})
    errors = caught.value.errors
    assert set(errors) == {"name", "email", "currency", "active"}
    assert errors["name"] == "another supplier is already named 'Acme Supply'"
    assert errors["email"] == "bad e-mail address 'not-an-address'"
    assert isinstance(caught.value, UserError)  # the command line prints it as it is
    assert str(caught.value).startswith("the new supplier: name: another supplier")
    assert [s.name for s in docs.suppliers()] == ["Acme Supply", "O'Brien & Sons"]


def test_a_new_supplier_needs_a_name(services):
    with pytest.raises(SupplierInvalid) as caught:
        services.documents.create_supplier({"email": "ap@nameless.example"})
    assert caught.value.errors == {"name": "name is empty"}
    with pytest.raises(SupplierInvalid) as caught:
        services.documents.create_supplier({"name": "   "})
    assert caught.value.errors == {"name": "name is empty"}


def test_an_edit_names_each_bad_field_and_changes_nothing(services):
    docs = services.documents
    with pytest.raises(SupplierInvalid) as caught:
        docs.edit_supplier("Acme Supply", {"name": "O'BRIEN & SONS", "email": "ap@acme.example",
                                           "currency": ""})
    assert set(caught.value.errors) == {"name", "currency"}
    assert "O'Brien & Sons" in caught.value.errors["name"]
    assert docs.suppliers("acme")[0].email is None  # the good email was not kept either
    with pytest.raises(SupplierInvalid) as caught:  # one bad field: the words as before
        docs.edit_supplier("Acme Supply", {"active": "maybe"})
    assert str(caught.value) == "Acme Supply: active: bad active value 'maybe': use yes or no"


def test_a_new_company_file_is_made_with_its_chart_of_accounts(db_path: Path | str):
    services = create_company(str(db_path))
    try:
        if isinstance(db_path, Path):
            assert db_path.exists()
        assert services.documents.accounts()
        assert services.documents.suppliers() == []
    finally:
        services.close()


def test_a_new_company_never_replaces_a_file_with_something_in_it(tmp_path: Path):
    path = tmp_path / "books.db"
    with open_company(str(path), create=True) as services:
        services.documents.create_supplier({"name": "Kept Co"})
    with pytest.raises(UserError, match="choose a new file name"):
        create_company(str(path))
    with open_company(str(path)) as services:
        assert [s.name for s in services.documents.suppliers()] == ["Kept Co"]
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")  # an empty file (a save dialog may make one) is fine
    create_company(str(empty)).close()
