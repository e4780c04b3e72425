"""``edit --expect-version N``: refused, changing nothing, when the document moved on;
``show`` prints the version and who made the last edit."""

from __future__ import annotations

import re

from tests.operations.test_edit_versions import make_po


def test_an_edit_expecting_an_older_version_is_refused_naming_both(store, people, cli):
    """bob and ann sign in with ``people`` (tests/team_people.py): the OS user on a SQLite
    store, a database login of their own on PostgreSQL."""
    make_po(store)
    bob = people.login("bob")
    as_bob = people.sign_in("bob")
    shown = cli("--db", as_bob, "show", "po", "PO-1")
    assert "  version: 1\n" in shown.out

    first = cli("--db", as_bob, "edit", "po", "PO-1", "--set", "memo=Rush",
                "--expect-version", "1")
    assert first.code == 0, first.err
    assert "PO-1 is now draft (version 2)" in first.out

    as_ann = people.sign_in("ann")
    second = cli("--db", as_ann, "edit", "po", "PO-1", "--set", "line.1.qty=12",
                 "--expect-version", "1")
    assert second.code == 1 and second.out == ""
    assert re.search(rf"PO-1 was changed by {bob} at \d\d:\d\d \(version 2: memo\) after you "
                     r"opened version 1; your changes were not saved\. Open PO-1 again to see "
                     rf"{bob}'s version, then make your change again\.", second.err), second.err

    shown = cli("--db", as_ann, "show", "po", "PO-1", "--json")
    assert '"revision": 2' in shown.out and f'"edited_by": "{bob}"' in shown.out
    text = cli("--db", as_ann, "show", "po", "PO-1").out
    assert re.search(rf"  version: 2 \(edited by {bob}, \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)",
                     text)
    assert "  memo: Rush" in text and "Widgets" in text

    # Without a version the edit goes on top of the latest one.
    third = cli("--db", as_ann, "edit", "po", "PO-1", "--set", "line.1.qty=12")
    assert third.code == 0 and "(version 3)" in third.out


def test_a_version_is_a_whole_number_and_only_documents_have_one(store, cli):
    make_po(store)
    bad = cli("--db", store.url, "edit", "po", "PO-1", "--set", "memo=x", "--expect-version", "0")
    assert bad.code == 2 and "a version is a whole number from 1" in bad.err
    supplier = cli("--db", store.url, "edit", "supplier", "Acme Supply", "--set",
                   "email=a@example.com", "--expect-version", "1")
    assert supplier.code == 2 and "suppliers have no versions" in supplier.err
    assert cli("--db", store.url, "show", "po", "PO-1").out.count("version: 1") == 1
