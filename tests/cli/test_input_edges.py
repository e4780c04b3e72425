"""Bad input from the command line: a clear message, exit 1 or 2, and nothing changed."""

from __future__ import annotations

import json

import pytest

from app.connection.service import ConnectRequest, connect, open_client
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from app.store.database import open_store, resolve_db_url
from app.store.models import Item
from app.sync.engine import SyncEngine
from tests.qbo.conftest import FAST, memory_keyring  # noqa: F401  (autouse fixture)


def as_json(result):
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_edit_refuses_a_supplier_name_longer_than_quickbooks_takes(demo_db, cli):
    for length in (600, 501):
        result = cli("--db", demo_db, "edit", "supplier", "Acme Office Supply",
                     "--set", "name=" + "M" * length)
        assert result.code == 1 and result.out == ""
        assert result.err.strip().endswith(f"name: too long: {length} characters, and "
                                           "QuickBooks takes at most 500 for a supplier's name")
    names = [s["name"] for s in as_json(cli("--db", demo_db, "list", "suppliers", "--json"))]
    assert "Acme Office Supply" in names and not any(n.startswith("MMM") for n in names)


def test_edit_refuses_a_line_whose_qty_times_unit_price_is_too_large(demo_db, cli):
    before = as_json(cli("--db", demo_db, "show", "po", "PO-1002", "--json"))
    result = cli("--db", demo_db, "edit", "po", "PO-1002", "--set", "line.1.qty=99999999",
                 "--set", "line.1.unit_price=99999999")
    assert result.code == 1
    assert "= 9999999800000001.00, and QuickBooks takes at most 9999999999.99 for a line's " \
           "amount" in result.err
    result = cli("--db", demo_db, "edit", "po", "PO-1002", "--set",
                 "line.2.amount=9999999999999.99", "--set", "line.2.qty=",
                 "--set", "line.2.unit_price=")
    assert result.code == 1 and "is too large: QuickBooks takes at most 9999999999.99" \
        in result.err
    assert as_json(cli("--db", demo_db, "show", "po", "PO-1002", "--json")) == before


def test_import_refuses_an_amount_in_another_currencys_symbol(demo_db, cli, tmp_path):
    path = tmp_path / "pos.csv"
    path.write_text("number,supplier,account,amount\nPO-9001,Acme Office Supply,Utilities,"
                    "€10.00\n", encoding="utf-8")
    result = cli("--db", demo_db, "import", "pos", path)
    assert result.code == 1
    assert "line 2, column amount: bad amount '€10.00': € is the symbol of EUR, not of USD" \
        in result.err
    assert cli("--db", demo_db, "show", "po", "PO-9001").code == 1


def test_edit_switches_a_line_from_account_to_item_and_records_both(demo_db, cli):
    store = open_store(resolve_db_url(str(demo_db)))
    with store.session() as s:
        s.add(Item(name="Catering Service"))
    store.close()
    result = cli("--db", demo_db, "edit", "invoice", "INV-2041",
                 "--set", "line.2.item=Catering Service")
    assert result.code == 0, result.err
    line = as_json(cli("--db", demo_db, "show", "invoice", "INV-2041", "--json"))["lines"][1]
    assert (line["account"], line["item"]) == (None, "Catering Service")
    edited = as_json(cli("--db", demo_db, "history", "invoice", "INV-2041", "--json"))
    changes = next(e for e in edited if e["action"] == "edited")["detail"]["changes"]
    assert changes == [
        {"field": "line.2.item", "old": None, "new": "Catering Service"},
        {"field": "line.2.account", "old": "Accounts Receivable (A/R)", "new": None}]


def test_a_line_switched_to_an_item_reaches_quickbooks_as_the_item_alone(demo_db, cli):
    """The review's case: INV-2041's A/R line, made item-based, is sent as what show lists."""
    with SandboxServer(seed="demo", throttle="off") as sandbox:
        store = open_store(resolve_db_url(str(demo_db)))
        try:
            connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects,
                    timeout=10)
            engine = SyncEngine(store, open_client(
                store, Limits(per_minute=100_000, per_second=10_000), FAST), actor="test")
            engine.run()
            shown = as_json(cli("--db", demo_db, "show", "invoice", "INV-2041", "--json"))
            assert shown["problem"] == "ap_ar_line_account"
            result = cli("--db", demo_db, "edit", "invoice", "INV-2041",
                         "--set", "line.2.item=Catering Service")
            assert result.code == 0, result.err
            engine.run()
        finally:
            store.close()
        shown = as_json(cli("--db", demo_db, "show", "invoice", "INV-2041", "--json"))
        with sandbox.company.lock:
            [bill] = [b for b in sandbox.company.all("Bill") if b["Id"] == shown["qbo_id"]]
    assert shown["sync_state"] == "synced", shown
    assert [(ln["account"], ln["item"]) for ln in shown["lines"]] == [
        ("Office Supplies & Software", None), (None, "Catering Service")]
    sent = bill["Line"][1]
    assert sent["DetailType"] == "ItemBasedExpenseLineDetail"
    assert "AccountBasedExpenseLineDetail" not in sent
    assert sent["ItemBasedExpenseLineDetail"]["ItemRef"]["name"] == "Catering Service"


def test_an_unknown_problem_kind_is_a_usage_error_listing_the_kinds(demo_db, cli):
    result = cli("--db", demo_db, "list", "pos", "--problem", "bogus")
    assert result.code == 2 and result.out == ""
    assert "--problem is one of" in result.err and "duplicate_name" in result.err
    assert as_json(cli("--db", demo_db, "list", "pos", "--problem", "duplicate_name",
                       "--json")) == []  # a known kind still filters (none before a sync)


@pytest.mark.parametrize("what, flags", [
    ("accounts", ["--status", "approved"]), ("items", ["--sync-state", "queued"]),
    ("suppliers", ["--problem", "duplicate_name"]), ("suppliers", ["--supplier", "Acme"]),
    ("accounts", ["--from", "2026-07-01"]), ("items", ["--to", "2026-07-01"]),
])
def test_a_document_filter_on_suppliers_accounts_or_items_is_a_usage_error(
        demo_db, cli, what, flags):
    result = cli("--db", demo_db, "list", what, *flags)
    assert result.code == 2 and result.out == ""
    assert f"{flags[0]} filters POs and invoices, not {what}" in result.err
    assert "--search" in result.err


def test_suppliers_accounts_and_items_still_take_search_limit_and_offset(demo_db, cli):
    found = as_json(cli("--db", demo_db, "list", "accounts", "--search", "util", "--json"))
    assert [a["name"] for a in found] == ["Utilities"]
    assert len(as_json(cli("--db", demo_db, "list", "suppliers", "--limit", "2",
                           "--offset", "1", "--json"))) == 2
    assert cli("--db", demo_db, "list", "items", "--search", "x").code == 0
