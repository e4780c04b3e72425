"""The detail pane and the row actions on the demo window (offscreen, the demo's sandbox)."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QPushButton, QTableView, QTreeWidget, QWizard

from app.domain.states import DocKind
from app.hints import Advice
from app.qbo.oauth import follow_redirects
from app.services import Services
from app.services.connection import ConnectOptions, WebLink
from app.services.demo import open_demo
from app.services.documents_views import DocumentDetail, ProblemBox
from tests.qbo.conftest import memory_keyring, sandbox  # noqa: F401  (fixtures)
from tests.sync.conftest import make_po
from tests.ui.window_driving import synced_demo_window, window_on_store
from ui import create_main_window
from ui.actions import ReasonDialog
from ui.models.documents import ROW_ROLE
from ui.problem_dialog import ProblemDialog

WAIT = 20000
SEND_WAIT = 120_000  # ms: a send QuickBooks fails is retried (backing off) before it fails


def demo_window(qtbot, db: Path | str):
    window = create_main_window(["--demo", "--db", str(db)])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.views[DocKind.PO].model.rowCount() > 0, timeout=WAIT)
    return window


@pytest.fixture
def window(qtbot, db_path):
    """The demo window on the test's backend (closed, its work ended, before the store
    goes)."""
    window = demo_window(qtbot, db_path)
    yield window
    window.close()


@pytest.fixture
def sqlite_window(qtbot, tmp_path):
    """The demo window on a SQLite file only: for tests of what the window does with an
    answer it has (buttons, menus, dialogs, late answers), the same whichever database
    gave it; a PostgreSQL variant would add only time."""
    window = demo_window(qtbot, tmp_path / "demo.db")
    yield window
    window.close()


@pytest.fixture
def synced(qtbot, tmp_path, tmp_path_factory, db_path, memory_keyring):  # noqa: F811
    """The window on the demo company after its first sync (four POs and four invoices
    blocked), on the test's backend."""
    with synced_demo_window(qtbot, db_path, tmp_path, tmp_path_factory,
                            memory_keyring) as window:
        yield window


def table(window, kind: DocKind = DocKind.PO) -> QTableView:
    return window.views[kind].table


def row_of(window, number: str, kind: DocKind = DocKind.PO):
    model = window.views[kind].model
    at = model.position(number)
    return None if at is None else model.data(model.index(at, 0), ROW_ROLE)


def select(qtbot, window, *numbers: str, kind: DocKind = DocKind.PO) -> None:
    view = window.views[kind]
    view.table.clearSelection()
    for number in numbers:
        qtbot.waitUntil(lambda n=number: view.model.position(n) is not None, timeout=WAIT)
        index = view.model.index(view.model.position(number), 0)
        view.table.selectionModel().select(
            index, view.table.selectionModel().SelectionFlag.Select
            | view.table.selectionModel().SelectionFlag.Rows)


def shown(qtbot, window, number: str) -> None:
    qtbot.waitUntil(lambda: window.detail.shown is not None
                    and window.detail.shown[1] == number
                    and window.detail.pages.currentIndex() == 1, timeout=WAIT)


def idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)


def shoot(window, name: str) -> None:
    folder = os.environ.get("SYNCDESK_DETAIL_SHOTS")
    if folder:
        window.grab().save(str(Path(folder) / f"{name}.png"))


# --- the detail pane --------------------------------------------------------------------


def test_nothing_selected_shows_a_friendly_hint(sqlite_window):
    window = sqlite_window
    pane = window.detail
    assert pane.pages.currentIndex() == 0
    hint = pane.findChild(QLabel, "detailHint")
    assert "Select a purchase order or an invoice" in hint.text()
    assert not window.findChild(QPushButton, "resendButton").isEnabled()
    assert not window.findChild(QPushButton, "fixItButton").isEnabled()


def test_a_blocked_po_shows_its_problem_fix_it_and_history(qtbot, synced):
    window = synced
    select(qtbot, window, "PO-1061")
    shown(qtbot, window, "PO-1061")
    pane = window.detail
    assert pane.title.text() == "Purchase order PO-1061"
    assert pane.banner.isVisible()
    assert "belongs to a customer in QuickBooks" in pane.problem.text()
    assert pane.advice.text()  # what to do, in words
    fix = window.findChild(QPushButton, "fixItButton")
    assert fix.isEnabled()
    assert pane.qbo_state.text().startswith("Blocked")
    assert pane.last_sync.text() == "Never" and pane.qbo_id.text() == "—"
    assert pane.lines.rowCount() == 1
    assert pane.lines.item(0, 0).text() == "Imported tea, 30 cases"
    assert pane.lines.item(0, 4).text() == "1,840.00"
    history = window.findChild(QTreeWidget, "historyView")
    assert history.topLevelItemCount() >= 3
    newest = history.topLevelItem(0)
    assert newest.text(2).startswith("Not sent:")  # newest first
    assert history.topLevelItem(history.topLevelItemCount() - 1).text(2).startswith("Created")
    details = [newest.child(i).text(2) for i in range(newest.childCount())]
    assert "Outcome: Blocked" in details and "Problem: name taken in QuickBooks" in details
    shoot(window, "blocked-po")
    fix.click()  # its problem has a fix: the fix-it wizard (tests/ui/test_fix_wizard.py)
    qtbot.waitUntil(lambda: window.findChild(QWizard, "fixWizard") is not None
                    and window.findChild(QWizard, "fixWizard").isVisible(), timeout=WAIT)
    assert pane.problem_dialog is None
    window.findChild(QWizard, "fixWizard").reject()


