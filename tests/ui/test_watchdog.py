"""The GUI thread keeps processing events while a sync waits on a slow QuickBooks.

A watchdog timer fires every 20 ms on the GUI thread and records when it ran; while the
sync runs against the demo company's sandbox answering every request slowly (its ``slow``
fault), and while the user types in the filter, the largest gap between two firings stays
under 200 ms. Work done on the GUI thread (a network call, a long store call, a flood of
progress signals) shows up as a gap. This is a bound on responsiveness, not a speed
figure: only the seconds while the sync task runs are measured, on a machine that may be
loaded.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QLineEdit

from app.services.demo import open_demo
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.window_driving import (
    cancel_sync,
    start_sync,
    sync_running,
    table,
    wait_sync_done,
    window_on_store,
)

TICK_MS = 20
BOUND_MS = 200
MEASURE_SECONDS = 4.0
SLOW = 0.25  # seconds each sandbox answer waits


class Watchdog:
    """Records the GUI thread's timer firings while ``measuring`` says so."""

    def __init__(self, measuring) -> None:
        self.measuring = measuring
        self.gaps: list[float] = []
        self._last: float | None = None
        self.timer = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if not self.measuring():
            self._last = None
            return
        if self._last is not None:
            self.gaps.append(now - self._last)
        self._last = now

    @property
    def worst_ms(self) -> float:
        return max(self.gaps, default=0.0) * 1000


def test_the_window_answers_while_a_sync_waits_on_a_slow_quickbooks(qtbot, tmp_path, db_path):
    demo = open_demo(str(db_path))
    window = window_on_store(qtbot, demo.location,
                             QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    po_table = table(window, "poTable")
    qtbot.waitUntil(lambda: po_table.model().rowCount() > 0, timeout=10000)
    slow = demo.sandbox.faults.add("slow", route="*", count=None, delay=SLOW)

    watchdog = Watchdog(lambda: sync_running(window))
    watchdog.timer.start()
    start_sync(qtbot, window)
    started = time.perf_counter()
    edit = window.findChild(QLineEdit, "filterEdit")
    assert edit is not None
    for key in "PO-10":  # the user filters while the sync runs
        qtbot.keyClicks(edit, key)
        qtbot.wait(150)
    qtbot.waitUntil(lambda: time.perf_counter() - started > MEASURE_SECONDS
                    or not sync_running(window), timeout=int(MEASURE_SECONDS * 1000) + 30000)
    measured = time.perf_counter() - started
    still_running = sync_running(window)
    watchdog.timer.stop()
    cancel_sync(qtbot, window)
    wait_sync_done(qtbot, window)
    window.close()
    demo.close()

    print(f"\nwatchdog: {len(watchdog.gaps)} ticks over {measured:.1f} s of sync, "
          f"worst gap {watchdog.worst_ms:.0f} ms, slow answers {slow.fired}")
    assert slow.fired > 0, "the sync never met a slow answer"
    assert still_running, "the sync ended before the measure did: nothing waited on the network"
    assert len(watchdog.gaps) > MEASURE_SECONDS * 1000 / TICK_MS / 4, "too few ticks measured"
    assert watchdog.worst_ms < BOUND_MS, (
        f"the GUI thread went {watchdog.worst_ms:.0f} ms without processing events during "
        f"the sync (bound {BOUND_MS} ms)")
