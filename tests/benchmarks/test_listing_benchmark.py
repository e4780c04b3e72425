"""Listing 100,000 POs and 100,000 invoices: every filter's first page, as the user types.

A benchmark: it prints one line per query (label, best of ``REPEAT`` in
milliseconds, each run timed right after an untimed one, and for a filtered first
page its ratio to the plain first page of the same kind, the two timed in turns so
that both meet the same load; the target is 5x or less) and checks every answer
against a plain scan of the rows in Python, never the time (these machines are
shared and noisy). Run on demand:
``SYNCDESK_BENCHMARKS=1 .venv/bin/python -m pytest tests/benchmarks/test_listing_benchmark.py -s``.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, text

from app.domain.states import NEEDS_ATTENTION, DocKind, SyncState
from app.store.database import open_store
from app.store.models import Invoice, PurchaseOrder, Supplier
from app.store.queries import (
    COUNT_CAP,
    NEEDS_ATTENTION_FILTER,
    DocumentFilter,
    count_by_state,
    count_documents,
    list_documents,
)

ROWS = 100_000
SUPPLIERS = 500
STATES = ("not_synced", "queued", "synced", "failed", "blocked", "excluded")
STATUSES = ("draft", "pending", "approved", "cancelled", "closed")
PAGE = 100
TARGET = 5.0
REPEAT = 9


def fill(store) -> None:
    """Bulk-insert the rows with plain INSERTs (the triggers keep the text index)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    start = date(2025, 1, 1)
    with store.session() as s:
        s.execute(insert(Supplier), [
            {"name": f"Supplier {i:03d}", "currency": "USD", "active": True,
             "created_at": now, "updated_at": now} for i in range(SUPPLIERS)])
        s.execute(insert(PurchaseOrder), [
            {"number": f"PO-{i:06d}", "supplier_id": 1 + i % SUPPLIERS,
             "status": STATUSES[i % 5], "txn_date": start + timedelta(days=i % 700),
             "currency": "USD" if i % 50 else "CAD", "total": (i * 37) % 10_007,
             "created_by": "bench", "created_at": now, "updated_at": now,
             "sync_state": STATES[i % 6], "revision": 1}
            for i in range(ROWS)])
        s.execute(insert(Invoice), [
            {"number": f"INV-{i:06d}", "reference": f"REF-{i * 7 % 999_983:06d}",
             "supplier_id": 1 + i % SUPPLIERS, "po_id": 1 + i if i % 10 else None,
             "status": "approved", "issue_date": start + timedelta(days=i % 700),
             "currency": "USD", "total": i, "amount_paid": 0, "created_by": "bench",
             "created_at": now, "updated_at": now, "sync_state": STATES[i % 6], "revision": 1}
            for i in range(ROWS)])


@dataclass
class Plain:
    """One document as a plain scan sees it (the reference the answers are checked on)."""

    id: int
    number: str
    supplier_id: int
    supplier: str
    date: str
    total: int
    currency: str
    status: str
    sync_state: str
    reference: str | None
    po_number: str | None


def plain_rows(session, kind: DocKind) -> list[Plain]:
    if kind is DocKind.PO:
        sql = ("SELECT d.id, d.number, d.supplier_id, s.name, d.txn_date, d.total, d.currency,"
               " d.status, d.sync_state, NULL, NULL FROM purchase_order d"
               " JOIN supplier s ON s.id = d.supplier_id")
    else:
        sql = ("SELECT d.id, d.number, d.supplier_id, s.name, d.issue_date, d.total, d.currency,"
               " d.status, d.sync_state, d.reference, p.number FROM invoice d"
               " JOIN supplier s ON s.id = d.supplier_id"
               " LEFT JOIN purchase_order p ON p.id = d.po_id")
    return [Plain(*row) for row in session.execute(text(sql))]


def matches(row: Plain, flt: DocumentFilter, with_state: bool = True) -> bool:
    attention = {s.value for s in NEEDS_ATTENTION}
    if flt.status and row.status != flt.status:
        return False
    if with_state and flt.sync_state == NEEDS_ATTENTION_FILTER:
        if row.sync_state not in attention:
            return False
    elif with_state and flt.sync_state and row.sync_state != flt.sync_state:
        return False
    if flt.supplier_id is not None and row.supplier_id != flt.supplier_id:
        return False
    if flt.date_from and row.date < flt.date_from.isoformat():
        return False
    if flt.date_to and row.date > flt.date_to.isoformat():
        return False
    if flt.text:
        needle = flt.text.strip().lower()
        texts = (row.number, row.supplier, row.reference or "")
        if not any(needle in t.lower() for t in texts):
            return False
    return True