def test_fix_it_on_a_problem_that_clears_by_itself_shows_the_problem(qtbot, sqlite_window):
    """A problem with no fix-it wizard (it goes again with the next send): Fix it… shows
    what went wrong and QuickBooks' own error."""
    window = sqlite_window
    fault = {"code": "003001", "message": "ThrottleExceeded", "detail": "Too many requests"}
    box = ProblemBox("throttled", "QuickBooks asked SyncDesk to slow down.", "retry", None,
                     Advice("It goes again with the next sync."), "003001",
                     "ThrottleExceeded", [fault])
    detail = DocumentDetail(DocKind.PO, "PO-1050", "Acme", "approved", "USD",
                            Decimal("10.00"), None, "failed", "throttled", None, None,
                            box, None, None, 1, date(2026, 8, 1))
    pane = window.detail
    pane._answered(pane._asked, (detail, [], WebLink(None)))
    fix = window.findChild(QPushButton, "fixItButton")
    assert fix.isEnabled()
    fix.click()
    dialog = pane.problem_dialog
    assert dialog is not None and dialog.isVisible()
    assert "Code: 003001" in dialog.raw.toPlainText()
    assert window.findChild(QWizard, "fixWizard") is None
    dialog.close()


def test_fix_it_shows_quickbooks_raw_error(qtbot):
    """A document QuickBooks refused: its fault's code, message and detail, as they came."""
    fault = {"code": "6140", "message": "Duplicate Document Number Error",
             "detail": "Duplicate Document Number Error : You must specify a different number.",
             "element": "DocNumber", "type": "ValidationFault", "http_status": 400,
             "intuit_tid": "1-abc"}
    box = ProblemBox("duplicate_doc_number", "QuickBooks already has a bill numbered A-7.",
                     None, None, Advice("Change the supplier's number."), "6140",
                     "QuickBooks already has a bill numbered A-7.", [fault])
    detail = DocumentDetail(DocKind.INVOICE, "INV-7", "Acme", "approved", "USD",
                            Decimal("10.00"), None, "failed", "duplicate_doc_number", None, None,
                            box, None, None, 1, date(2026, 8, 1))
    dialog = ProblemDialog(detail)
    qtbot.addWidget(dialog)
    raw = dialog.raw.toPlainText()
    assert raw.splitlines()[:4] == [
        "Code: 6140", "Message: Duplicate Document Number Error",
        "Detail: Duplicate Document Number Error : You must specify a different number.",
        "Field: DocNumber"]
    assert "Request id: 1-abc" in raw
    assert dialog.findChild(QLabel, "problemWhatToDo").text() == "Change the supplier's number."


def test_a_synced_po_has_no_problem_and_quickbooks_cannot_be_opened_on_the_local_sandbox(
        qtbot, synced, monkeypatch):
    window = synced
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    number = next(r.number for r in (row_of(window, n) for n in
                                     _numbers(window)) if r.sync_state == "synced")
    select(qtbot, window, number)
    shown(qtbot, window, number)
    pane = window.detail
    assert not pane.banner.isVisible()
    assert not window.findChild(QPushButton, "fixItButton").isEnabled()
    assert pane.qbo_state.text() == "Synced" and pane.qbo_id.text() != "—"
    assert pane.last_sync.text() != "Never"
    button = window.findChild(QPushButton, "openInQboButton")
    assert not button.isEnabled()
    assert "SyncDesk sandbox" in button.toolTip()
    button.click()
    assert opened == []


def test_selecting_another_document_drops_the_older_answer(qtbot, synced):
    window = synced
    select(qtbot, window, "PO-1061")
    select(qtbot, window, "PO-1062")
    shown(qtbot, window, "PO-1062")
    idle(qtbot, window)
    assert window.detail.shown == (DocKind.PO, "PO-1062")
    assert "PO-1062" in window.detail.title.text()


