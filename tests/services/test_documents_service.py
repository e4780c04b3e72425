"""The documents service without the command line, over a real store (and the sandbox for
the QuickBooks box)."""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import func, select

from app.commands.hints import as_command
from app.connection.service import ConnectRequest, connect, open_client
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.errors import UsageError, UserError
from app.hints import Advice
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.services import Services
from app.services.documents import ListQuery, Step, field_text
from app.store.models import HistoryEvent, Invoice, PoLine, PurchaseOrder, Supplier
from app.sync.engine import SyncEngine
from app.work import Cancelled, Progress
from tests.qbo.conftest import FAST
from tests.sync.conftest import bill_po, make_po


@pytest.fixture
def synced(store, sandbox, services: Services):
    """PO-1 synced, PO-2 blocked (an A/P account on its lines), PO-3 pending, INV-1 synced
    (billing PO-1)."""
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_po(store, number="PO-1")
    make_po(store, number="PO-2", account="Accounts Payable (A/P)", approved_on=date(2026, 8, 5))
    make_po(store, number="PO-3", supplier="O'Brien & Sons", approved_on=date(2026, 8, 7),
            status=PoStatus.PENDING)
    bill_po(store, "PO-1", "INV-1", "A-100")
    SyncEngine(store, open_client(store, Limits(), FAST), actor="tester").run()
    return services


# --- listing ---------------------------------------------------------------------------


def numbers(rows) -> list[str]:
    return [r.number for r in rows]


def test_list_filters_sort_and_pages(store, services):
    for n, day in ((1, 3), (2, 5), (3, 7), (4, 9)):
        make_po(store, number=f"PO-{n}", approved_on=date(2026, 8, day),
                supplier="O'Brien & Sons" if n == 3 else "Acme Supply")
    docs = services.documents
    assert numbers(docs.list(DocKind.PO)) == ["PO-4", "PO-3", "PO-2", "PO-1"]  # newest first
    assert numbers(docs.list(DocKind.PO, ListQuery(sort="number", descending=False,
                                                   offset=1, limit=2))) == ["PO-2", "PO-3"]
    assert numbers(docs.list(DocKind.PO, ListQuery(supplier="o'brien & sons"))) == ["PO-3"]
    assert numbers(docs.list(DocKind.PO, ListQuery(supplier="Nobody"))) == []
    assert numbers(docs.list(DocKind.PO, ListQuery(text="brien"))) == ["PO-3"]
    assert numbers(docs.list(DocKind.PO, ListQuery(date_from=date(2026, 8, 5),
                                                   date_to=date(2026, 8, 7)))) == ["PO-3", "PO-2"]
    assert numbers(docs.list(DocKind.PO, ListQuery(status="pending"))) == []
    assert docs.count(DocKind.PO, ListQuery(sync_state="queued")) == 4
    row = docs.list(DocKind.PO, ListQuery(limit=1))[0]
    assert (row.kind, row.total, row.quickbooks) == (DocKind.PO, Decimal("162.00"), "Queued")
    assert row.to_json()["total"] == "162.00" and "reference" not in row.to_json()


def test_list_refuses_unknown_filters_in_plain_words(services):
    for query in (ListQuery(status="paid"), ListQuery(sync_state="stuck"),
                  ListQuery(problem="gremlins"), ListQuery(sort="colour")):
        with pytest.raises(UsageError) as caught:
            services.documents.list(DocKind.PO, query)
        assert "--" not in str(caught.value)


def test_needs_attention_counts_and_quickbooks_column(synced):
    docs = synced.documents
    blocked = docs.list(DocKind.PO, ListQuery(sync_state="needs_attention"))
    assert numbers(blocked) == ["PO-2"]
    assert blocked[0].quickbooks == "Blocked: A/P or A/R account"
    assert numbers(docs.list(DocKind.PO, ListQuery(problem="ap_ar_line_account"))) == ["PO-2"]
    counts = docs.counts(DocKind.PO)
    assert {s: str(counts[s]) for s in ("synced", "blocked", "not_synced", "needs_attention")} \
        == {"synced": "1", "blocked": "1", "not_synced": "1", "needs_attention": "1"}
    assert docs.counts(DocKind.PO, ListQuery(supplier="Nobody")).needs_attention.count == 0
    invoice = docs.list(DocKind.INVOICE)[0]
    assert (invoice.reference, invoice.po_number, invoice.quickbooks) == ("A-100", "PO-1",
                                                                          "Synced")


# --- one document ----------------------------------------------------------------------


def test_detail_has_lines_and_the_quickbooks_box(synced):
    po = synced.documents.detail(DocKind.PO, "PO-1")
    assert po.quickbooks.startswith("Synced (id ") and po.qbo_id
    assert po.last_error is None and po.date == date(2026, 8, 3)
    assert [(ln.line, ln.description, ln.account, ln.qty, ln.amount) for ln in po.lines] == [
        (1, "Toner", "Office Supplies & Software", Decimal("4"), Decimal("102.00")),
        (2, "Paper", "Office Supplies & Software", None, Decimal("60.00"))]
    invoice = synced.documents.detail(DocKind.INVOICE, "INV-1")
    assert (invoice.po_number, [ln.po_line for ln in invoice.lines]) == ("PO-1", [1, 2])
    assert invoice.amount_paid == Decimal("0.00")


