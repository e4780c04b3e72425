"""A document changed in QuickBooks after it synced needs attention (``changed_in_qbo``).

Everything SyncDesk sends is compared with what QuickBooks holds at the next pull
(QuickBooks is changed here through its API, as a bookkeeper's edit would be);
each difference is said in words with both values; Resend puts SyncDesk's copy
back, PO links included. What QuickBooks does by itself (payments, a PO closed by
its bills, its own ways of writing numbers) is not drift, and neither is
SyncDesk's own write coming back.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from app.connection.service import ConnectRequest, connect, open_client
from app.domain.states import DocKind
from app.operations import editing, workflow_steps
from app.operations.fields import LineValues
from app.operations.lookup import find_invoice, find_po, item_by_name
from app.operations.settings import set_setting
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from app.store.database import open_store, resolve_db_url
from app.sync.actions import resend
from app.sync.engine import SyncEngine
from tests.qbo.conftest import FAST
from tests.sync.conftest import bill_po, make_po, marker


@pytest.fixture
def synced(store, engine):
    """PO-1 billed in full by INV-1 (due 2026-09-09, memo), PO-2 open with a memo; synced."""
    make_po(store, number="PO-1")
    make_po(store, number="PO-2")
    bill_po(store, "PO-1", "INV-1", "A-100")
    with store.session() as s:
        set_setting(s, "require_reapproval_after_edit", "off")
        editing.edit_po(s, "PO-2", [("memo", "Q3 order")], "ann")
        editing.edit_invoice(s, "INV-1", [("due_date", "2026-09-09"),
                                            ("memo", "toner and paper")], "ann")
    report = engine.run()
    assert {o.number: o.sync_state for o in report.outcomes} == {
        "PO-1": "synced", "PO-2": "synced", "INV-1": "synced"}
    engine.run()  # PO-1 closed in QuickBooks by its bill: taken here, not drift
    assert states(store) == {"PO-1": ("synced", None), "PO-2": ("synced", None),
                             "INV-1": ("synced", None)}
    return store


def states(store) -> dict[str, tuple[str, str | None]]:
    with store.session() as s:
        return {number: (doc.sync_state, doc.problem) for number, doc in (
            ("PO-1", find_po(s, "PO-1")), ("PO-2", find_po(s, "PO-2")),
            ("INV-1", find_invoice(s, "INV-1")))}


def qbo_id(store, kind: DocKind, number: str) -> str:
    with store.session() as s:
        doc = find_po(s, number) if kind is DocKind.PO else find_invoice(s, number)
        return str(doc.qbo_id)


def account_id(client, name: str) -> str:
    return client.find("Account", Name=name)[0]["Id"]


def drift_of(store, kind: DocKind, number: str) -> tuple[dict, str]:
    """The differences kept on the document, and the problem's explanation."""
    with store.session() as s:
        doc = find_po(s, number) if kind is DocKind.PO else find_invoice(s, number)
        assert (doc.sync_state, doc.problem) == ("blocked", "changed_in_qbo"), number
        fields = {d["field"]: (d["syncdesk"], d["quickbooks"]) for d in doc.qbo_drift["fields"]}
        return fields, doc.last_error_detail["explanation"]


def needs_attention(cli, db_path, kind: str) -> list[tuple[str, str]]:
    rows = json.loads(cli("--db", db_path, "list", kind, "--sync-state", "needs_attention",
                          "--json").out)
    return [(r["number"], r["problem"]) for r in rows]


# --- a bill: number, accounts and its links to the PO ----------------------------------