def _numbers(window, kind: DocKind = DocKind.PO) -> list[str]:
    model = window.views[kind].model
    return [model.data(model.index(i, 0), ROW_ROLE).number for i in range(model.rowCount())]


# --- the row actions --------------------------------------------------------------------


def watch_model(window, kind: DocKind = DocKind.PO) -> dict[str, int]:
    model = window.views[kind].model
    seen = {"reset": 0, "changed": 0}
    model.modelReset.connect(lambda: seen.__setitem__("reset", seen["reset"] + 1))
    model.dataChanged.connect(lambda *_: seen.__setitem__("changed", seen["changed"] + 1))
    return seen


def quickbooks(window, number: str) -> str:
    return row_of(window, number).quickbooks


@pytest.fixture
def demo_and_window(qtbot, tmp_path, db_path):
    """The demo company (its sandbox at hand, for its faults) and the window on its store,
    built as ``syncdesk gui --db DEMO.db`` builds it."""
    demo = open_demo(str(db_path))
    window = create_main_window(["--db", str(demo.location)],
                                settings=QSettings(str(tmp_path / "ui.ini"),
                                                   QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    try:
        yield demo, window
    finally:
        window.close()
        demo.close()


def test_resend_of_a_failed_po_updates_its_row_in_place(qtbot, demo_and_window):
    demo, window = demo_and_window
    idle(qtbot, window)
    assert quickbooks(window, "PO-1059") == "Queued"  # the demo before its first sync
    select(qtbot, window, "PO-1059")
    shown(qtbot, window, "PO-1059")
    seen = watch_model(window)
    resend = window.findChild(QPushButton, "resendButton")
    # QuickBooks fails every PO it is sent: PO-1059 fails.
    demo.sandbox.faults.load("500:POST/purchaseorder:*")
    assert resend.isEnabled()
    resend.click()
    qtbot.waitUntil(lambda: quickbooks(window, "PO-1059").startswith("Failed"),
                    timeout=SEND_WAIT)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: window.detail.qbo_state.text().startswith("Failed"), timeout=WAIT)
    assert seen["reset"] == 0
    # QuickBooks answers again: Resend sends the failed PO, its row turns Synced in place.
    demo.sandbox.faults.clear()
    changed = seen["changed"]
    qtbot.waitUntil(resend.isEnabled, timeout=WAIT)
    resend.click()
    qtbot.waitUntil(lambda: quickbooks(window, "PO-1059") == "Synced", timeout=SEND_WAIT)
    assert seen["reset"] == 0 and seen["changed"] == changed + 1  # the row, not a reload
    qtbot.waitUntil(lambda: window.detail.qbo_state.text() == "Synced", timeout=WAIT)
    assert window.detail.qbo_id.text() != "—"
    assert window.detail.history.topLevelItem(0).text(2).startswith("Created in QuickBooks")
    assert [r.number for r in window.views[DocKind.PO].selected_rows()] == ["PO-1059"]
    assert quickbooks(window, "PO-1057") == "Queued"  # only the one asked for went


def test_exclude_asks_why_refuses_no_reason_then_include(qtbot, window):
    idle(qtbot, window)
    select(qtbot, window, "PO-1057")
    shown(qtbot, window, "PO-1057")
    seen = watch_model(window)
    window.findChild(QPushButton, "excludeButton").click()
    dialog = window.findChild(ReasonDialog, "excludeReasonDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.buttons.accepted.emit()  # OK with no reason
    assert dialog.isVisible() and "Say why" in dialog.refusal.text()
    assert not window.ctx.tasks.running("actions")
    dialog.reason.setText("entered in QuickBooks by hand")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: quickbooks(window, "PO-1057").startswith("Excluded"), timeout=WAIT)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: "entered in QuickBooks by hand" in _field_texts(window), timeout=WAIT)
    include = window.findChild(QPushButton, "includeButton")
    assert include.isVisible() and include.isEnabled()
    assert not window.findChild(QPushButton, "excludeButton").isVisible()
    include.click()
    qtbot.waitUntil(lambda: quickbooks(window, "PO-1057") == "Queued", timeout=WAIT)
    assert seen["reset"] == 0 and seen["changed"] == 2
    qtbot.waitUntil(lambda: window.findChild(QPushButton, "excludeButton").isVisible(),
                    timeout=WAIT)


def test_approve_a_pending_po(qtbot, window):
    idle(qtbot, window)
    select(qtbot, window, "PO-1058")
    shown(qtbot, window, "PO-1058")
    approve = window.findChild(QPushButton, "approveButton")
    assert approve.isEnabled()
    approve.click()
    qtbot.waitUntil(lambda: row_of(window, "PO-1058").status == "approved", timeout=WAIT)
    assert quickbooks(window, "PO-1058") == "Queued"
    qtbot.waitUntil(lambda: "Approved" in _field_texts(window), timeout=WAIT)
    assert not approve.isEnabled()  # approved already


