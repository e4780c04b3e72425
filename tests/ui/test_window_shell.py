"""The window's shell: opening, Sync Now with its progress, closing during a sync, the
first run, unexpected errors, the layout remembered (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QWidget,
)
from sqlalchemy import text

from app.domain.states import DocKind
from app.errors import UserError
from app.services.demo import open_demo
from app.services.documents_views import ListQuery
from app.store.database import open_store, resolve_db_url
from app.sync.lock import SyncLock
from tests.qbo.conftest import memory_keyring, sandbox  # noqa: F401  (fixtures)
from tests.ui.window_driving import window_on_store
from ui import create_main_window

SYNC_TIMEOUT = 120_000  # ms: a generous bound on a whole demo sync on a busy machine


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """The window's remembered layout in the test's own ini file, never the user's."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def demo_window(qtbot, db_path, settings, memory_keyring):  # noqa: F811
    window = create_main_window(["--demo", "--db", str(db_path)], settings=settings)
    qtbot.addWidget(window)
    yield window
    window.close()


def quickbooks_texts(table: QTableView) -> list[str]:
    model = table.model()
    column = model.column_of("sync_state")
    return [model.index(row, column).data() for row in range(model.rowCount())]


def numbers(table: QTableView) -> list[str]:
    model = table.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_the_window_returns_with_its_first_rows(demo_window):
    """No wait: create_main_window itself waits for the first page (DESIGN.md)."""
    for name in ("poTable", "invoiceTable"):
        table = demo_window.findChild(QTableView, name)
        assert table.model().rowCount() > 0, name
    assert all(text.startswith("Not synced") or text.startswith("Queued")
               for text in quickbooks_texts(demo_window.findChild(QTableView, "poTable")))


def test_sync_now_moves_the_progress_bar_and_keeps_filter_and_selection(qtbot, demo_window):
    window = demo_window
    window.show()
    table = window.findChild(QTableView, "poTable")
    qtbot.waitUntil(lambda: window.company.text() != "" and "(" in window.company.text())
    assert "local sandbox" in window.company.text()
    qtbot.waitUntil(lambda: window.last_sync.text() == "Not synced yet")
    everything = len(numbers(table))
    with qtbot.waitSignal(window.views[DocKind.PO].loaded):
        window.filter_bar.text.setText("PO-100")
    assert 0 < len(numbers(table)) < everything
    chosen = numbers(table)[1]
    window.views[DocKind.PO].select_number(chosen)
    bar = window.findChild(QProgressBar, "syncProgress")
    values: list[int] = []
    bar.valueChanged.connect(values.append)
    with qtbot.waitSignal(window.sync_finished, timeout=SYNC_TIMEOUT) as ended:
        qtbot.mouseClick(window.findChild(QPushButton, "syncNowButton"),
                         Qt.MouseButton.LeftButton)
        assert window.findChild(QPushButton, "cancelSyncButton").isVisible()
    report = ended.args[0]
    assert report.count("synced") > 0
    assert len(set(values)) > 2 and max(values) > 1  # it moved, document by document
    assert not bar.isVisible()
    qtbot.waitUntil(lambda: window.last_sync.text().startswith("Last sync: today at"))
    assert f"{report.count('synced')} synced" in window.last_sync.text()
    # The tables asked again, with the same filter, and the same PO is still selected.
    qtbot.waitUntil(lambda: all(t.startswith(("Synced", "Blocked", "Failed", "Not synced",
                                              "Excluded"))
                                for t in quickbooks_texts(table))
                    and any(t.startswith("Synced") for t in quickbooks_texts(table)))
    assert window.filter_bar.text.text() == "PO-100"
    assert numbers(table) and all("PO-100" in n for n in numbers(table))
    qtbot.waitUntil(lambda: [r.number for r in window.views[DocKind.PO].selected_rows()]
                    == [chosen])


def test_resync_failures_runs_as_a_sync(qtbot, demo_window):
    window = demo_window
    window.show()
    with qtbot.waitSignal(window.sync_finished, timeout=SYNC_TIMEOUT):
        window.start_sync()
    attention = window.services.sync.status()
    failing = attention.problems
    window.findChild(QPushButton, "resyncFailuresButton").click()  # it asks first (issue 14)
    qtbot.waitUntil(lambda: any(b.isVisible() for b in window.findChildren(
        QMessageBox, "resyncConfirm")), timeout=SYNC_TIMEOUT)
    box = next(b for b in window.findChildren(QMessageBox, "resyncConfirm") if b.isVisible())
    with qtbot.waitSignal(window.sync_finished, timeout=SYNC_TIMEOUT) as ended:
        box.button(QMessageBox.StandardButton.Yes).click()
        assert not window.findChild(QPushButton, "syncNowButton").isEnabled()
    report = ended.args[0]
    assert failing and len(report.outcomes) == sum(failing.values())


