"""Listing 100,000 POs and 100,000 invoices: filtered pages come from SQL.

A benchmark: it prints its figures and checks the answers, never the time
(these machines are shared and noisy). Run on its own with
``pytest tests/benchmarks -s``.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from app.domain.states import DocKind
from app.store.database import open_store
from app.store.models import Invoice, PurchaseOrder, Supplier
from app.store.queries import DocumentFilter, count_documents, list_documents

ROWS = 100_000
SUPPLIERS = 500
STATES = ("not_synced", "queued", "synced", "failed", "blocked", "excluded")
STATUSES = ("draft", "pending", "approved", "cancelled", "closed")


def fill(store) -> None:
    """Bulk-insert the rows with plain INSERTs (the benchmark is about reading)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    start = date(2025, 1, 1)
    with store.session() as s:
        s.execute(insert(Supplier), [
            {"name": f"Supplier {i:03d}", "currency": "USD", "active": True,
             "created_at": now, "updated_at": now} for i in range(SUPPLIERS)])
        s.execute(insert(PurchaseOrder), [
            {"number": f"PO-{i:06d}", "supplier_id": 1 + i % SUPPLIERS,
             "status": STATUSES[i % 5], "txn_date": start + timedelta(days=i % 700),
             "currency": "USD", "total": i, "created_by": "bench", "created_at": now,
             "updated_at": now, "sync_state": STATES[i % 6], "revision": 1}
            for i in range(ROWS)])
        s.execute(insert(Invoice), [
            {"number": f"INV-{i:06d}", "reference": f"REF-{i * 7 % 999_983:06d}",
             "supplier_id": 1 + i % SUPPLIERS, "po_id": 1 + i, "status": "approved",
             "issue_date": start + timedelta(days=i % 700), "currency": "USD", "total": i,
             "amount_paid": 0, "created_by": "bench", "created_at": now, "updated_at": now,
             "sync_state": STATES[i % 6], "revision": 1}
            for i in range(ROWS)])


def timed(label: str, fn, repeat: int = 5):
    best = float("inf")
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    print(f"  {label:<58} {best * 1000:8.1f} ms")
    return result


@pytest.fixture
def store(tmp_path):
    opened = open_store(f"sqlite:///{tmp_path / 'bench.db'}")
    yield opened
    opened.close()


@pytest.mark.benchmark
def test_filtered_pages_of_100k_documents(store, capsys):
    t0 = time.perf_counter()
    fill(store)
    fill_seconds = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\nlisting benchmark: {ROWS:,} POs + {ROWS:,} invoices "
              f"(inserted in {fill_seconds:.1f} s); best of 5, one page = 100 rows")
        with store.session() as s:
            page = timed("POs, first page, no filter",
                         lambda: list_documents(s, DocKind.PO, limit=100))
            assert len(page) == 100 and page[0].date >= page[-1].date
            flt = DocumentFilter(sync_state="needs_attention")
            page = timed("POs needing attention, first page",
                         lambda: list_documents(s, DocKind.PO, flt, limit=100))
            assert {r.sync_state for r in page} <= {"failed", "blocked"}
            total = timed("POs needing attention, count",
                          lambda: count_documents(s, DocKind.PO, flt))
            assert total == sum(STATES[i % 6] in ("failed", "blocked") for i in range(ROWS))
            flt = DocumentFilter(status="pending", supplier_id=7,
                                 date_from=date(2025, 3, 1), date_to=date(2025, 9, 30))
            page = timed("POs by status + supplier + date range",
                         lambda: list_documents(s, DocKind.PO, flt, limit=100))
            assert page and all(r.supplier == "Supplier 006" and r.status == "pending"
                                for r in page)
            flt = DocumentFilter(text="ref-00042")
            page = timed("invoices, free text on number/supplier/reference",
                         lambda: list_documents(s, DocKind.INVOICE, flt, limit=100))
            assert page and all("REF-00042" in (r.reference or "") for r in page)
            page = timed("invoices, page 500 (offset 49,900)",
                         lambda: list_documents(s, DocKind.INVOICE, limit=100, offset=49_900))
            assert len(page) == 100
