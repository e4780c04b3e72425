"""Auto sync (issue 14): the window syncs by itself at the company's interval (made short
here), through Sync Now's path, never two at once; a sync ending with new problems raises
a notice in plain words (the tray's where there is one, always the window's banner), and
its Show them brings the documents up; the status bar says when the next one runs."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QSystemTrayIcon

from app.domain.states import DocKind
from app.store.database import open_store
from app.store.lock import SyncLock
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.window_driving import SYNC_SECONDS, sync_running
from ui import create_main_window
from ui.auto_sync import OFF
from ui.tray import NewProblems

WAIT = 30000
SHORT_MINUTE_MS = 300  # a "minute" of the tests: the interval fires soon


def group(cause: str, *docs: tuple[DocKind, str]) -> SimpleNamespace:
    return SimpleNamespace(cause=cause, documents=[SimpleNamespace(kind=k, number=n)
                                                   for k, n in docs])


def test_only_documents_that_did_not_need_attention_before_are_new():
    problems = NewProblems()
    inactive = "Vendor Harbor Freight Lines is inactive in QuickBooks"
    assert problems.after_sync([group(inactive, (DocKind.PO, "PO-1"))]) is None  # no baseline
    problems.seen([group(inactive, (DocKind.PO, "PO-1"))])
    assert problems.after_sync([group(inactive, (DocKind.PO, "PO-1"))]) is None
    found = problems.after_sync([
        group(inactive, (DocKind.PO, "PO-1"), (DocKind.PO, "PO-2"), (DocKind.INVOICE, "INV-7")),
        group("The invoice is dated before its PO", (DocKind.INVOICE, "INV-9"))])
    assert found is not None
    assert found.documents == ((DocKind.PO, "PO-2"), (DocKind.INVOICE, "INV-7"),
                               (DocKind.INVOICE, "INV-9"))
    assert found.text == ("3 documents need attention: PO-2 and INV-7: Vendor Harbor Freight "
                          "Lines is inactive in QuickBooks; INV-9: The invoice is dated "
                          "before its PO.")
    one = problems.after_sync([group("Name taken", (DocKind.PO, "PO-5"))])
    assert one is not None and one.text == "1 document needs attention: PO-5: Name taken."
    problems.forget()
    assert problems.after_sync([group("x", (DocKind.PO, "PO-6"))]) is None


@pytest.fixture
def tray_messages(monkeypatch) -> list[tuple[str, str]]:
    """A desktop with a system tray that shows messages (offscreen has none): the
    window's tray icon is real; what it was asked to show is recorded."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(QSystemTrayIcon, "supportsMessages", staticmethod(lambda: True))
    monkeypatch.setattr(QSystemTrayIcon, "showMessage",
                        lambda _self, title, text, *_rest: shown.append((title, text)))
    return shown


@pytest.fixture
def window(qtbot, tmp_path: Path, db_path, memory_keyring, tray_messages):  # noqa: F811
    """The demo window on the test's backend (closed, its work ended, before the store
    goes)."""
    window = create_main_window(["--demo", "--db", str(db_path)],
                                settings=QSettings(str(tmp_path / "ui.ini"),
                                                   QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    idle(qtbot, window)
    yield window
    window.extras.auto_sync.set_minutes(0)
    window.close()


def idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)


def next_label(window) -> QLabel:
    label = window.findChild(QLabel, "nextAutoSyncLabel")
    assert label is not None
    return label


def test_auto_sync_fires_skips_a_second_firing_and_notices_the_new_problems(qtbot, window,
                                                                           tray_messages):
    auto, notices = window.extras.auto_sync, window.extras.notices
    assert next_label(window).text() == OFF and next_label(window).isVisible()
    auto.minute_ms = SHORT_MINUTE_MS
    window.ctx.services.settings.set("auto_sync_minutes", 1)
    skipped: list[str] = []
    auto.skipped.connect(skipped.append)
    with qtbot.waitSignal(auto.started, timeout=WAIT):
        auto.reload()  # as when the company opens: the interval read again
        qtbot.waitUntil(lambda: next_label(window).text().startswith("Next auto sync at "),
                        timeout=WAIT)
        assert re.fullmatch(r"Next auto sync at \d\d:\d\d", next_label(window).text())
    assert sync_running(window) and not window.sync_now.isEnabled()
    auto.minute_ms = 10 * 60_000  # no third firing while the test looks

    auto.fire()  # the interval passes again while the first sync runs
    assert skipped == ["a sync was running"]
    assert len(window.ctx.tasks.running("sync")) == 1

    with qtbot.waitSignal(notices.noticed, timeout=SYNC_SECONDS * 1000) as noticed:
        pass
    found = noticed.args[0]
    assert re.match(r"\d+ documents need attention: PO-", found.text), found.text
    assert "PO-1061" in found.text  # the demo's PO blocked by a duplicate supplier name
    assert notices.banner.isVisible() and notices.banner.words.text() == found.text
    assert notices.tray is not None and tray_messages == [(found.title, found.text)]
    qtbot.waitUntil(lambda: next_label(window).text().startswith("Next auto sync at "),
                    timeout=WAIT)
    idle(qtbot, window)

    kind, number = found.documents[0]
    window.show_page(1)  # the bookkeeper was on the invoices
    with qtbot.waitSignal(notices.shown, timeout=WAIT):
        notices.tray.messageClicked.emit()  # a click on the tray's message
    assert kind is DocKind.PO and window.current_kind() is DocKind.PO
    assert window.filter_bar.sync.currentText().startswith("Needs attention")
    assert [r.number for r in window.selected_rows()] == [number]
    assert not notices.banner.isVisible()

    window.show_page(1)
    notices.notify(found)  # the same notice again, this time answered in the window
    with qtbot.waitSignal(notices.shown, timeout=WAIT):
        qtbot.mouseClick(notices.banner.show_button, Qt.MouseButton.LeftButton)
    assert window.current_kind() is DocKind.PO and not notices.banner.isVisible()

    auto.set_minutes(0)
    assert next_label(window).text() == OFF and not auto.timer.isActive()


def test_a_firing_while_another_syncdesk_syncs_the_company_is_skipped(qtbot, window):
    auto = window.extras.auto_sync
    other = open_store(window.ctx.services.location)
    try:
        with SyncLock(other).held(0):
            with qtbot.waitSignal(auto.skipped, timeout=WAIT) as skipped:
                auto.fire()
            assert skipped.args == ["another SyncDesk was syncing this company"]
            assert not window.ctx.tasks.running("sync")
    finally:
        other.close()
    auto.minute_ms = SHORT_MINUTE_MS
    auto.set_minutes(5)
    assert auto.timer.isActive() and auto.timer.interval() == 5 * SHORT_MINUTE_MS
    assert "skipped: another SyncDesk was syncing this company" in next_label(window).text()
