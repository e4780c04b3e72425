"""The Sync Log page (issue 14): the demo's attempts newest first, paged from SQL; its
filters; Resync Failures with its count and confirmation; a row's Exclude and Resync;
a row's details with QuickBooks' answer; the filtered log exported to CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QPushButton, QTableView

from app.domain.events import LogResult
from app.domain.states import DocKind, SyncState
from app.services.demo import open_demo
from app.services.sync_log import CSV_HEADERS, LogFilter, LogType
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.window_driving import show_page, synced_demo_window
from ui import create_main_window
from ui.actions import ReasonDialog
from ui.models import sync_log as model_module
from ui.models.sync_log import ROW_ROLE
from ui.sync_log_view import SyncLogView

WAIT = 30000
SEND_WAIT = 120_000  # ms: a send QuickBooks fails is retried (backing off) before it fails
BLOCKED = 8  # the demo company's documents blocked by its first sync (4 POs, 4 invoices)


def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)


@pytest.fixture
def window(qtbot, tmp_path, tmp_path_factory, db_path, memory_keyring):  # noqa: F811
    """The window on the demo company after its first sync, on the test's backend."""
    with synced_demo_window(qtbot, db_path, tmp_path, tmp_path_factory,
                            memory_keyring) as window:
        yield window


def log_page(qtbot, window) -> SyncLogView:
    table = show_page(qtbot, window, "Sync Log", "syncLogTable")
    view = window.findChild(SyncLogView)
    assert view is not None and view.table is table
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=WAIT)
    idle(qtbot, window)
    return view


def rows(view: SyncLogView) -> list:
    return [view.model.data(view.model.index(i, 0), ROW_ROLE)
            for i in range(view.model.rowCount())]


def texts(view: SyncLogView, position: int) -> list[str]:
    return [view.model.index(position, c).data() for c in range(view.model.columnCount())]


def select(qtbot, view: SyncLogView, number: str, result: str | None = None) -> int:
    """Select the newest row about ``number`` (with ``result``); its position."""
    at = next(i for i, r in enumerate(rows(view))
              if r.document == number and (result is None or r.result == result))
    view.table.selectRow(at)
    qtbot.waitUntil(lambda: view.details.shown == rows(view)[at].id, timeout=WAIT)
    return at


def apply(qtbot, view: SyncLogView, change) -> None:
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        change()


def test_the_page_lists_the_demos_attempts_newest_first(qtbot, window):
    assert window.findChild(QTableView, "syncLogTable") is not None
    view = log_page(qtbot, window)
    # The document pages' filter bar and detail pane are not on this page.
    assert not window.filter_bar.isVisible() and not window.detail.isVisible()
    everything = window.services.sync_log.page(LogFilter(), 0, 1000)
    assert [r.id for r in rows(view)] == [r.id for r in everything.rows]
    ids = [r.id for r in rows(view)]
    assert ids == sorted(ids, reverse=True) and len(ids) == everything.total > BLOCKED
    newest = everything.rows[0]
    when, document, operation, result, code, message = texts(view, 0)
    assert (when, document, operation, code) == (newest.when, newest.document,
                                                 "Check before sending", "")
    assert result.startswith("Blocked: ") and message == newest.message
    assert view.model.index(0, 3).data(1) is not None  # the result's icon
    pull = next(i for i, r in enumerate(rows(view)) if r.kind is None)
    assert texts(view, pull)[1:3] == ["—", "Pull everything from QuickBooks"]
    assert "in the log" in view.summary.text()


def test_the_log_is_paged_from_the_store_as_it_scrolls(qtbot, window, monkeypatch,
                                                       qtmodeltester):
    monkeypatch.setattr(model_module, "PAGE", 10)
    monkeypatch.setattr("ui.sync_log_view.PAGE", 10)
    view = log_page(qtbot, window)
    apply(qtbot, view, view.refresh)
    everything = window.services.sync_log.page(LogFilter(), 0, 1000)
    # A page at a time: the first, and one more whenever the table has room to show it
    # (Qt's view asks by itself while it paints, so the count is a multiple of the page).
    first = view.model.rowCount()
    assert first % 10 == 0 and 10 <= first < everything.total and view.model.canFetchMore()
    view.model.fetchMore()
    assert view.model.rowCount() == first + 10
    assert [r.id for r in rows(view)] == [r.id for r in everything.rows[:first + 10]]
    qtmodeltester.check(view.model)
    while view.model.canFetchMore():
        view.model.fetchMore()
    assert [r.id for r in rows(view)] == [r.id for r in everything.rows]


