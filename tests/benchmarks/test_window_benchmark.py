"""The window on a company with 100,000 POs: its open time, and a filter keystroke's time.

A benchmark, on demand (prints figures, never asserts on time; these machines are shared
and noisy)::

    SYNCDESK_BENCHMARKS=1 .venv/bin/python -m pytest tests/benchmarks/test_window_benchmark.py -s

It prints
- the open time: ``create_main_window(["--db", STORE])`` to the PO table's first rows
  shown (target: under 1.5 s);
- over ``KEYSTROKES`` keystrokes typed into ``filterEdit`` (each one waited for before the
  next), the median and worst time from the keystroke to the PO table's model showing
  the new rows (its rows replaced), and the same less the filter bar's typing debounce,
  which is waiting by design (target: under 50 ms median; one frame, 16 ms, is the goal).
Every keystroke's answer is checked: each row shown matches the text typed.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLineEdit, QTableView
from sqlalchemy import insert

from app.store.database import open_store
from app.store.models import PurchaseOrder, Supplier
from ui import create_main_window

ROWS = 100_000
SUPPLIERS = 500
STATES = ("not_synced", "queued", "synced", "failed", "blocked", "excluded")
STATUSES = ("draft", "pending", "approved", "cancelled", "closed")
# what the user types, one keystroke at a time ("\b" is Backspace): narrowing down a
# number, then a supplier, then back out
TYPED = "po-012\b\b\b\b\b\bsupplier 0\b"
KEYSTROKES = len(TYPED)
OPEN_TARGET, KEY_TARGET = 1.5, 0.050

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("SYNCDESK_BENCHMARKS") != "1",
                       reason="on demand: set SYNCDESK_BENCHMARKS=1"),
]


def fill(db: str) -> float:
    """100,000 POs over 500 suppliers, bulk-inserted (the triggers keep the text index)."""
    t0 = time.perf_counter()
    store = open_store(f"sqlite:///{db}", create=True)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    start = date(2025, 1, 1)
    try:
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
    finally:
        store.close()
    return time.perf_counter() - t0


def shown_numbers(view: QTableView) -> list[str]:
    model = view.model()
    return [str(model.data(model.index(r, 0))) for r in range(model.rowCount())]


def debounce_seconds() -> float:
    try:
        from ui.filter_bar import DEBOUNCE_MS
    except ImportError:
        return 0.0
    return DEBOUNCE_MS / 1000


def test_the_window_on_100k_pos(qtbot, tmp_path, capsys):
    db = str(tmp_path / "bench.db")
    fill_seconds = fill(db)

    t0 = time.perf_counter()
    window = create_main_window(["--db", db])
    qtbot.addWidget(window)
    window.show()
    po_table = window.findChild(QTableView, "poTable")
    assert po_table is not None
    while po_table.model().rowCount() == 0:
        QCoreApplication.processEvents()
        assert time.perf_counter() - t0 < 120, "the PO table stayed empty"
    QCoreApplication.processEvents()  # the first rows painted
    opened = time.perf_counter() - t0
    assert po_table.model().rowCount() > 0

    edit = window.findChild(QLineEdit, "filterEdit")
    assert edit is not None
    model = po_table.model()
    updated: list[float] = []
    model.modelReset.connect(lambda: updated.append(time.perf_counter()))
    model.layoutChanged.connect(lambda: updated.append(time.perf_counter()))
    times: list[float] = []
    for key in TYPED:
        updated.clear()
        wanted = (edit.text()[:-1] if key == "\b" else edit.text() + key).strip().lower()
        start = time.perf_counter()
        if key == "\b":
            qtbot.keyClick(edit, Qt.Key.Key_Backspace)
        else:
            qtbot.keyClicks(edit, key)

        def answered(text: str = wanted) -> bool:
            if not updated:
                return False
            rows = [model.data(model.index(r, c)) for r in range(min(model.rowCount(), 20))
                    for c in (0, 1)]
            return not text or all(any(text in str(v).lower() for v in rows[i:i + 2])
                                   for i in range(0, len(rows), 2))

        qtbot.waitUntil(answered, timeout=30000)
        times.append(updated[-1] - start)  # the reset that showed the answer
        updated.clear()
        qtbot.wait(20)  # the next keystroke comes after the view settled
    window.close()

    debounce = debounce_seconds()
    median, worst = statistics.median(times), max(times)
    with capsys.disabled():
        print(f"\nwindow benchmark: {ROWS:,} POs (inserted in {fill_seconds:.1f} s)")
        print(f"  open (create_main_window to the first rows shown) {opened * 1000:8.0f} ms"
              f"   target {OPEN_TARGET * 1000:.0f} ms")
        print(f"  filter keystroke to updated view, {len(times)} keystrokes: median "
              f"{median * 1000:.0f} ms, worst {worst * 1000:.0f} ms")
        print(f"  the same less the typing debounce ({debounce * 1000:.0f} ms): median "
              f"{(median - debounce) * 1000:.0f} ms, worst {(worst - debounce) * 1000:.0f} ms"
              f"   target {KEY_TARGET * 1000:.0f} ms median")
        print("  each keystroke (ms): " + " ".join(f"{t * 1000:.0f}" for t in times))
