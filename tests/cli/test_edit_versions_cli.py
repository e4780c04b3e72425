"""``edit --expect-version N``: refused, changing nothing, when the document moved on;
``show`` prints the version and who made the last edit."""

from __future__ import annotations

import re

import pytest

from tests.operations.test_edit_versions import make_po


@pytest.mark.usefixtures("sqlite_only")  # bob and ann are OS users (LOGNAME): a store file's
def test_an_edit_expecting_an_older_version_is_refused_naming_both(store, cli, monkeypatch):
    make_po(store)
    db = store.url
    monkeypatch.setenv("LOGNAME", "bob")
    shown = cli("--db", db, "show", "po", "PO-1")
    assert "  version: 1\n" in shown.out

    first = cli("--db", db, "edit", "po", "PO-1", "--set", "memo=Rush", "--expect-version", "1")
    assert first.code == 0, first.err
    assert "PO-1 is now draft (version 2)" in first.out

    monkeypatch.setenv("LOGNAME", "ann")
    second = cli("--db", db, "edit", "po", "PO-1", "--set", "line.1.qty=12",
                 "--expect-version", "1")
    assert second.code == 1 and second.out == ""
    assert re.search(r"PO-1 was changed by bob at \d\d:\d\d \(version 2: memo\) after you "
                     r"opened version 1; your changes were not saved\. Open PO-1 again to see "
                     r"bob's version, then make your change again\.", second.err), second.err

    shown = cli("--db", db, "show", "po", "PO-1", "--json")
    assert '"revision": 2' in shown.out and '"edited_by": "bob"' in shown.out
    text = cli("--db", db, "show", "po", "PO-1").out
    assert re.search(r"  version: 2 \(edited by bob, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)", text)
    assert "  memo: Rush" in text and "Widgets" in text

    # Without a version the edit goes on top of the latest one.
    third = cli("--db", db, "edit", "po", "PO-1", "--set", "line.1.qty=12")
    assert third.code == 0 and "(version 3)" in third.out


def test_a_version_is_a_whole_number_and_only_documents_have_one(store, cli):
    make_po(store)
    bad = cli("--db", store.url, "edit", "po", "PO-1", "--set", "memo=x", "--expect-version", "0")
    assert bad.code == 2 and "a version is a whole number from 1" in bad.err
    supplier = cli("--db", store.url, "edit", "supplier", "Acme Supply", "--set",
                   "email=a@example.com", "--expect-version", "1")
    assert supplier.code == 2 and "suppliers have no versions" in supplier.err
    assert cli("--db", store.url, "show", "po", "PO-1").out.count("version: 1") == 1