def test_detail_of_a_blocked_document_carries_its_problem_and_advice(synced):
    po = synced.documents.detail(DocKind.PO, "PO-2")
    assert po.quickbooks == "Blocked: a line uses an Accounts Payable or Receivable account"
    box = po.last_error
    assert box is not None and (box.kind, box.fix) == ("ap_ar_line_account",
                                                        "change_line_account")
    assert isinstance(box.advice, Advice)
    assert "line.1.account" in box.advice.words(as_command)


def test_detail_json_is_what_show_json_prints(synced, cli, db_path, capsys):
    for kind, number in ((DocKind.PO, "PO-2"), (DocKind.INVOICE, "INV-1")):
        result = cli("--db", db_path, "show", kind.value, number, "--json")
        detail = synced.documents.detail(kind, number)
        assert result.out == json.dumps(detail.to_json(as_command), indent=2,
                                        ensure_ascii=False, default=str) + "\n"


def test_a_missing_document_is_a_user_error(services):
    with pytest.raises(UserError, match="no PO numbered 'PO-9'"):
        services.documents.detail(DocKind.PO, "PO-9")


# --- history, suppliers, accounts and items --------------------------------------------


def test_history_of_documents_and_suppliers(store, services):
    make_po(store, number="PO-1")
    services.documents.edit(DocKind.PO, "PO-1", {"memo": "Rush"})
    events = services.documents.history(DocKind.PO, "PO-1")
    assert [e.action for e in events][:2] == ["created", "queued"]
    edited = next(e for e in events if e.action == "edited")
    assert edited.changes == [{"field": "memo", "old": None, "new": "Rush"}]
    assert edited.to_json()["at"] == edited.at.isoformat()
    services.documents.edit_supplier("Acme Supply", {"email": "ap@acme.example"})
    assert [e.summary for e in services.documents.supplier_history("acme supply")] == [
        "Supplier Acme Supply edited: email"]


def test_suppliers_listing_and_typed_supplier_edit(services):
    docs = services.documents
    assert [s.name for s in docs.suppliers()] == ["Acme Supply", "O'Brien & Sons"]
    assert [s.name for s in docs.suppliers("brien")] == ["O'Brien & Sons"]
    assert [s.name for s in docs.suppliers(offset=1, limit=1)] == ["O'Brien & Sons"]
    outcome = docs.edit_supplier("Acme Supply", {"active": False, "name": "Acme Ltd"})
    assert [(c.field, c.old, c.new) for c in outcome.changes] == [
        ("active", "yes", "no"), ("name", "Acme Supply", "Acme Ltd")]
    assert outcome.renamed and outcome.requeued == ()
    assert docs.suppliers("acme")[0].to_json() == {
        "name": "Acme Ltd", "email": None, "currency": "USD", "active": False,
        "qbo_vendor_id": None}


def test_accounts_and_items_listing(synced):
    accounts = synced.documents.accounts("office")
    assert [a.name for a in accounts] == ["Office Supplies & Software"]
    assert accounts[0].linked and "account" not in accounts[0].to_json()
    assert len(synced.documents.accounts(limit=2)) == 2
    assert all(item.to_json().keys() >= {"name", "account"} for item in
               synced.documents.items())


# --- changes ---------------------------------------------------------------------------


def test_edit_takes_typed_values(store, services):
    make_po(store, number="PO-1")
    bill_po(store, "PO-1", "INV-1", "A-100")
    outcome = services.documents.edit(DocKind.INVOICE, "INV-1", {
        "issue_date": date(2026, 8, 12), "line.1.qty": Decimal("3"),
        "line.2.amount": Decimal("55.50"), "line.2.po_line": 2, "memo": "Short delivery"})
    assert {c.field: c.new for c in outcome.changes} == {
        "issue_date": "2026-08-12", "memo": "Short delivery", "line.1.qty": "3",
        "line.1.amount": "76.50", "line.2.amount": "55.50"}
    assert services.documents.detail(DocKind.INVOICE, "INV-1").total == Decimal("132.00")
    cleared = services.documents.edit(DocKind.INVOICE, "INV-1", {"memo": None})
    assert [(c.field, c.new) for c in cleared.changes] == [("memo", None)]
    assert services.documents.edit(DocKind.INVOICE, "INV-1", {"memo": None}).changes == ()


def test_field_text_and_a_refused_edit(store, services):
    assert [field_text(v) for v in (True, Decimal("1E+2"), date(2026, 1, 2), 7, None)] == [
        "yes", "100", "2026-01-02", "7", ""]
    with pytest.raises(TypeError):
        field_text(1.5)
    make_po(store, number="PO-1")
    with pytest.raises(UserError, match="enable_po_date_editing"):
        services.documents.edit(DocKind.PO, "PO-1", {"po_date": date(2026, 8, 1),
                                                     "memo": "kept out too"})
    po = services.documents.detail(DocKind.PO, "PO-1")
    assert (po.po_date, po.memo, po.revision) == (None, None, 1)  # as made


