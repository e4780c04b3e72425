"""A Bill's links to its PO survive every update, and come back when QuickBooks lost them.

A Bill update is a full update: a line sent without its ``LinkedTxn`` loses its
link, and QuickBooks takes a link only on a new line (API.md §3.2, §3.7).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from sqlmodel import select

from app.domain.states import DocKind
from app.operations import editing
from app.operations.lookup import find_invoice, find_po
from app.sandbox.server import SandboxServer
from app.store.models import InvoiceLine, PoLine
from app.sync.documents import PoRef, SyncDoc, SyncLine
from app.sync.mapping import bill_update
from tests.sync.conftest import bill_po, make_po, marker


def po_links(bill: dict) -> list[tuple[str, str]]:
    """(PO Id, PO line Id) of each of the Bill's lines that is linked, in line order."""
    return [(link["TxnId"], link["TxnLineId"]) for line in bill["Line"]
            for link in line.get("LinkedTxn", []) if link["TxnType"] == "PurchaseOrder"]


def ids(store, number: str = "INV-1", po_number: str = "PO-1") -> tuple[str, str, list[str]]:
    """The Bill's id, the PO's id and the PO's line ids, as SyncDesk knows them."""
    with store.session() as s:
        invoice, po = find_invoice(s, number), find_po(s, po_number)
        lines = s.exec(select(PoLine).where(PoLine.po_id == po.id).order_by(PoLine.line_no))
        return invoice.qbo_id, po.qbo_id, [line.qbo_line_id for line in lines]


def local(store, po_number: str = "PO-1", number: str = "INV-1") -> dict[str, tuple]:
    with store.session() as s:
        po, invoice = find_po(s, po_number), find_invoice(s, number)
        return {"po": (po.status, po.sync_state, po.qbo_status),
                "invoice": (invoice.sync_state, invoice.problem)}


def synced_and_billed(store, engine) -> None:
    """PO-1 (two lines) billed in full by INV-1; a second sync pulls the PO's closing."""
    make_po(store)
    bill_po(store)
    assert {o.number: o.sync_state for o in engine.run().outcomes} == {
        "PO-1": "synced", "INV-1": "synced"}
    assert engine.run().outcomes == []
    assert local(store)["po"] == ("closed", "synced", "Closed")


def edit_memo(store, text: str, number: str = "INV-1") -> None:
    with store.session() as s:
        editing.edit_invoice(s, number, [("memo", text)], "ann")


def strip_links(client, bill_id: str) -> None:
    """Someone (or QuickBooks itself) takes the links off the Bill, through the API."""
    client.update("Bill", bill_id, lambda bill: {**bill, "Line": [
        {k: v for k, v in line.items() if k != "LinkedTxn"} for line in bill["Line"]]})


# --- an edit keeps the links ------------------------------------------------------------------
def test_editing_a_synced_linked_invoice_keeps_its_po_links(store, engine, client):
    synced_and_billed(store, engine)
    bill_id, po_id, po_lines = ids(store)
    before = client.read("Bill", bill_id)
    po_before = client.read("PurchaseOrder", po_id)
    edit_memo(store, "edit 6")
    report = engine.run()
    assert [(o.number, o.action, o.sync_state, o.problem) for o in report.outcomes] == [
        ("INV-1", "update", "synced", None)]
    bill = client.read("Bill", bill_id)
    assert bill["PrivateNote"] == marker(store, "INV-1") + " · edit 6"
    assert po_links(bill) == [(po_id, po_lines[0]), (po_id, po_lines[1])]
    assert [line["Id"] for line in bill["Line"]] == [line["Id"] for line in before["Line"]]
    po = client.read("PurchaseOrder", po_id)
    assert po["POStatus"] == "Closed" and po["SyncToken"] == po_before["SyncToken"]
    assert engine.run().outcomes == []  # the next pull finds nothing to change here
    assert local(store) == {"po": ("closed", "synced", "Closed"), "invoice": ("synced", None)}


def test_a_line_billing_another_po_line_moves_its_link(store, engine, client):
    synced_and_billed(store, engine)
    bill_id, po_id, po_lines = ids(store)
    with store.session() as s:
        editing.edit_invoice(s, "INV-1", [("line.1.po_line", "2"), ("line.2.po_line", "1")],
                               "ann")
    report = engine.run()
    assert [(o.number, o.sync_state) for o in report.outcomes] == [("INV-1", "synced")]
    bill = client.read("Bill", bill_id)
    assert po_links(bill) == [(po_id, po_lines[1]), (po_id, po_lines[0])]
    with store.session() as s:  # the lines QuickBooks made anew are known by their new ids
        lines = s.exec(select(InvoiceLine).order_by(InvoiceLine.line_no)).all()
        assert [line.qbo_line_id for line in lines] == [line["Id"] for line in bill["Line"]]
    assert client.read("PurchaseOrder", po_id)["POStatus"] == "Closed"