def expected_page(rows: list[Plain], flt: DocumentFilter, sort: str, descending: bool,
                  offset: int = 0) -> list[str]:
    found = [r for r in rows if matches(r, flt)]
    field = "date" if sort == "date" else sort

    def key(r: Plain) -> Any:
        value = getattr(r, field)
        return (value is not None, "" if value is None else value, r.id)  # no PO first

    found.sort(key=key, reverse=descending)
    return [r.number for r in found[offset:offset + PAGE]]


def expected_counts(rows: list[Plain], flt: DocumentFilter) -> dict[str, tuple[int, bool]]:
    counted = Counter(r.sync_state for r in rows if matches(r, flt, with_state=False))
    result = {s.value: counted.get(s.value, 0) for s in SyncState}
    result[NEEDS_ATTENTION_FILTER] = sum(result[s.value] for s in NEEDS_ATTENTION)
    return {k: (n, False) for k, n in result.items()}


def warm(fn) -> tuple[Any, float]:
    """``fn`` run twice, the second time timed (as the window repeats a query)."""
    fn()
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def timed(label: str, fn, plain=None, repeat: int = REPEAT):
    """``fn``'s best time; with ``plain`` (the plain first page) timed in turns with it,
    the ratio of the two bests."""
    best = base = float("inf")
    result = None
    for _ in range(repeat):
        if plain is not None:
            base = min(base, warm(plain)[1])
        result, took = warm(fn)
        best = min(best, took)
    ratio = f"{best / base:6.1f}x" if plain is not None else ""
    print(f"  {label:<62} {best * 1000:8.2f} ms {ratio}")
    return result, (best / base if plain is not None else best)


@pytest.fixture
def store(tmp_path):
    opened = open_store(f"sqlite:///{tmp_path / 'bench.db'}")
    yield opened
    opened.close()


ATTENTION = DocumentFilter(sync_state=NEEDS_ATTENTION_FILTER)
SPRING = dict(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31))

# (label, filter, sort, descending): first pages, each checked and compared to the plain one
PO_PAGES = [
    ("POs needing attention, first page", ATTENTION, "date", True),
    ("POs failed, first page", DocumentFilter(sync_state="failed"), "date", True),
    ("POs by status, first page", DocumentFilter(status="pending"), "date", True),
    ("POs by supplier, first page", DocumentFilter(supplier_id=7), "date", True),
    ("POs by date range (one month), first page", DocumentFilter(**SPRING), "date", True),
    ("POs by status + supplier + date range, first page",
     DocumentFilter(status="pending", supplier_id=7, date_from=date(2025, 3, 1),
                    date_to=date(2025, 9, 30)), "date", True),
    ("POs, free text 'po-0123', first page", DocumentFilter(text="po-0123"), "date", True),
    ("POs, sort on total (largest first)", DocumentFilter(), "total", True),
    ("POs, sort on total (smallest first)", DocumentFilter(), "total", False),
    ("POs, sort on number", DocumentFilter(), "number", False),
    ("POs, sort on supplier", DocumentFilter(), "supplier", False),
    ("POs, sort on status", DocumentFilter(), "status", False),
    ("POs, sort on sync state", DocumentFilter(), "sync_state", False),
    ("POs, sort on currency", DocumentFilter(), "currency", False),
    ("POs, oldest first", DocumentFilter(), "date", False),
    ("POs needing attention, sort on total", ATTENTION, "total", True),
    ("POs needing attention + date range, sort on supplier",
     DocumentFilter(sync_state=NEEDS_ATTENTION_FILTER, **SPRING), "supplier", False),
]
INVOICE_PAGES = [
    ("invoices, free text 'ref-00042' (rare), first page",
     DocumentFilter(text="ref-00042"), "date", True),
    ("invoices, free text 'sup' (every row), first page",
     DocumentFilter(text="sup"), "date", True),
    ("invoices, free text 'inv-01' (one in ten), first page",
     DocumentFilter(text="inv-01"), "date", True),
    ("invoices, free text 'r 04' (supplier names), first page",
     DocumentFilter(text="r 04"), "date", True),
    ("invoices, free text '12' (2 characters, common), first page",
     DocumentFilter(text="12"), "date", True),
    ("invoices, supplier + free text 'inv-01', first page",
     DocumentFilter(supplier_id=7, text="inv-01"), "date", True),
    ("invoices, supplier + free text 'sup', first page",
     DocumentFilter(supplier_id=7, text="sup"), "date", True),
    ("invoices needing attention + free text 'inv-05', first page",
     DocumentFilter(sync_state=NEEDS_ATTENTION_FILTER, text="inv-05"), "date", True),
    ("invoices, free text 'sup', sort on total", DocumentFilter(text="sup"), "total", True),
    ("invoices, sort on total (largest first)", DocumentFilter(), "total", True),
    ("invoices, sort on reference", DocumentFilter(), "reference", False),
    ("invoices, sort on PO number", DocumentFilter(), "po_number", False),
    ("invoices, sort on PO number (descending)", DocumentFilter(), "po_number", True),
    ("invoices needing attention, sort on PO number", ATTENTION, "po_number", True),
]
COUNTS = [
    (DocKind.PO, "POs, counts by sync state, no filter", DocumentFilter()),
    (DocKind.PO, "POs, counts by sync state, supplier", DocumentFilter(supplier_id=7)),
    (DocKind.PO, "POs, counts by sync state, status", DocumentFilter(status="pending")),
    (DocKind.PO, "POs, counts by sync state, date range", DocumentFilter(**SPRING)),
    (DocKind.INVOICE, "invoices, counts by sync state, free text 'sup'",
     DocumentFilter(text="sup")),
    (DocKind.INVOICE, "invoices, counts by sync state, free text 'ref-00042'",
     DocumentFilter(text="ref-00042")),
    (DocKind.INVOICE, "invoices, counts by sync state, supplier + free text 'inv-01'",
     DocumentFilter(supplier_id=7, text="inv-01")),
]