def test_sync_now_while_another_sync_holds_the_company_says_so_and_keeps_the_last_sync(
        qtbot, demo_window):
    """Another SyncDesk (a second window, a CLI sync) holds this store's sync lock: Sync Now
    is refused, and the status bar says so plainly instead of "Last sync … stopped"."""
    window = demo_window
    window.show()
    qtbot.waitUntil(lambda: window.last_sync.text() == "Not synced yet")
    other = open_store(window.services.location)  # another SyncDesk's own connection
    lock = SyncLock(other)
    lock.acquire()
    try:
        with qtbot.waitSignal(window.sync_finished, timeout=SYNC_TIMEOUT) as ended:
            qtbot.mouseClick(window.findChild(QPushButton, "syncNowButton"),
                             Qt.MouseButton.LeftButton)
        assert isinstance(ended.args[0], UserError)
    finally:
        lock.release()
        other.close()
    step = window.findChild(QLabel, "syncStepLabel")
    assert step.isVisible()
    assert step.text() == ("Another SyncDesk window or command is syncing this company right "
                           "now. Try Sync Now again when it has finished.")
    qtbot.waitUntil(lambda: not window.ctx.tasks.running())  # any late answer has landed
    assert window.last_sync.text() == "Not synced yet"  # nothing happened here
    assert window.last_error is None  # the status bar says it; no dialog in the way
    assert window.findChild(QPushButton, "syncNowButton").isEnabled()
    assert not window.findChild(QProgressBar, "syncProgress").isVisible()
    # Once the other sync is done, Sync Now goes through and the words make way.
    with qtbot.waitSignal(window.sync_finished, timeout=SYNC_TIMEOUT) as ended:
        window.start_sync()
        assert "Another SyncDesk" not in step.text()
    assert ended.args[0].count("synced") > 0
    assert not step.isVisible()
    qtbot.waitUntil(lambda: window.last_sync.text().startswith("Last sync: today at"))


def pending_documents(location: Path | str) -> list[str]:
    """The documents whose request may have reached QuickBooks unanswered, read through a
    connection of its own (as another SyncDesk would)."""
    store = open_store(resolve_db_url(str(location)), create=False)
    try:
        with store.engine.connect() as db:
            return [row[0] for table in ("purchase_order", "invoice")
                    for row in db.execute(text(f"SELECT number FROM {table} "
                                               "WHERE pending_request_id IS NOT NULL"))]
    finally:
        store.close()


def test_closing_during_a_sync_stops_cleanly_and_loses_nothing(qtbot, db_path, settings,
                                                               memory_keyring):  # noqa: F811
    demo = open_demo(str(db_path))
    try:
        demo.sandbox.faults.load("slow=300ms:POST/*:*")
        window = window_on_store(qtbot, demo.location, settings)
        bar = window.findChild(QProgressBar, "syncProgress")
        window.start_sync()
        # Wait until documents are being sent (past the pull), then close.
        qtbot.waitUntil(lambda: bar.value() >= 1 and "PO-" in window.sync_step.text(),
                        timeout=SYNC_TIMEOUT)
        window.close()
        # closing waited for the document in flight: every job has returned
        assert all(task.done.is_set() for task in window.ctx.tasks.running())
        assert pending_documents(demo.location) == []
        documents = demo.services.documents
        queued = documents.count(DocKind.PO, ListQuery(sync_state="queued"))
        assert queued > 0  # the close really cut the sync short
        demo.sandbox.faults.clear()
        report = demo.services.sync.run()
        assert not report.cancelled and len(report.outcomes) >= queued
        assert documents.count(DocKind.PO, ListQuery(sync_state="queued")) == 0
        assert pending_documents(demo.location) == []
    finally:
        demo.close()


def test_a_first_run_offers_a_start_inside_the_window(qtbot, tmp_path, settings,
                                                      memory_keyring):  # noqa: F811
    missing = tmp_path / "nothing-here.db"
    window = create_main_window(["--db", str(missing)], settings=settings)
    qtbot.addWidget(window)
    window.show()
    panel = window.findChild(QWidget, "firstRunPanel")
    assert panel.isVisible()
    assert not window.findChild(QTableView, "poTable").isVisible()
    assert not window.findChild(QPushButton, "syncNowButton").isEnabled()
    assert not missing.exists()  # looking is not creating
    window.findChild(QPushButton, "firstRunConnectButton").click()
    assert "syncdesk connect" in window.findChild(QLabel, "firstRunConnectHelp").text()
    with qtbot.waitSignal(window.company_opened, timeout=SYNC_TIMEOUT):
        window.findChild(QPushButton, "firstRunDemoButton").click()
    table = window.findChild(QTableView, "poTable")
    assert table.isVisible() and not panel.isVisible()
    qtbot.waitUntil(lambda: table.model().rowCount() > 0)
    assert window.findChild(QPushButton, "syncNowButton").isEnabled()
    window.close()


