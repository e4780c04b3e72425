"""The window shows the store as it is: after a sync the detail pane and the buttons follow
what is still selected; a row action updates the counts; a second window on the same store
catches up when activated; closing during a sync says what it waits for; a sync with
nothing to send says so (issue 12)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMainWindow, QPushButton, QWidget

from app.domain.states import DocKind
from app.services.demo import open_demo
from app.store.database import open_store
from app.sync.engine import SyncEngine
from app.sync.lock import SyncLock
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.test_window_shell import demo_window, settings  # noqa: F401  (fixtures)
from tests.ui.window_driving import window_on_store
from ui.filter_bar import SYNC_CHOICES
from ui.models.documents import ROW_ROLE
from ui.window import CLOSING_WORDS, SYNC_BUSY

WAIT = 20_000
SYNC_TIMEOUT = 120_000
NEEDS_ATTENTION = [text for text, _state in SYNC_CHOICES].index("Needs attention")


@pytest.fixture
def window(qtbot, demo_window):  # noqa: F811
    demo_window.show()
    return demo_window


def sync(qtbot, window) -> None:
    with qtbot.waitSignal(window.sync_finished, timeout=SYNC_TIMEOUT):
        window.start_sync()
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)


def state_of(window, number: str, kind: DocKind = DocKind.PO) -> str | None:
    model = window.views[kind].model
    at = model.position(number)
    return None if at is None else model.data(model.index(at, 0), ROW_ROLE).sync_state


def select(qtbot, window, number: str) -> None:
    view = window.views[DocKind.PO]
    qtbot.waitUntil(lambda: view.model.position(number) is not None, timeout=WAIT)
    view.table.selectRow(view.model.position(number))
    qtbot.waitUntil(lambda: window.detail.shown == (DocKind.PO, number), timeout=WAIT)


def exclude(qtbot, window, number: str) -> None:
    select(qtbot, window, number)
    window.actions.exclude.trigger()
    dialog = window.actions.reason_dialog
    dialog.reason.setText("entered in QuickBooks by hand")
    dialog.accept()
    qtbot.waitUntil(lambda: state_of(window, number) == "excluded", timeout=WAIT)


def needs_attention_filter(qtbot, window) -> None:
    window.filter_bar.sync.setCurrentIndex(NEEDS_ATTENTION)
    qtbot.waitUntil(lambda: state_of(window, "PO-1062") == "blocked"
                    and state_of(window, "PO-1001") is None, timeout=WAIT)


def test_after_a_sync_the_pane_and_the_buttons_follow_what_is_still_selected(qtbot, window):
    """PO-1062 excluded under Needs attention, then Sync Now: the row leaves the list, so
    nothing is selected: the pane says so and Include (which would act on nothing) is off."""
    sync(qtbot, window)
    needs_attention_filter(qtbot, window)
    exclude(qtbot, window, "PO-1062")
    assert window.actions.include.isEnabled()  # the excluded row is still selected
    sync(qtbot, window)
    qtbot.waitUntil(lambda: state_of(window, "PO-1062") is None, timeout=WAIT)
    assert window.selected_rows() == []
    assert window.detail.shown is None and window.detail.pages.currentIndex() == 0
    include = window.findChild(QPushButton, "includeButton")
    assert not window.actions.include.isEnabled() and not include.isEnabled()
    assert not window.actions.resend.isEnabled() and not window.actions.exclude.isEnabled()


def test_after_a_sync_the_document_still_listed_stays_selected_and_shown(qtbot, window):
    sync(qtbot, window)
    needs_attention_filter(qtbot, window)
    select(qtbot, window, "PO-1061")
    sync(qtbot, window)
    assert [r.number for r in window.selected_rows()] == ["PO-1061"]
    qtbot.waitUntil(lambda: window.detail.shown == (DocKind.PO, "PO-1061"), timeout=WAIT)
    assert window.actions.resend.isEnabled()


def test_a_row_action_updates_the_counts_and_the_status_bar(qtbot, window):
    sync(qtbot, window)
    needs_attention_filter(qtbot, window)
    combo = window.filter_bar.sync
    qtbot.waitUntil(lambda: combo.count_of(NEEDS_ATTENTION) == "4", timeout=WAIT)
    qtbot.waitUntil(lambda: "8 need attention" in window.last_sync.text(), timeout=WAIT)
    exclude(qtbot, window, "PO-1062")
    qtbot.waitUntil(lambda: combo.count_of(NEEDS_ATTENTION) == "3", timeout=WAIT)
    qtbot.waitUntil(lambda: "7 need attention" in window.last_sync.text(), timeout=WAIT)
    assert window.last_sync.text().startswith("Last sync: today at")
    assert state_of(window, "PO-1062") == "excluded"  # in place: no reload took it away


def test_a_sync_with_nothing_to_send_says_so(qtbot, window):
    sync(qtbot, window)
    sync(qtbot, window)  # everything went the first time (or needs attention)
    qtbot.waitUntil(lambda: window.last_sync.text().startswith("Last sync: today at"),
                    timeout=WAIT)
    assert "Nothing to send" in window.last_sync.text()
    assert "0 synced" not in window.last_sync.text()


def activate(qtbot, window) -> None:
    """The user comes back to ``window``: another window first, then this one."""
    for other in QApplication.topLevelWidgets():
        if other is not window and isinstance(other, QMainWindow) and other.isVisible():
            other.activateWindow()
            qtbot.waitUntil(other.isActiveWindow, timeout=WAIT)
            break
    else:
        blank = QWidget()
        qtbot.addWidget(blank)
        blank.show()
        blank.activateWindow()
        qtbot.waitUntil(blank.isActiveWindow, timeout=WAIT)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)


def test_a_second_window_catches_up_with_the_other_windows_sync_when_activated(
        qtbot, window, tmp_path):
    other = window_on_store(qtbot, window.services.location,
                            QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat))
    other.store_poll.stop()  # catching up on activation alone (the timer's look aside)
    other.show_page(0)
    other.filter_bar.text.setText("PO-106")
    qtbot.waitUntil(lambda: state_of(other, "PO-1061") == "queued", timeout=WAIT)
    select(qtbot, other, "PO-1061")
    activate(qtbot, other)  # nothing changed yet: nothing asked again
    sync(qtbot, window)
    assert state_of(window, "PO-1061") == "blocked"
    assert state_of(other, "PO-1061") == "queued"
    activate(qtbot, other)
    qtbot.waitUntil(lambda: state_of(other, "PO-1061") == "blocked", timeout=WAIT)
    assert other.filter_bar.text.text() == "PO-106"  # the filter and the selection stay
    assert [r.number for r in other.selected_rows()] == ["PO-1061"]
    combo = other.filter_bar.sync
    now = str(other.services.documents.counts(DocKind.PO, other.filter_bar.query())
              .needs_attention)
    assert now != "0"
    qtbot.waitUntil(lambda: combo.count_of(NEEDS_ATTENTION) == now, timeout=WAIT)
    qtbot.waitUntil(lambda: "Blocked" in other.detail.qbo_state.text(), timeout=WAIT)
    other.close()


def test_the_refused_sync_message_goes_once_the_other_sync_has_finished(
        qtbot, window, monkeypatch):
    monkeypatch.setattr(SyncEngine, "lock_wait", 0.2)
    elsewhere = open_store(window.services.location)
    lock = SyncLock(elsewhere)
    lock.acquire()
    try:
        with qtbot.waitSignal(window.sync_finished, timeout=SYNC_TIMEOUT):
            window.start_sync()
        assert window.sync_step.isVisible() and window.sync_step.text() == SYNC_BUSY
        activate(qtbot, window)  # still syncing elsewhere: the words stay
        qtbot.waitUntil(lambda: not window.ctx.tasks.running("changes"), timeout=WAIT)
        assert window.sync_step.isVisible() and window.sync_step.text() == SYNC_BUSY
    finally:
        lock.release()
        elsewhere.close()
    activate(qtbot, window)
    qtbot.waitUntil(lambda: not window.sync_step.isVisible(), timeout=WAIT)


def test_closing_during_a_sync_says_what_it_waits_for(
        qtbot, db_path, settings, memory_keyring):  # noqa: F811
    demo = open_demo(str(db_path))
    try:
        demo.sandbox.faults.load("slow=300ms:POST/*:*")
        window = window_on_store(qtbot, demo.location, settings)
        window.start_sync()
        qtbot.waitUntil(lambda: window.progress.value() >= 1
                        and "PO-" in window.sync_step.text(), timeout=SYNC_TIMEOUT)
        said: list[tuple[str, bool]] = []
        cancel_all = window.ctx.tasks.cancel_all

        def waiting(timeout: float) -> bool:  # what the status bar says while it waits
            said.append((window.sync_step.text(), window.sync_step.isVisible()))
            return cancel_all(timeout)

        window.ctx.tasks.cancel_all = waiting
        window.close()
        assert said == [(CLOSING_WORDS, True)]
    finally:
        demo.close()