def test_workflow_steps(store, services):
    make_po(store, number="PO-1", status=PoStatus.DRAFT)
    docs = services.documents
    assert (docs.submit("PO-1").status, docs.approve(DocKind.PO, "PO-1").queued) == (
        "pending", True)
    assert docs.close("PO-1").status == "closed"
    make_po(store, number="PO-2", status=PoStatus.PENDING)
    assert docs.override("PO-2").status == "approved"
    assert docs.step(DocKind.PO, "PO-2", Step.CANCEL).status == "cancelled"
    with pytest.raises(UsageError, match="ready applies to invoices"):
        docs.step(DocKind.PO, "PO-2", "ready")
    make_po(store, number="PO-3")
    bill_po(store, "PO-3", "INV-1", "A-1", status=InvoiceStatus.OUTSTANDING)
    assert docs.approve(DocKind.INVOICE, "INV-1").sync_state == SyncState.QUEUED
    assert docs.ready("INV-1").status == "ready_to_pay"
    with pytest.raises(UserError):
        docs.cancel("PO-9")


# --- CSV import ------------------------------------------------------------------------

POS = """number,supplier,description,account,qty,unit_price,amount,status
PO-1,Acme Supply,Widgets,Supplies & Materials,10,15,,approved
PO-1,,Freight,Shipping & Delivery,,,25.50,
PO-2,O'Brien & Sons,Paper,Office Supplies & Software,2,9.99,19.98,
PO-3,Acme Supply,Toner,Office Supplies & Software,1,50,,
"""


def rows_in(store) -> tuple[int, ...]:
    with store.session() as s:
        return tuple(s.exec(select(func.count()).select_from(m)).one()
                     for m in (Supplier, PurchaseOrder, PoLine, Invoice, HistoryEvent))


def test_import_reports_progress_per_document(store, services, tmp_path: Path):
    path = tmp_path / "pos.csv"
    path.write_text(POS, encoding="utf-8")
    seen: list[Progress] = []
    report = services.documents.import_csv("pos", path, on_progress=seen.append)
    assert (report.what, report.count) == ("pos", 3)
    assert [(p.done, p.total, p.current) for p in seen] == [
        (0, 0, "checking PO-1"), (0, 0, "checking PO-2"), (0, 0, "checking PO-3"),
        (0, 3, "checked pos.csv"), (1, 3, "PO-1"), (2, 3, "PO-2"), (3, 3, "PO-3")]


def test_a_cancelled_import_leaves_nothing_written(store, services, tmp_path: Path):
    path = tmp_path / "pos.csv"
    path.write_text(POS, encoding="utf-8")
    before = rows_in(store)
    cancel = threading.Event()
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.done == 1:  # the first PO is written (in the transaction): stop now
            cancel.set()

    with pytest.raises(Cancelled):
        services.documents.import_csv("pos", path, on_progress=progress, cancel=cancel)
    assert [(p.done, p.current) for p in seen][-2:] == [(0, "checked pos.csv"), (1, "PO-1")]
    assert rows_in(store) == before  # no PO, no line, no history event
    assert services.documents.list(DocKind.PO) == []
    report = services.documents.import_csv("pos", path)  # the same file, whole, afterwards
    assert report.count == 3


def test_a_cancel_after_the_last_document_still_writes_nothing(store, services,
                                                               tmp_path: Path):
    path = tmp_path / "pos.csv"
    path.write_text(POS, encoding="utf-8")
    before = rows_in(store)
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        services.documents.import_csv(
            "pos", path, cancel=cancel,
            on_progress=lambda p: cancel.set() if p.done == p.total else None)
    assert rows_in(store) == before


def test_a_cancel_while_checking_stops_before_the_next_document(store, services,
                                                               tmp_path: Path):
    path = tmp_path / "suppliers.csv"
    path.write_text("name,active\nNorth Ltd,yes\nSouth Ltd,no\n", encoding="utf-8")
    before = rows_in(store)
    cancel = threading.Event()
    seen: list[str | None] = []

    def progress(p: Progress) -> None:
        seen.append(p.current)
        cancel.set()

    with pytest.raises(Cancelled):
        services.documents.import_csv("suppliers", path, on_progress=progress, cancel=cancel)
    assert seen == ["checking North Ltd"]
    assert rows_in(store) == before


def test_import_of_an_unknown_kind_is_refused(services, tmp_path: Path):
    with pytest.raises(UsageError):
        services.documents.import_csv("receipts", tmp_path / "x.csv")


# --- layering --------------------------------------------------------------------------

FORBIDDEN = ("app.store", "app.sync", "app.operations", "app.connection", "app.qbo",
             "sqlmodel", "sqlalchemy")