def test_filters_narrow_the_log(qtbot, window, qtmodeltester):
    view = log_page(qtbot, window)
    everything = view.model.rowCount()
    apply(qtbot, view, lambda: view.filters.choose(view.filters.result, LogResult.BLOCKED))
    assert view.model.rowCount() == BLOCKED < everything
    assert {r.result for r in rows(view)} == {LogResult.BLOCKED}
    assert view.summary.text() == f"{BLOCKED} entries match the filters"
    qtmodeltester.check(view.model)
    apply(qtbot, view, lambda: view.filters.choose(view.filters.doc_type, LogType.PO))
    assert {r.kind for r in rows(view)} == {DocKind.PO} and view.model.rowCount() == 4
    apply(qtbot, view, lambda: view.filters.document.setText("PO-1061"))
    assert [r.document for r in rows(view)] == ["PO-1061"]
    problem = rows(view)[0].problem
    apply(qtbot, view, lambda: view.filters.document.clear())
    apply(qtbot, view, lambda: view.filters.choose(view.filters.problem, problem))
    assert [r.document for r in rows(view)] == ["PO-1061"]
    apply(qtbot, view, lambda: view.filters.choose(view.filters.result, None))
    apply(qtbot, view, lambda: view.filters.choose(view.filters.problem, None))
    apply(qtbot, view, lambda: view.filters.choose(view.filters.doc_type, LogType.PULL))
    assert [r.operation for r in rows(view)] == ["pull-full"]
    apply(qtbot, view, lambda: view.filters.choose(view.filters.doc_type, None))
    apply(qtbot, view, lambda: view.filters.period.setCurrentIndex(1))  # today (UTC)
    assert view.model.rowCount() == everything
    view.filters.period.setCurrentIndex(4)  # between two dates: both days in the past
    apply(qtbot, view, lambda: view.filters.date_to.setDate(
        view.filters.date_from.date().addDays(1)))
    assert view.model.rowCount() == 0 and view.summary.text() == "No entries match the filters"


def test_a_filter_answer_arriving_late_is_dropped(qtbot, window):
    view = log_page(qtbot, window)
    view.filters.choose(view.filters.result, LogResult.BLOCKED)  # asked, not answered yet
    apply(qtbot, view, lambda: view.filters.choose(view.filters.result, LogResult.SUCCESS))
    idle(qtbot, window)
    assert {r.result for r in rows(view)} == {LogResult.SUCCESS}


def confirm_box(qtbot, window) -> QMessageBox:
    found: list[QMessageBox] = []

    def shown() -> bool:
        found[:] = [b for b in window.findChildren(QMessageBox, "resyncConfirm")
                    if b.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=WAIT)
    return found[0]


def test_resync_failures_shows_its_count_asks_first_then_sends_them(qtbot, window):
    view = log_page(qtbot, window)
    button = window.findChild(QPushButton, "resyncFailuresButton")
    qtbot.waitUntil(lambda: button.text() == f"Resync failures ({BLOCKED})", timeout=WAIT)
    before = view.model.total
    # No: nothing is sent.
    button.click()
    box = confirm_box(qtbot, window)
    assert box.text() == f"Send {BLOCKED} documents to QuickBooks again?"
    assert "PO-1061 — Blocked: " in box.informativeText()
    assert "INV-2044 — Blocked: field too long" in box.informativeText()
    box.button(QMessageBox.StandardButton.No).click()
    assert not window.ctx.tasks.running("sync")
    idle(qtbot, window)
    # Yes: the window's resync runs (its progress in the status bar); new rows appear.
    button.click()
    box = confirm_box(qtbot, window)
    with qtbot.waitSignal(window.sync_finished, timeout=SEND_WAIT) as ended:
        box.button(QMessageBox.StandardButton.Yes).click()
        assert window.ctx.tasks.running("sync")
    report = ended.args[0]
    assert sorted(o.number for o in report.outcomes) == sorted(
        d.number for d in window.services.sync_log.resync_preview().documents)
    qtbot.waitUntil(lambda: view.model.total >= before + BLOCKED, timeout=WAIT)
    assert {r.result for r in rows(view)[:BLOCKED]} == {LogResult.BLOCKED}  # still wrong
    idle(qtbot, window)
    assert button.text() == f"Resync failures ({BLOCKED})"