def test_an_unexpected_error_shows_plain_words_and_no_traceback(qtbot, demo_window):
    window = demo_window
    window.show()

    def broken(progress, cancel):
        raise RuntimeError("internal state 0x3f went wrong")

    window.ctx.tasks.start(broken, "something")
    qtbot.waitUntil(lambda: window.last_error is not None and window.last_error.isVisible())
    box = window.findChild(QMessageBox, "errorDialog")
    words = box.text() + box.informativeText()
    assert "did not expect" in words and "log file" in words
    assert "Traceback" not in words and "RuntimeError" not in words and "0x3f" not in words
    box.close()


def test_a_user_error_shows_its_own_words(qtbot, demo_window):
    window = demo_window

    def refused(progress, cancel):
        raise UserError("the supplier Acme is inactive")

    window.ctx.tasks.start(refused, "something")
    qtbot.waitUntil(lambda: window.last_error is not None)
    assert window.last_error.text() == "the supplier Acme is inactive"


def test_the_window_remembers_its_size_and_splitter(qtbot, tmp_path, settings):
    first = window_on_store(qtbot, tmp_path / "none-yet.db", settings)  # a first run
    first.resize(720, 520)  # inside the offscreen screen (800 × 600), or its least size
    first.splitter.setSizes([450, 250])
    size, sizes = (first.width(), first.height()), first.splitter.sizes()
    assert size != (1280, 800)  # not the size a window without remembered settings gets
    first.close()
    again = window_on_store(qtbot, tmp_path / "none-yet.db", settings)
    assert (again.width(), again.height()) == size
    assert again.splitter.sizes() == sizes
    again.close()


def test_a_first_run_connects_a_quickbooks_company_from_the_window(
        qtbot, tmp_path, settings, sandbox, memory_keyring):  # noqa: F811
    missing = tmp_path / "my-company.db"
    window = create_main_window(["--db", str(missing)], settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.findChild(QPushButton, "firstRunConnectButton").click()
    dialog = window.connect_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.choose("local")
    dialog.base_url.setText(sandbox.base_url)
    with qtbot.waitSignal(window.company_opened, timeout=30000):
        dialog.connect_button.click()
    assert missing.exists() and not dialog.isVisible()
    assert window.services.connection.health().connected
    qtbot.waitUntil(lambda: "local sandbox" in window.company.text())
    window.close()


def test_a_failed_connect_says_why_in_the_dialog_and_keeps_the_window_as_it_was(
        qtbot, tmp_path, settings, memory_keyring):  # noqa: F811
    window = create_main_window(["--db", str(tmp_path / "c.db")], settings=settings)
    qtbot.addWidget(window)
    dialog = window.connect_quickbooks()
    dialog.choose("local")
    dialog.base_url.setText("http://127.0.0.1:9")  # nothing listens there
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=60000)
    assert dialog.status.text() and "Traceback" not in dialog.status.text()
    assert window.services is None and window.first_run.isVisibleTo(window)
    window.close()


def test_trouble_carries_only_the_failures_nobody_else_answers_for(qapp):
    from ui.workers import Tasks

    tasks = Tasks(inline=True)
    seen: list[str] = []
    tasks.trouble.connect(lambda name, exc: seen.append(name))
    answered: list[BaseException] = []

    def fails(exc):
        def job(progress, cancel):
            raise exc
        return job

    tasks.start(fails(UserError("refused")), "answered user error", on_failure=answered.append)
    tasks.start(fails(UserError("refused")), "unanswered user error")
    tasks.start(fails(RuntimeError("bug")), "answered bug", on_failure=answered.append)
    from app.work import Cancelled
    tasks.start(fails(Cancelled("stop")), "cancelled")
    assert seen == ["unanswered user error", "answered bug"]
    assert len(answered) == 2


def test_a_sync_stopped_by_quickbooks_failing_says_so_in_a_dialog(qtbot, db_path, settings,
                                                                  memory_keyring):  # noqa: F811
    demo = open_demo(str(db_path))
    try:
        # every PO create fails there, one by one or in a batch
        demo.sandbox.faults.load("500:POST/purchaseorder:*,500:POST/batch:*")
        window = window_on_store(qtbot, demo.location, settings)
        with qtbot.waitSignal(window.sync_finished, timeout=SYNC_TIMEOUT):
            window.start_sync()
        assert window.last_error is not None and window.last_error.isVisible()
        assert "QuickBooks" in window.last_error.text()
        assert "stopped early" in window.last_sync.text()
        first = window.last_error
        with qtbot.waitSignal(window.sync_finished, timeout=SYNC_TIMEOUT):
            window.start_sync()  # again (an auto sync would): one box, not two piled up
        boxes = [w for w in QApplication.topLevelWidgets()
                 if w.objectName() == "errorDialog" and w.isVisible()]
        assert boxes == [window.last_error] and window.last_error is not first
        window.close()
    finally:
        demo.close()
