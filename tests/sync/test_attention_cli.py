"""Every problem says what to do, from the command line: show, status, list, edit supplier."""

from __future__ import annotations

import json

import pytest

from app.connection.service import ConnectRequest, connect
from app.qbo.oauth import follow_redirects
from tests.sync.conftest import bill_po, make_po


@pytest.fixture
def db(store, sandbox, db_path):
    """PO-1 goes; PO-2 is blocked (an A/P account on its lines)."""
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_po(store, number="PO-1")
    make_po(store, number="PO-2", account="Accounts Payable (A/P)")
    return db_path


def js(result):
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_show_json_carries_the_problem_and_what_to_do(cli, db):
    cli("--db", db, "sync")
    po = js(cli("--db", db, "show", "po", "PO-2", "--json"))
    assert (po["sync_state"], po["problem"]) == ("blocked", "ap_ar_line_account")
    error = po["last_error"]
    assert error["kind"] == "ap_ar_line_account"
    assert error["fix"] == "change_line_account"
    assert error["group"] == "ap_ar_line_account"  # every A/P or A/R line: one bulk fix
    assert error["explanation"].startswith("Line 1 of PO-2 uses 'Accounts Payable (A/P)'")
    assert error["what_to_do"] == (
        "Put the line on an expense or cost-of-goods account: syncdesk edit po PO-2 --set "
        "line.1.account=ACCOUNT (syncdesk list accounts shows them).")
    assert error["facts"]["line"] == 1
    assert "qbo_drift" in po and po["qbo_drift"] is None
    synced = js(cli("--db", db, "show", "po", "PO-1", "--json"))
    assert synced["last_error"] is None and synced["qbo_drift"] is None


def test_show_text_never_prints_none(cli, db, store):
    bill_po(store, "PO-1", "INV-1", "A-100")
    cli("--db", db, "sync")
    for kind, number in (("po", "PO-1"), ("po", "PO-2"), ("invoice", "INV-1")):
        result = cli("--db", db, "show", kind, number)
        assert result.code == 0 and "None" not in result.out, result.out
    blocked = cli("--db", db, "show", "po", "PO-2").out
    assert blocked.splitlines()[0] == "PO-2 — Acme Supply"
    assert "  QuickBooks: Blocked: a line uses an Accounts Payable or Receivable account" \
        in blocked  # the kind in words; ap_ar_line_account is for --json
    assert "ap_ar_line_account" not in blocked
    assert "  Problem: Line 1 of PO-2 uses 'Accounts Payable (A/P)'" in blocked
    assert "  What to do: Put the line on an expense or cost-of-goods account" in blocked
    invoice = cli("--db", db, "show", "invoice", "INV-1").out
    assert invoice.splitlines()[0] == "Invoice INV-1 — Acme Supply"
    assert "PO line" in invoice


def test_an_old_error_is_not_shown_beside_a_newer_state(cli, db):
    cli("--db", db, "sync")
    cli("--db", db, "settings", "--set", "require_reapproval_after_edit=off")
    edited = cli("--db", db, "edit", "po", "PO-2", "--set", "line.1.account=Cost of Goods Sold",
                 "--set", "line.2.account=Cost of Goods Sold")
    assert edited.code == 0, edited.err
    queued = js(cli("--db", db, "show", "po", "PO-2", "--json"))
    assert (queued["sync_state"], queued["problem"], queued["last_error"]) == (
        "queued", None, None)
    text = cli("--db", db, "show", "po", "PO-2").out
    assert "Accounts Payable" not in text and "Problem:" not in text
    assert "  QuickBooks: Queued" in text
    cli("--db", db, "sync")
    synced = js(cli("--db", db, "show", "po", "PO-2", "--json"))
    assert (synced["sync_state"], synced["last_error"]) == ("synced", None)


def test_sync_and_status_speak_in_sentences(cli, db):
    result = cli("--db", db, "sync")
    assert result.code == 0
    assert "Read QuickBooks (full load): " in result.out and "record(s)" not in result.out
    assert "Created 1 vendor: Acme Supply" in result.out
    assert "PO-1 created, PO-2 blocked." in result.out
    status = cli("--db", db, "status").out
    assert "Documents: 2 POs and 0 invoices" in status
    assert "  1 synced: in QuickBooks as SyncDesk has them" in status
    assert "  1 blocked: stopped by SyncDesk's checks before sending" in status
    assert "  1 document: a line uses an Accounts Payable or Receivable account" in status
    assert "ap_ar_line_account" not in status
    assert "syncdesk list pos --sync-state needs_attention" in status


