"""Pull alone takes the shape of long work: progress per step, cancel between steps, and a
cancelled pull leaves the store whole (each step applied with its bookmark, or not at all);
the next pull finishes the job."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from app.domain.states import DocKind
from app.operations.history import events_for
from app.operations.lookup import find_invoice, find_po, supplier_by_name
from app.store.models import QboObject, QboPull, SyncLogEntry
from app.store.types import utcnow
from app.sync import pull
from app.sync.engine import SyncEngine
from tests.sync.conftest import bill_po, make_po
from tests.sync.test_two_way import pay, qbo_id


def bookmarks(store) -> dict[str, datetime]:
    with store.session() as s:
        return {row.entity: row.as_of for row in s.exec(select(QboPull))}


def cancelling_at(words: str, seen: list) -> tuple[threading.Event, object]:
    """A cancel event set when the pull says it starts the step named ``words``."""
    cancel = threading.Event()

    def progress(p):
        seen.append((p.done, p.total, p.current))
        if p.current and words in p.current:
            cancel.set()

    return cancel, progress


@pytest.fixture
def synced(store, engine):
    make_po(store, number="PO-1")
    make_po(store, number="PO-2")
    bill_po(store, "PO-1", "INV-1", "A-100")
    assert engine.run().pull.mode == "full"
    return store


def test_a_pull_cancelled_between_lists_and_documents_is_whole_and_finished_next_time(
        synced, client, sandbox):
    with synced.session() as s:
        vendor_id = supplier_by_name(s, "Acme Supply").qbo_vendor_id
    client.update("Vendor", vendor_id, lambda v: {**v, "DisplayName": "Acme Supply Co"})
    client.update("PurchaseOrder", qbo_id(synced, DocKind.PO, "PO-2"),
                  lambda po: {**po, "POStatus": "Closed"})
    pay(sandbox, client, qbo_id(synced, DocKind.INVOICE, "INV-1"), "162.00")
    before = bookmarks(synced)

    seen: list = []
    cancel, progress = cancelling_at("purchase orders", seen)
    report = SyncEngine(synced, client, on_progress=progress, cancel=cancel,
                        actor="tester").run(push=False)

    assert report.cancelled and report.pull.cancelled and report.pull.mode == "cdc"
    steps = [current for _, _, current in seen if current]
    assert steps[:4] == ["Reading changes from QuickBooks", "Reading what changed in "
                         "QuickBooks", "Reading vendors from QuickBooks",
                         "Reading customers from QuickBooks"]
    assert steps[-1] == "Reading purchase orders from QuickBooks"  # the bills never began
    assert {total for _, total, current in seen if current and current != steps[0]} == {
        pull.STEPS}
    # Applied: the lists and the POs, each with its bookmark. Not applied: the bills, whose
    # bookmark has not moved.
    after = bookmarks(synced)
    assert all(after[e] > before[e] for e in (*pull.LISTS, "PurchaseOrder"))
    assert after["Bill"] == before["Bill"]
    with synced.session() as s:
        assert supplier_by_name(s, "Acme Supply Co") is not None
        mirror = s.exec(select(QboObject).where(QboObject.entity == "Vendor",
                                                QboObject.qbo_id == vendor_id)).one()
        assert mirror.name == "Acme Supply Co"
        assert find_po(s, "PO-2").status == "closed"
        invoice = find_invoice(s, "INV-1")
        assert (invoice.status, invoice.amount_paid) == ("approved", Decimal("0.00"))
        assert [e.operation for e in s.exec(select(SyncLogEntry))].count("pull-cdc") == 0

    # The next pull asks again from the oldest bookmark and finishes: only the bills are
    # new to it; what the cancelled pull applied is not applied (nor told) twice.
    again = SyncEngine(synced, client, actor="tester").run(push=False)
    assert not again.cancelled and again.pull.mode == "cdc"
    assert again.pull.counts == {"Bill": 1}
    assert all(bookmarks(synced)[e] > after[e] for e in pull.LISTS + pull.TRANSACTIONS)
    with synced.session() as s:
        invoice = find_invoice(s, "INV-1")
        assert (invoice.status, invoice.amount_paid, invoice.qbo_status) == (
            "paid", Decimal("162.00"), "Paid")
        renamed = [e for e in events_for(s, DocKind.PO, find_po(s, "PO-2").id)
                   if e.action == "supplier_renamed"]
        assert len(renamed) == 1


def test_a_full_load_cancelled_between_pages_of_documents(synced, client, monkeypatch):
    make_po(synced, number="PO-3")
    SyncEngine(synced, client, actor="tester").run()
    ids = [qbo_id(synced, DocKind.PO, n) for n in ("PO-1", "PO-2", "PO-3")]
    for po_id in ids[1:]:
        client.delete("PurchaseOrder", po_id)
    monkeypatch.setattr(pull, "ID_CHUNK", 1)  # one PO per page
    before = bookmarks(synced)
    later = utcnow() + timedelta(days=31)  # past CDC's window: a full load

    seen: list = []
    cancel, progress = cancelling_at("(page 2 of 3)", seen)
    report = SyncEngine(synced, client, on_progress=progress, cancel=cancel, actor="tester",
                        now=lambda: later).run(push=False)

    assert report.cancelled and report.pull.mode == "full"
    assert [c for _, _, c in seen if c and "purchase orders" in c] == [
        "Reading purchase orders from QuickBooks",
        "Reading purchase orders from QuickBooks (page 2 of 3)"]
    after = bookmarks(synced)
    assert all(after[e] == later for e in pull.LISTS)
    assert (after["PurchaseOrder"], after["Bill"]) == (before["PurchaseOrder"], before["Bill"])
    with synced.session() as s:  # pages 1 and 2 applied, page 3 not
        assert [find_po(s, n).problem for n in ("PO-1", "PO-2", "PO-3")] == [
            None, "deleted_in_qbo", None]

    again = SyncEngine(synced, client, actor="tester", now=lambda: later).run(push=False)
    assert not again.cancelled and again.pull.mode == "full"
    assert again.pull.counts.get("PurchaseOrder") == 1  # PO-3 only: PO-2 was told before
    assert bookmarks(synced)["PurchaseOrder"] == later
    with synced.session() as s:
        assert [find_po(s, n).problem for n in ("PO-1", "PO-2", "PO-3")] == [
            None, "deleted_in_qbo", "deleted_in_qbo"]


def test_pull_alone_reports_every_step(synced, client):
    seen: list = []
    report = SyncEngine(synced, client, on_progress=lambda p: seen.append(p),
                        actor="tester").run(push=False)
    assert not report.cancelled and report.pull.mode == "cdc"
    steps = [p.current for p in seen if p.total == pull.STEPS and p.current]
    assert steps == ["Reading what changed in QuickBooks", "Reading vendors from QuickBooks",
                     "Reading customers from QuickBooks", "Reading employees from QuickBooks",
                     "Reading accounts from QuickBooks", "Reading items from QuickBooks",
                     "Reading terms from QuickBooks", "Reading the company's preferences",
                     "Reading purchase orders from QuickBooks", "Reading bills from QuickBooks"]
    assert (seen[-1].done, seen[-1].total) == (pull.STEPS, pull.STEPS)


def test_a_full_load_of_a_list_is_applied_page_by_page_and_deletes_only_at_the_end(
        synced, client, sandbox, monkeypatch):
    """A large list streams: each page is applied as it comes; a load stopped between pages
    keeps what it applied, moves no bookmark and deletes nothing (what it has not read yet
    is not gone); the next full load finishes the list, and only then finds what is gone."""
    for n in range(5):
        sandbox.create("Vendor", {"DisplayName": f"Extra {n}"})
    with synced.session() as s:  # a vendor the mirror holds that QuickBooks no longer has
        pull.remember(s, "Vendor", {"Id": "9999", "DisplayName": "Gone Ltd", "SyncToken": "0"})
        supplier_by_name(s, "O'Brien & Sons").qbo_vendor_id = "9999"
    monkeypatch.setattr(pull, "PAGE", 2)  # two vendors a page: Acme and Extra 0-4 are 3
    before = bookmarks(synced)
    later = utcnow() + timedelta(days=31)  # past CDC's window: a full load

    def mirror() -> list[str]:
        with synced.session() as s:
            return sorted(row.name for row in s.exec(select(QboObject).where(
                QboObject.entity == "Vendor")))

    seen: list = []
    cancel, progress = cancelling_at("Reading vendors from QuickBooks (2 so far)", seen)
    report = SyncEngine(synced, client, on_progress=progress, cancel=cancel, actor="tester",
                        now=lambda: later).run(push=False)

    assert report.cancelled and report.pull.mode == "full"
    # cancelled after page 2 was applied, before page 3 was asked for
    assert [c for _, _, c in seen if c and "vendors" in c] == [
        "Reading vendors from QuickBooks", "Reading vendors from QuickBooks (2 so far)"]
    assert bookmarks(synced) == before  # not even the vendors are marked read
    assert mirror() == ["Acme Supply", "Extra 0", "Extra 1", "Extra 2", "Gone Ltd"]
    with synced.session() as s:
        assert supplier_by_name(s, "O'Brien & Sons").qbo_vendor_id == "9999"

    again = SyncEngine(synced, client, actor="tester", now=lambda: later).run(push=False)
    assert not again.cancelled and again.pull.mode == "full"
    assert again.pull.counts["Vendor"] == 3  # Extra 3 and 4 came, Gone Ltd went
    assert mirror() == ["Acme Supply", "Extra 0", "Extra 1", "Extra 2", "Extra 3", "Extra 4"]
    with synced.session() as s:
        assert supplier_by_name(s, "O'Brien & Sons").qbo_vendor_id is None
        row = s.exec(select(QboPull).where(QboPull.entity == "Vendor")).one()
        assert (row.as_of, row.full_at, row.count) == (later, later, 6)