def test_a_bill_edited_in_quickbooks_needs_attention_and_resend_puts_it_back(
        synced, client, cli, db_path):
    """The reviewer's case: number, both lines' accounts and the PO links changed."""
    bill_id = qbo_id(synced, DocKind.INVOICE, "INV-1")
    other = account_id(client, "Uncategorized Expense")

    def edit(bill):
        bill["DocNumber"] = "CHANGED-1"
        for line in bill["Line"]:
            line.pop("LinkedTxn", None)
            line["AccountBasedExpenseLineDetail"]["AccountRef"] = {"value": other}
        return bill

    client.update("Bill", bill_id, edit)
    result = cli("--db", db_path, "sync")
    assert result.code == 0 and "Needs attention: Invoice INV-1 was changed in QuickBooks" \
        in result.out
    fields, text = drift_of(synced, DocKind.INVOICE, "INV-1")
    assert fields == {
        "line 1 link to PO-1": ("PO-1 line 1", "no link"),
        "line 2 link to PO-1": ("PO-1 line 2", "no link"),
        "supplier's number": ("A-100", "CHANGED-1"),
        "line 1 account": ("Office Supplies & Software", "Uncategorized Expense"),
        "line 2 account": ("Office Supplies & Software", "Uncategorized Expense")}
    assert text.startswith("Invoice INV-1 was changed in QuickBooks after it synced: line 1: "
                           "link to PO-1 line 1 removed in QuickBooks; line 2: link to PO-1 "
                           "line 2 removed in QuickBooks; supplier's number A-100 in "
                           "SyncDesk, CHANGED-1 in QuickBooks; line 1 account Office Supplies "
                           "& Software in SyncDesk, Uncategorized Expense in QuickBooks;")
    assert needs_attention(cli, db_path, "invoices") == [("INV-1", "changed_in_qbo")]
    # PO-1 reopened in QuickBooks as its bill let go of it: that is the bill's change
    assert needs_attention(cli, db_path, "pos") == []
    shown = cli("--db", db_path, "show", "invoice", "INV-1").out
    assert "Blocked: changed in QuickBooks after it synced" in shown
    assert "link to PO-1 line 1 removed" in shown
    assert json.loads(cli("--db", db_path, "status", "--json").out)["by_problem"] == {
        "changed_in_qbo": 1}

    resent = cli("--db", db_path, "resend", "invoice", "INV-1")
    assert resent.code == 0 and "1 updated." in resent.out, resent.out + resent.err
    bill = client.read("Bill", bill_id)
    po_id = qbo_id(synced, DocKind.PO, "PO-1")
    office = account_id(client, "Office Supplies & Software")
    assert bill["DocNumber"] == "A-100"
    assert [line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]
            for line in bill["Line"]] == [office, office]
    assert [[(link["TxnId"], link["TxnType"]) for link in line.get("LinkedTxn", [])]
            for line in bill["Line"]] == [[(po_id, "PurchaseOrder")]] * 2
    assert client.read("PurchaseOrder", po_id)["POStatus"] == "Closed"
    cli("--db", db_path, "sync")  # SyncDesk's own update comes back: not drift
    assert states(synced)["INV-1"] == ("synced", None)
    assert needs_attention(cli, db_path, "invoices") == []
    with synced.session() as s:
        assert find_invoice(s, "INV-1").qbo_drift is None


# --- every other field SyncDesk sends, one at a time -------------------------------------

def _set(path: list, value):
    def change(obj):
        target = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return obj
    return change


def _note(text):
    return lambda obj: {**obj, "PrivateNote": text(obj["PrivateNote"])}


def _drop_line_2(obj):
    obj["Line"] = obj["Line"][:1]
    return obj


def _add_line(client):
    def change(obj):
        obj["Line"].append({"Amount": 15, "Description": "Stapler",
                            "DetailType": "AccountBasedExpenseLineDetail",
                            "AccountBasedExpenseLineDetail": {
                                "AccountRef": {"value": account_id(client,
                                                                   "Uncategorized Expense")}}})
        return obj
    return change


def _multicurrency(client, currency):
    """A company with more than one currency (SyncDesk then sends one): a bill's changed."""
    prefs = client.preferences()
    prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] = True
    client.transport.request("POST", client._url("preferences"), params=client._params(),
                             json_body=prefs)
    return _set(["CurrencyRef"], currency)


