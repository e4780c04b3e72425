"""What the command line says: counts as sentences, what not_synced means, the chart of
accounts and items, and editing a supplier (no QuickBooks needed for any of these)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def new_db(db_path, cli) -> Path | str:
    """A new, empty company (``init``) on the test's backend."""
    assert cli("--db", db_path, "init").code == 0
    return db_path


def as_json(result):
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_import_counts_read_as_sentences(new_db, cli, tmp_path):
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text("name\nAcme Supply\n")
    result = cli("--db", new_db, "import", "suppliers", suppliers)
    assert result.out == f"Imported 1 supplier from {suppliers}\n"
    pos = tmp_path / "pos.csv"
    pos.write_text("number,supplier,account,amount\nPO-1,Acme Supply,Utilities,10\n")
    assert cli("--db", new_db, "import", "pos", pos).out == f"Imported 1 PO from {pos}\n"
    pos.write_text("number,supplier,account,amount\nPO-2,Acme Supply,Utilities,10\n"
                   "PO-3,Acme Supply,Utilities,12\n")
    assert cli("--db", new_db, "import", "pos", pos).out == f"Imported 2 POs from {pos}\n"


def test_status_says_what_not_synced_covers(demo_db, cli):
    status = as_json(cli("--db", demo_db, "status", "--json"))
    breakdown = status["not_synced"]
    assert set(breakdown["pos"]) <= {"draft", "pending"} and breakdown["invoices"] == {
        "outstanding": status["invoices"]["not_synced"]}
    assert sum(breakdown["pos"].values()) == status["pos"]["not_synced"]
    text = cli("--db", demo_db, "status").out
    drafts, pending = breakdown["pos"]["draft"], breakdown["pos"]["pending"]
    outstanding = breakdown["invoices"]["outstanding"]
    flat = " ".join(text.split())  # the line is wrapped to fit 100 columns
    assert (f"{status['by_state']['not_synced']} not synced: not due for QuickBooks yet — "
            f"{drafts} draft POs, {pending} POs waiting for approval, {outstanding} "
            "outstanding invoices (not approved yet)") in flat
    assert max(len(line) for line in text.splitlines()) <= 100
    assert f"  {status['by_state']['queued']} queued: approved, waiting for the next sync" \
        in text
    assert "Documents: 64 POs and 44 invoices" in text
    assert "not_synced:" not in text  # no bare "state: count" lines


def test_status_of_a_single_cancelled_po(new_db, cli, tmp_path):
    suppliers = tmp_path / "s.csv"
    suppliers.write_text("name\nAcme Supply\n")
    cli("--db", new_db, "import", "suppliers", suppliers)
    pos = tmp_path / "pos.csv"
    pos.write_text("number,supplier,account,amount\nPO-1,Acme Supply,Utilities,10\n")
    cli("--db", new_db, "import", "pos", pos)
    assert cli("--db", new_db, "cancel", "po", "PO-1").code == 0
    text = cli("--db", new_db, "status").out
    assert "  1 not synced: not due for QuickBooks yet — 1 PO cancelled before it reached " \
        "QuickBooks" in text
    assert "Documents: 1 PO and 0 invoices" in text


def test_list_accounts_before_any_sync(new_db, cli):
    accounts = as_json(cli("--db", new_db, "list", "accounts", "--json"))
    utilities = next(a for a in accounts if a["name"] == "Utilities")
    assert utilities == {"name": "Utilities", "type": "Expense", "active": True, "qbo_id": None,
                         "in_syncdesk": True, "in_quickbooks": False, "linked": False}
    assert len(accounts) == 9
    text = cli("--db", new_db, "list", "accounts").out.splitlines()
    assert text[0].split() == ["Name", "Type", "Active", "QuickBooks"]
    assert any(line.startswith("Utilities") and line.endswith("not in QuickBooks")
               for line in text)
    assert "sync once to bring in QuickBooks' list" in text[-1]
    assert as_json(cli("--db", new_db, "list", "items", "--json")) == []
    assert [a["name"] for a in as_json(cli("--db", new_db, "list", "accounts", "--search",
                                           "supplies", "--json"))] == [
        "Office Supplies & Software", "Supplies & Materials"]


def test_edit_supplier(demo_db, cli):
    result = cli("--db", demo_db, "edit", "supplier", "Acme Office Supply", "--set",
                 "email=ap@acme.example", "--set", "active=no")
    assert result.code == 0, result.err
    assert result.out == ("Acme Office Supply: email: accounts@acmeofficesupply.example → "
                          "ap@acme.example\n"
                          "Acme Office Supply: active: yes → no\n")
    row = next(s for s in as_json(cli("--db", demo_db, "list", "suppliers", "--json"))
               if s["name"] == "Acme Office Supply")
    assert (row["email"], row["active"]) == ("ap@acme.example", False)
    history = as_json(cli("--db", demo_db, "history", "supplier", "Acme Office Supply",
                          "--json"))
    assert history[-1]["summary"] == "Supplier Acme Office Supply edited: email, active"
    # the supplier's open documents note it too
    po_history = as_json(cli("--db", demo_db, "history", "po", "PO-1001", "--json"))
    assert po_history[-1]["action"] == "supplier_edited"
    again = cli("--db", demo_db, "edit", "supplier", "Acme Office Supply", "--set",
                "email=ap@acme.example")
    assert again.out == "Acme Office Supply: nothing changed\n"


@pytest.mark.parametrize(("assignment", "message"), [
    ("email=not-an-address", "Acme Office Supply: email: bad e-mail address 'not-an-address'"),
    ("name=Keystone paper co.", "another supplier is already named 'Keystone Paper Co.'"),
    ("name=  ", "name: name is empty"),
    ("colour=blue", "not an editable field; choose from name, email, currency, active"),
    ("active=perhaps", "bad active value 'perhaps': use yes or no"),
])
def test_edit_supplier_refusals_change_nothing(demo_db, cli, assignment, message):
    before = as_json(cli("--db", demo_db, "list", "suppliers", "--json"))
    result = cli("--db", demo_db, "edit", "supplier", "Acme Office Supply", "--set",
                 assignment)
    assert result.code == 1 and result.out == ""
    assert message in result.err
    assert as_json(cli("--db", demo_db, "list", "suppliers", "--json")) == before


def test_edit_an_unknown_supplier(demo_db, cli):
    result = cli("--db", demo_db, "edit", "supplier", "Nobody Ltd", "--set", "name=X")
    assert result.code == 1 and "there is no supplier named 'Nobody Ltd'" in result.err
    assert cli("--db", demo_db, "history", "supplier", "Nobody Ltd").code == 1