def test_exclude_a_row_asks_why_refuses_no_reason_and_the_count_drops(qtbot, window):
    view = log_page(qtbot, window)
    button = window.findChild(QPushButton, "resyncFailuresButton")
    qtbot.waitUntil(lambda: button.text() == f"Resync failures ({BLOCKED})", timeout=WAIT)
    select(qtbot, view, "PO-1061")
    exclude = window.findChild(QPushButton, "syncLogExcludeButton")
    assert exclude.isEnabled() and view.exclude_action in view.menu.actions()
    exclude.click()
    dialog = view.findChild(ReasonDialog, "excludeReasonDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.buttons.accepted.emit()  # no reason
    assert dialog.isVisible() and "Say why" in dialog.refusal.text()
    assert not window.ctx.tasks.running("sync log actions")
    dialog.reason.setText("entered in QuickBooks by hand")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: window.services.documents.row(DocKind.PO, "PO-1061").sync_state
                    == SyncState.EXCLUDED, timeout=WAIT)
    qtbot.waitUntil(lambda: button.text() == f"Resync failures ({BLOCKED - 1})", timeout=WAIT)
    idle(qtbot, window)
    # A row about no document has nothing to resync or exclude.
    pull = next(i for i, r in enumerate(rows(view)) if r.kind is None)
    view.table.selectRow(pull)
    assert not exclude.isEnabled()
    assert not window.findChild(QPushButton, "syncLogResyncButton").isEnabled()


@pytest.fixture
def demo_and_window(qtbot, tmp_path, db_path):
    """The demo company (its sandbox at hand, for its faults) and the window on its store."""
    demo = open_demo(str(db_path))
    window = create_main_window(["--db", str(demo.location)], settings=settings(tmp_path))
    qtbot.addWidget(window)
    window.show()
    try:
        yield demo, window
    finally:
        window.close()
        demo.close()


def test_the_details_of_a_failed_row_show_quickbooks_answer_and_resync_sends_it(
        qtbot, demo_and_window):
    demo, window = demo_and_window
    idle(qtbot, window)
    demo.sandbox.faults.load("500:POST/purchaseorder:*")  # QuickBooks fails every PO sent
    demo.services.sync.resend(DocKind.PO, "PO-1059")
    demo.sandbox.faults.clear()
    view = log_page(qtbot, window)
    select(qtbot, view, "PO-1059", LogResult.FAILED)
    detail = window.services.sync_log.details(view.details.shown)
    words = view.details.plain_text()
    assert detail.code == "10000" and detail.intuit_tid
    for expected in ("PO-1059", "QuickBooks' answer", "10000", detail.message, detail.detail,
                     detail.intuit_tid, "What was sent", detail.request_id,
                     "QuickBooks could not be reached, or failed on its side"):
        assert expected in words, expected
    # Resync sends it again (QuickBooks answers now): a new row, a success, on top.
    resync = window.findChild(QPushButton, "syncLogResyncButton")
    assert resync.isEnabled()
    with qtbot.waitSignal(view.documents_changed, timeout=SEND_WAIT):
        resync.click()
    qtbot.waitUntil(lambda: rows(view)[0].document == "PO-1059"
                    and rows(view)[0].result == LogResult.SUCCESS, timeout=WAIT)
    assert window.services.documents.row(DocKind.PO, "PO-1059").sync_state == SyncState.SYNCED


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_export_writes_the_filtered_rows_to_csv(qtbot, window, tmp_path):
    view = log_page(qtbot, window)
    apply(qtbot, view, lambda: view.filters.choose(view.filters.result, LogResult.BLOCKED))
    shown = rows(view)
    target = tmp_path / "exported" / "log.csv"
    target.parent.mkdir()
    with qtbot.waitSignal(view.exported, timeout=WAIT) as done:
        view.export(target)
        assert view.cancel_export.isVisible()
    assert done.args[0].rows == BLOCKED
    written = read_csv(target)
    assert written[0] == list(CSV_HEADERS)
    assert [(r[2], r[4]) for r in written[1:]] == [(r.document, r.result) for r in shown]
    assert not view.cancel_export.isVisible() and view.export_button.isEnabled()
    assert view.summary.text() == f"Saved {BLOCKED} entries to {target}."


def test_a_cancelled_export_leaves_no_file(qtbot, window, tmp_path, monkeypatch):
    from app.services import sync_log as service_module

    checked = service_module.check_cancel

    def wait_for_cancel(cancel):  # the export waits at its first safe point for Cancel
        cancel.wait(WAIT / 1000)
        checked(cancel)

    monkeypatch.setattr(service_module, "check_cancel", wait_for_cancel)
    view = log_page(qtbot, window)
    target = tmp_path / "exported" / "log.csv"
    target.parent.mkdir()
    with qtbot.waitSignal(view.exported, timeout=WAIT) as done:
        view.export(target)
        assert view.cancel_export.isVisible()
        view.cancel_export.click()
    assert not isinstance(done.args[0], Path)
    assert list(target.parent.iterdir()) == []
    assert view.summary.text() == "Export cancelled; no file was written."
    assert view.export_button.isEnabled() and not view.cancel_export.isVisible()