def check_counts(got: dict, rows: list[Plain], flt: DocumentFilter) -> None:
    for state, (n, _) in expected_counts(rows, flt).items():
        count = got[state]
        if count.more:  # at least the cap, said so; never more than there are
            assert COUNT_CAP <= count.count <= n, state
        else:
            assert count.count == n, state


@pytest.mark.benchmark
@pytest.mark.skipif(os.environ.get("SYNCDESK_BENCHMARKS") != "1",
                    reason="on demand: set SYNCDESK_BENCHMARKS=1 (tests/store/test_listing.py "
                    "checks the same paths' answers in the suite)")
def test_filtered_pages_of_100k_documents(store, capsys):
    t0 = time.perf_counter()
    fill(store)
    fill_seconds = time.perf_counter() - t0
    ratios: list[float] = []
    with capsys.disabled():
        print(f"\nlisting benchmark: {ROWS:,} POs + {ROWS:,} invoices "
              f"(inserted in {fill_seconds:.1f} s); best of {REPEAT}, one page = {PAGE} "
              f"rows, ratio to the plain first page timed in turns (target {TARGET:.0f}x)")
        with store.session() as s:
            for kind, pages in ((DocKind.PO, PO_PAGES), (DocKind.INVOICE, INVOICE_PAGES)):
                rows = plain_rows(s, kind)
                name = "POs" if kind is DocKind.PO else "invoices"
                def plain(k=kind):
                    return list_documents(s, k, limit=PAGE)

                page, _ = timed(f"{name}, first page, no filter", plain)
                assert [r.number for r in page] == expected_page(
                    rows, DocumentFilter(), "date", True)
                for label, flt, sort, descending in pages:
                    page, ratio = timed(label, lambda k=kind, f=flt, o=sort, d=descending:
                                        list_documents(s, k, f, limit=PAGE, sort=o,
                                                       descending=d), plain)
                    ratios.append(ratio)
                    assert [r.number for r in page] == expected_page(
                        rows, flt, sort, descending), label
                    assert page, label
            rows = plain_rows(s, DocKind.INVOICE)
            page, _ = timed("invoices, page 500 (offset 49,900)",
                            lambda: list_documents(s, DocKind.INVOICE, limit=PAGE,
                                                   offset=49_900))
            assert [r.number for r in page] == expected_page(
                rows, DocumentFilter(), "date", True, offset=49_900)
            total, _ = timed("POs needing attention, count (exact)",
                             lambda: count_documents(s, DocKind.PO, ATTENTION))
            assert total == sum(STATES[i % 6] in ("failed", "blocked") for i in range(ROWS))
            for kind, label, flt in COUNTS:
                got, _ = timed(label, lambda k=kind, f=flt: count_by_state(s, k, f))
                check_counts(got, plain_rows(s, kind), flt)
            check_text_index_against_like(s, rows)
        print(f"  worst filtered first page: {max(ratios):.1f}x the plain first page")


def check_text_index_against_like(session, rows: list[Plain]) -> None:
    """A sample of texts: the text index finds exactly what a LIKE scan finds."""
    pick = random.Random(11)
    for _ in range(20):
        row = pick.choice(rows)
        source = pick.choice([row.number, row.supplier, row.reference or row.number])
        at = pick.randrange(len(source) - 3)
        needle = source[at:at + pick.randint(3, 6)]
        like = session.execute(text(
            "SELECT count(*) FROM invoice d JOIN supplier s ON s.id = d.supplier_id"
            " WHERE d.number LIKE :p OR s.name LIKE :p OR d.reference LIKE :p"),
            {"p": f"%{needle}%"}).scalar_one()
        assert count_documents(session, DocKind.INVOICE, DocumentFilter(text=needle)) == like