def test_the_demo_invoice_keeps_its_po_link_after_an_edit(demo_db, cli):
    """The issue's own steps: INV-2040 billing PO-1049 in the demo company."""
    db = demo_db
    with SandboxServer(seed="demo", throttle="off") as sandbox:
        assert cli("--db", db, "connect", "--env", "local", "--base-url", sandbox.base_url
                   ).code == 0
        assert cli("--db", db, "sync").code == 0
        assert cli("--db", db, "sync").code == 0  # pulls what the first one closed
        assert cli("--db", db, "edit", "invoice", "INV-2040", "--set", "memo=edit 6").code == 0
        result = cli("--db", db, "sync", "--json")
        assert result.code == 0, result.err
        [sent] = json.loads(result.out)["documents"]
        assert (sent["number"], sent["action"], sent["sync_state"], sent["problem"]) == (
            "INV-2040", "update", "synced", None)
        invoice = json.loads(cli("--db", db, "show", "invoice", "INV-2040", "--json").out)
        po = json.loads(cli("--db", db, "show", "po", "PO-1049", "--json").out)
        bill = sandbox.read("Bill", invoice["qbo_id"])
        qbo_po = sandbox.read("PurchaseOrder", po["qbo_id"])
        assert po_links(bill) == [(qbo_po["Id"], line["Id"]) for line in qbo_po["Line"]]
        assert qbo_po["POStatus"] == "Closed"
        assert invoice["sync_state"] == "synced" and invoice["problem"] is None
        assert (po["status"], po["qbo_status"]) == ("closed", "Closed")
        result = cli("--db", db, "sync", "--json")  # the next pull agrees
        assert json.loads(result.out)["documents"] == []
        po = json.loads(cli("--db", db, "show", "po", "PO-1049", "--json").out)
        assert (po["status"], po["sync_state"], po["qbo_status"]) == ("closed", "synced",
                                                                      "Closed")


# --- a lost link comes back -----------------------------------------------------------------
def test_resend_restores_a_link_dropped_in_quickbooks(store, engine, client, cli, db_path):
    synced_and_billed(store, engine)
    bill_id, po_id, po_lines = ids(store)
    strip_links(client, bill_id)
    assert client.read("PurchaseOrder", po_id)["POStatus"] == "Open"
    engine.run()  # SyncDesk's copy of the PO's QuickBooks status follows
    assert local(store)["po"] == ("closed", "synced", "Open")
    result = cli("--db", db_path, "resend", "invoice", "INV-1", "--json")
    assert result.code == 0, result.err
    assert [(d["action"], d["sync_state"]) for d in json.loads(result.out)["documents"]] == [
        ("update", "synced")]
    assert po_links(client.read("Bill", bill_id)) == [(po_id, po_lines[0]),
                                                      (po_id, po_lines[1])]
    assert client.read("PurchaseOrder", po_id)["POStatus"] == "Closed"
    engine.run()
    assert local(store) == {"po": ("closed", "synced", "Closed"), "invoice": ("synced", None)}


def test_resync_failures_restores_a_link_quickbooks_dropped_on_update(store, engine, client,
                                                                      sandbox, cli, db_path):
    synced_and_billed(store, engine)
    bill_id, po_id, po_lines = ids(store)
    dropped: list[str] = []

    def drop_links_once(ctx, response):
        """QuickBooks takes the update and silently leaves the links out (API.md §3.7)."""
        if ctx.method == "POST" and ctx.path == "bill" and response.status_code == 200 \
                and not dropped:
            dropped.append(bill_id)
            current = sandbox.read("Bill", bill_id)
            sandbox.create("Bill", {**current, "Line": [
                {k: v for k, v in line.items() if k != "LinkedTxn"}
                for line in current["Line"]]})
        return response

    sandbox.after_hooks.append(drop_links_once)
    edit_memo(store, "edit 6")
    report = engine.run()  # the update's answer is verified by reading the Bill back
    assert dropped == [bill_id]
    assert [(o.sync_state, o.problem) for o in report.outcomes] == [("failed", "link_dropped")]
    assert client.read("PurchaseOrder", po_id)["POStatus"] == "Open"
    result = cli("--db", db_path, "resync-failures", "--json")
    assert result.code == 0, result.err
    assert [(d["number"], d["sync_state"]) for d in json.loads(result.out)["documents"]] == [
        ("INV-1", "synced")]
    bill = client.read("Bill", bill_id)
    assert po_links(bill) == [(po_id, po_lines[0]), (po_id, po_lines[1])]
    assert bill["PrivateNote"] == marker(store, "INV-1") + " · edit 6"
    assert client.read("PurchaseOrder", po_id)["POStatus"] == "Closed"
    engine.run()
    assert local(store) == {"po": ("closed", "synced", "Closed"), "invoice": ("synced", None)}


def test_an_update_keeps_links_to_other_pos_and_drops_one_syncdesk_no_longer_names():
    """The rule on its own: SyncDesk decides its own PO's links, and keeps the rest."""
    doc = SyncDoc(DocKind.INVOICE, 1, "INV-1", "approved", 1, "Acme", "56", date(2026, 8, 10),
                  "USD", Decimal("30.00"), None, 2, 0, "queued", None, "300", None, 0,
                  po=PoRef(1, "PO-1", date(2026, 8, 3), "synced", "200", "closed"),
                  lines=[SyncLine(1, Decimal("10.00"), qbo_line_id="1", po_line_no=1,
                                  po_qbo_line_id="1"),
                         SyncLine(2, Decimal("10.00"), qbo_line_id="2"),
                         SyncLine(3, Decimal("10.00"), qbo_line_id="3")])
    own = {"TxnId": "200", "TxnType": "PurchaseOrder", "TxnLineId": "1"}
    other = {"TxnId": "201", "TxnType": "PurchaseOrder", "TxnLineId": "4"}
    current = {"Id": "300", "Line": [
        {"Id": "1", "Amount": 10, "LinkedTxn": [own]},
        {"Id": "2", "Amount": 10, "LinkedTxn": [other]},  # linked in QuickBooks
        {"Id": "3", "Amount": 10, "LinkedTxn": [{**own, "TxnLineId": "2"}]}]}  # unlinked here
    body = {"Line": [{"Id": str(n), "Amount": Decimal("10.00")} for n in (1, 2, 3)]}
    body["Line"][0]["LinkedTxn"] = [own]
    sent = bill_update(doc, body, current)["Line"]
    assert [(line.get("Id"), line.get("LinkedTxn")) for line in sent] == [
        ("1", [own]), ("2", [other]), ("3", None)]