def test_actions_on_two_rows_and_what_could_not_be_done(qtbot, window):
    idle(qtbot, window)
    select(qtbot, window, "PO-1058", "PO-1048")
    assert window.detail.pages.currentIndex() == 0  # several: a hint, no document
    assert "2 documents selected" in window.detail.hint.text()
    window.actions.approve.trigger()
    qtbot.waitUntil(lambda: all(row_of(window, n).status == "approved"
                                for n in ("PO-1058", "PO-1048")), timeout=WAIT)
    idle(qtbot, window)
    select(qtbot, window, "PO-1057", "PO-1060")  # queued, and a draft that cannot go
    resend = window.findChild(QPushButton, "resendButton")
    assert resend.isEnabled()  # one of them can go: Resend sends that one, not the draft
    resend.click()
    qtbot.waitUntil(lambda: quickbooks(window, "PO-1057") == "Synced", timeout=SEND_WAIT)
    idle(qtbot, window)
    assert window.actions.message is None  # nothing refused: the draft was never asked
    assert quickbooks(window, "PO-1060") == "Not synced"


def test_resend_is_disabled_for_a_draft(qtbot, sqlite_window):
    """A draft PO cannot go to QuickBooks: Resend is not offered (it used to be, and then
    refused "PO-1050 is draft")."""
    window = sqlite_window
    idle(qtbot, window)
    select(qtbot, window, "PO-1050")
    shown(qtbot, window, "PO-1050")
    assert row_of(window, "PO-1050").status == "draft"
    assert not window.findChild(QPushButton, "resendButton").isEnabled()
    assert not window.actions.resend.isEnabled()
    window.actions.resend.trigger()  # even when asked (a shortcut): nothing is sent
    assert not window.ctx.tasks.running("actions") and window.actions.message is None


def test_resend_of_a_blocked_po_that_stays_blocked_says_so(qtbot, synced):
    window = synced
    select(qtbot, window, "PO-1063")
    shown(qtbot, window, "PO-1063")
    assert quickbooks(window, "PO-1063").startswith("Blocked")
    resend = window.findChild(QPushButton, "resendButton")
    assert resend.isEnabled()
    resend.click()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("PO-1063"),
                    timeout=SEND_WAIT)
    assert window.statusBar().currentMessage() == \
        "PO-1063 is still blocked: A/P or A/R account"
    assert window.actions.message is None


def test_context_menu_has_the_same_actions_and_selects_the_row(qtbot, window):
    """Its Approve writes to the store: on both backends."""
    idle(qtbot, window)
    view = window.views[DocKind.PO]
    select(qtbot, window, "PO-1057")
    at = view.model.position("PO-1048")
    point = view.table.visualRect(view.model.index(at, 1)).center()
    view.table.customContextMenuRequested.emit(point)
    menu = window.actions.menu
    assert menu.isVisible()
    assert [r.number for r in view.selected_rows()] == ["PO-1048"]
    assert window.actions.resend in menu.actions() and window.actions.approve in menu.actions()
    assert window.actions.approve.isEnabled()  # a pending PO
    menu.hide()
    window.actions.approve.trigger()
    qtbot.waitUntil(lambda: row_of(window, "PO-1048").status == "approved", timeout=WAIT)


def _field_texts(window) -> list[str]:
    return [label.text() for label in window.detail.findChildren(QLabel)]


def test_open_in_quickbooks_opens_intuits_web_app(qtbot, store, sandbox, monkeypatch,  # noqa: F811
                                                  tmp_path):
    """A company on Intuit's sandbox (served here by the SyncDesk sandbox): the button opens
    the synced PO's page in QuickBooks' web app."""
    services = Services.for_store(store)
    services.connection.connect(ConnectOptions("intuit-sandbox", sandbox.base_url,
                                               "syncdesk-demo", "syncdesk-demo-secret"),
                                follow_redirects, timeout=10)
    make_po(store, number="PO-1")
    services.sync.run()
    qbo_id = services.documents.row(DocKind.PO, "PO-1").qbo_id
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    window = window_on_store(qtbot, services.location,
                             QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    select(qtbot, window, "PO-1")
    shown(qtbot, window, "PO-1")
    button = window.findChild(QPushButton, "openInQboButton")
    assert button.isEnabled()
    button.click()
    assert [u.toString() for u in opened] == [
        f"https://app.sandbox.qbo.intuit.com/app/purchaseorder?txnId={qbo_id}"]
    idle(qtbot, window)
    window.close()