CASES = {
    "memo": (DocKind.PO, "PO-2", lambda c: _note(lambda n: n + " (rush)"),
             {"memo": ("'Q3 order'", "'Q3 order (rush)'")},
             "memo 'Q3 order' in SyncDesk, 'Q3 order (rush)' in QuickBooks"),
    "marker": (DocKind.PO, "PO-2", lambda c: _note(lambda n: "Q3 order"),
               {"note": ("'{MARK} · Q3 order'", "'Q3 order'")},
               "where SyncDesk's mark '{MARK}' is gone"),
    "number": (DocKind.PO, "PO-2", lambda c: _set(["DocNumber"], "PO-2B"),
               {"number": ("PO-2", "PO-2B")}, "number PO-2 in SyncDesk, PO-2B in QuickBooks"),
    "description": (DocKind.PO, "PO-2", lambda c: _set(["Line", 0, "Description"], "Ink"),
                    {"line 1 description": ("'Toner'", "'Ink'")},
                    "line 1 description 'Toner' in SyncDesk, 'Ink' in QuickBooks"),
    "account": (DocKind.PO, "PO-2",
                lambda c: _set(["Line", 1, "AccountBasedExpenseLineDetail", "AccountRef"],
                               {"value": account_id(c, "Cost of Goods Sold")}),
                {"line 2 account": ("Office Supplies & Software", "Cost of Goods Sold")},
                "line 2 account Office Supplies & Software in SyncDesk, Cost of Goods Sold "
                "in QuickBooks"),
    "line removed": (DocKind.PO, "PO-2", lambda c: _drop_line_2,
                     {"total": ("162.00", "102.00"), "lines": ("2", "1"),
                      "line 2": ("Paper, 60.00, Office Supplies & Software", "(removed)")},
                     "line 2 (Paper, 60.00, Office Supplies & Software) removed in QuickBooks"),
    "line added": (DocKind.PO, "PO-2", _add_line,
                   {"total": ("162.00", "177.00"), "lines": ("2", "3"),
                    "added line": ("(none)", "Stapler, 15.00, Uncategorized Expense")},
                   "a line added in QuickBooks: Stapler, 15.00, Uncategorized Expense"),
    "due date": (DocKind.INVOICE, "INV-1", lambda c: _set(["DueDate"], "2026-09-30"),
                 {"due date": ("2026-09-09", "2026-09-30")},
                 "due date 2026-09-09 in SyncDesk, 2026-09-30 in QuickBooks"),
    "bill memo": (DocKind.INVOICE, "INV-1",
                  lambda c: _note(lambda n: n.replace("toner", "ink")),
                  {"memo": ("'toner and paper'", "'ink and paper'")},
                  "memo 'toner and paper' in SyncDesk, 'ink and paper' in QuickBooks"),
    "currency": (DocKind.INVOICE, "INV-1", lambda c: _multicurrency(c, {"value": "EUR"}),
                 {"currency": ("USD", "EUR")}, "currency USD in SyncDesk, EUR in QuickBooks"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_change_made_in_quickbooks_is_named_and_resend_undoes_it(
        case, synced, engine, client, cli, db_path):
    kind, number, change, expected, words = CASES[case]
    entity = "PurchaseOrder" if kind is DocKind.PO else "Bill"
    object_id = qbo_id(synced, kind, number)
    before = client.read(entity, object_id)
    client.update(entity, object_id, change(client))
    engine.run()
    fields, text = drift_of(synced, kind, number)
    mark = marker(synced, number)  # the marker names the store's lineage
    assert fields == {k: tuple(v.replace("{MARK}", mark) for v in pair)
                      for k, pair in expected.items()}
    assert words.replace("{MARK}", mark) in text
    listing = "pos" if kind is DocKind.PO else "invoices"
    assert needs_attention(cli, db_path, listing) == [(number, "changed_in_qbo")]
    others = {n: v for n, v in states(synced).items() if n != number}
    assert all(v == ("synced", None) for v in others.values()), others

    with synced.session() as s:
        resend(s, kind, number, "ann")
    report = engine.run()
    assert [(o.number, o.action, o.sync_state) for o in report.outcomes] == [
        (number, "update", "synced")]
    after = client.read(entity, object_id)
    for key in ("DocNumber", "PrivateNote", "DueDate", "TotalAmt"):
        assert after.get(key) == before.get(key), key
    assert after["CurrencyRef"]["value"] == before["CurrencyRef"]["value"]
    assert [(ln.get("Description"), ln["Amount"]) for ln in after["Line"]] == [
        (ln.get("Description"), ln["Amount"]) for ln in before["Line"]]
    engine.run()
    assert states(synced)[number] == ("synced", None)
    assert needs_attention(cli, db_path, listing) == []


# --- item lines: item, quantity and unit price -----------------------------------------

def test_an_item_line_changed_in_quickbooks(store, engine, client, sandbox):
    sandbox.create("Item", {"Name": "Toner Cartridge", "Type": "NonInventory"})
    engine.run()  # the item reaches the mirror
    with store.session() as s:
        toner = item_by_name(s, "Toner Cartridge").id
    # 3 × 33.333 = 99.999: QuickBooks keeps the unit price as given, the amount 100.00
    make_po(store, number="PO-7", lines=[LineValues(description="Toner", item_id=toner,
                                                    qty=Decimal("3"),
                                                    unit_price=Decimal("33.333"))])
    engine.run()
    engine.run()  # its own create came back: nothing differs
    with store.session() as s:
        po = find_po(s, "PO-7")
        assert (po.sync_state, po.problem, po.qbo_drift) == ("synced", None, None)
        po_id = po.qbo_id
    hours = client.find("Item", Name="Hours")[0]["Id"]

    def edit(obj):
        detail = obj["Line"][0]["ItemBasedExpenseLineDetail"]
        detail["Qty"], detail["ItemRef"] = 4, {"value": hours}
        obj["Line"][0]["Amount"] = Decimal("133.33")
        return obj

    client.update("PurchaseOrder", po_id, edit)
    engine.run()
    fields, text = drift_of(store, DocKind.PO, "PO-7")
    assert fields == {"total": ("100.00", "133.33"), "line 1 amount": ("100.00", "133.33"),
                      "line 1 item": ("Toner Cartridge", "Hours"),
                      "line 1 quantity": ("3", "4")}
    assert "line 1 item Toner Cartridge in SyncDesk, Hours in QuickBooks" in text
    assert "line 1 quantity 3 in SyncDesk, 4 in QuickBooks" in text

    office = account_id(client, "Office Supplies & Software")

    def to_account(obj):
        obj["Line"][0] = {"Id": obj["Line"][0]["Id"], "Amount": 100, "Description": "Toner",
                          "DetailType": "AccountBasedExpenseLineDetail",
                          "AccountBasedExpenseLineDetail": {"AccountRef": {"value": office}}}
        return obj

    client.update("PurchaseOrder", po_id, to_account)
    engine.run()
    fields, _ = drift_of(store, DocKind.PO, "PO-7")
    assert fields == {"line 1 account or item": ("item Toner Cartridge",
                                                 "account Office Supplies & Software")}


# --- a PO's status, when SyncDesk set it --------------------------------------------------

def test_a_po_closed_in_syncdesk_and_opened_again_in_quickbooks(synced, engine, client):
    with synced.session() as s:
        workflow_steps.change_po_status(s, "PO-2", "close", "ann")
    engine.run()
    po_id = qbo_id(synced, DocKind.PO, "PO-2")
    assert client.read("PurchaseOrder", po_id)["POStatus"] == "Closed"
    engine.run()
    assert states(synced)["PO-2"] == ("synced", None)
    client.update("PurchaseOrder", po_id, lambda po: {**po, "POStatus": "Open"})
    engine.run()
    fields, text = drift_of(synced, DocKind.PO, "PO-2")
    assert fields == {"status": ("Closed", "Open")}
    assert "status Closed in SyncDesk, Open in QuickBooks" in text
    with synced.session() as s:
        resend(s, DocKind.PO, "PO-2", "ann")
    engine.run()
    assert client.read("PurchaseOrder", po_id)["POStatus"] == "Closed"
    engine.run()
    assert states(synced)["PO-2"] == ("synced", None)


# --- what is not drift --------------------------------------------------------------------

def test_a_payment_is_not_a_change(synced, engine, client):
    bill_id = qbo_id(synced, DocKind.INVOICE, "INV-1")
    bill = client.read("Bill", bill_id)
    client.create("BillPayment", {
        "VendorRef": bill["VendorRef"], "TotalAmt": "100.00", "PayType": "Check",
        "CheckPayment": {"BankAccountRef": {"value": account_id(client, "Checking")}},
        "Line": [{"Amount": "100.00", "LinkedTxn": [{"TxnId": bill_id, "TxnType": "Bill"}]}]},
        request_id=f"pay-{bill_id}")
    engine.run()
    with synced.session() as s:
        invoice = find_invoice(s, "INV-1")
        assert (invoice.sync_state, invoice.problem, invoice.qbo_drift) == ("synced", None,
                                                                            None)
        assert invoice.amount_paid == Decimal("100.00")


def test_the_demo_company_syncs_again_without_anything_changed(demo_db, cli):
    """init --demo, the demo sandbox, connect, sync, sync again, a resend and a sync:
    nobody changed anything in QuickBooks, so nothing is changed_in_qbo."""
    db = demo_db
    with SandboxServer(seed="demo", throttle="off") as sandbox:
        store = open_store(resolve_db_url(str(db)))
        try:
            connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects,
                    timeout=10)
            fast = open_client(store, Limits(per_minute=100_000, per_second=10_000), FAST)
            for _ in range(2):
                assert SyncEngine(store, fast, actor="t").run().stopped is None
            assert cli("--db", db, "resend", "invoice", "INV-2002").code == 0
            assert cli("--db", db, "resend", "po", "PO-1001").code == 0
            result = cli("--db", db, "sync")
            assert result.code == 0 and "changed in QuickBooks" not in result.out
        finally:
            store.close()
        for kind in ("pos", "invoices"):
            rows = json.loads(cli("--db", db, "list", kind, "--json").out)
            assert [r["number"] for r in rows if r["problem"] == "changed_in_qbo"] == []
            assert any(r["sync_state"] == "synced" for r in rows)
        status = json.loads(cli("--db", db, "status", "--json").out)
        assert "changed_in_qbo" not in status["by_problem"]
        assert status["by_state"]["synced"] >= 70