def test_rename_a_supplier_whose_name_is_taken_in_quickbooks(cli, db, store, sandbox):
    sandbox.create("Customer", {"DisplayName": "O'Brien & Sons"})
    make_po(store, number="PO-3", supplier="O'Brien & Sons")
    make_po(store, number="PO-4", supplier="O'Brien & Sons", account="Accounts Payable (A/P)")
    cli("--db", db, "sync")
    po3 = js(cli("--db", db, "show", "po", "PO-3", "--json"))
    assert po3["problem"] == "duplicate_name"
    assert po3["last_error"]["what_to_do"].startswith(
        "Give the supplier a name no QuickBooks customer or employee has: syncdesk edit "
        "supplier 'O'\"'\"'Brien & Sons' --set name=NEW_NAME.")
    result = cli("--db", db, "edit", "supplier", "o'brien & sons", "--set",
                 "name=O'Brien & Sons Ltd")
    assert result.code == 0, result.err
    assert "O'Brien & Sons Ltd: name: O'Brien & Sons → O'Brien & Sons Ltd" in result.out
    # PO-4 is blocked by its account too, but its first problem was the name: both go again
    assert "Queued again for QuickBooks: 2 documents (PO-3, PO-4)." in result.out
    history = js(cli("--db", db, "history", "supplier", "O'Brien & Sons Ltd", "--json"))
    assert [(h["action"], h["summary"]) for h in history] == [
        ("supplier_edited", "Supplier renamed: O'Brien & Sons → O'Brien & Sons Ltd")]
    assert history[0]["detail"]["changes"] == [
        {"field": "name", "old": "O'Brien & Sons", "new": "O'Brien & Sons Ltd"}]
    po_history = [h["action"] for h in js(cli("--db", db, "history", "po", "PO-3", "--json"))]
    assert po_history[-2:] == ["supplier_edited", "queued"]
    cli("--db", db, "sync")
    pos = {r["number"]: (r["sync_state"], r["problem"])
           for r in js(cli("--db", db, "list", "pos", "--json"))}
    assert pos["PO-3"] == ("synced", None)
    assert pos["PO-4"] == ("blocked", "ap_ar_line_account")
    assert pos["PO-1"] == ("synced", None)
    supplier = next(s for s in js(cli("--db", db, "list", "suppliers", "--json"))
                    if s["name"] == "O'Brien & Sons Ltd")
    assert sandbox.read("Vendor", supplier["qbo_vendor_id"])["DisplayName"] == \
        "O'Brien & Sons Ltd"


def test_renaming_a_linked_supplier_keeps_its_synced_documents(cli, db):
    cli("--db", db, "sync")
    before = js(cli("--db", db, "list", "suppliers", "--json"))
    vendor = next(s["qbo_vendor_id"] for s in before if s["name"] == "Acme Supply")
    result = cli("--db", db, "edit", "supplier", "Acme Supply", "--set", "name=Acme Supply Co",
                 "--set", "email=orders@acme.example", "--set", "currency=usd")
    assert result.code == 0, result.err
    assert "Queued again" not in result.out  # PO-2's problem is its account, not the name
    assert f"QuickBooks vendor {vendor} keeps its own name" in result.out
    after = {s["name"]: s for s in js(cli("--db", db, "list", "suppliers", "--json"))}
    assert after["Acme Supply Co"]["qbo_vendor_id"] == vendor
    assert after["Acme Supply Co"]["email"] == "orders@acme.example"
    pos = {r["number"]: (r["sync_state"], r["problem"])
           for r in js(cli("--db", db, "list", "pos", "--json"))}
    assert pos == {"PO-1": ("synced", None), "PO-2": ("blocked", "ap_ar_line_account")}
    history = js(cli("--db", db, "history", "supplier", "Acme Supply Co", "--json"))
    assert history[-1]["summary"] == "Supplier Acme Supply Co edited: name, email"


def test_list_accounts_and_items_after_a_sync(cli, db, sandbox):
    sandbox.create("Item", {"Name": "Toner Cartridge", "Type": "NonInventory"})
    cli("--db", db, "sync")
    accounts = js(cli("--db", db, "list", "accounts", "--json"))
    by_name = {a["name"]: a for a in accounts}
    office = by_name["Office Supplies & Software"]
    assert set(office) == {"name", "type", "active", "qbo_id", "in_syncdesk", "in_quickbooks",
                           "linked"}
    assert (office["type"], office["active"], office["linked"]) == ("Expense", True, True)
    assert office["qbo_id"]
    assert by_name["Accounts Payable (A/P)"]["type"] == "Accounts Payable"
    assert [a["name"] for a in accounts] == sorted((a["name"] for a in accounts),
                                                   key=str.casefold)
    items = js(cli("--db", db, "list", "items", "--json"))
    toner = next(i for i in items if i["name"] == "Toner Cartridge")
    assert (toner["type"], toner["in_quickbooks"], toner["in_syncdesk"], toner["linked"]) == (
        "NonInventory", True, False, False)
    text = cli("--db", db, "list", "items").out
    assert text.splitlines()[0].split() == ["Name", "Type", "Active", "QuickBooks", "Expense",
                                            "account"]
    assert "Toner Cartridge" in text
    # what the list shows can be used: a QuickBooks item on a line
    edited = cli("--db", db, "edit", "po", "PO-2", "--set", "line.1.item=Toner Cartridge",
                 "--set", "line.1.account=", "--set", "line.2.account=Cost of Goods Sold")
    assert edited.code == 0, edited.err
    assert js(cli("--db", db, "list", "items", "--json"))[
        [i["name"] for i in items].index("Toner Cartridge")]["linked"] is True
