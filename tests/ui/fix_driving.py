"""Driving the fix-it wizard as a user does: select a document, "Fix it…", the wizard's
buttons. And the two sides' state, to prove that Cancel changes nothing: the store's
document (through the services) and the demo sandbox's objects (its in-process state)."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QPushButton, QWizard

from app.domain.states import DocKind
from ui.fix_pages import APPLY, RESULT
from ui.fix_wizard import FixWizard
from ui.models.documents import ROW_ROLE

WAIT = 30000
NEXT_BUTTONS = (QWizard.WizardButton.NextButton, QWizard.WizardButton.CommitButton,
                QWizard.WizardButton.FinishButton)


def sync_demo(qtbot, window) -> None:
    """The demo window after its first sync (its blocked documents waiting for a fix)."""
    qtbot.waitUntil(lambda: window.views[DocKind.PO].model.rowCount() > 0, timeout=WAIT)
    window.sync_now.click()
    qtbot.waitUntil(lambda: window.sync_now.isEnabled(), timeout=120000)
    idle(qtbot, window)


def idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)


def row_of(window, kind: DocKind, number: str):
    model = window.views[kind].model
    at = model.position(number)
    return None if at is None else model.data(model.index(at, 0), ROW_ROLE)


def select(qtbot, window, kind: DocKind, number: str) -> None:
    page = 0 if kind is DocKind.PO else 1
    window.nav.setCurrentIndex(page)
    view = window.views[kind]
    qtbot.waitUntil(lambda: view.model.position(number) is not None, timeout=WAIT)
    view.table.clearSelection()
    view.table.selectRow(view.model.position(number))
    qtbot.waitUntil(lambda: window.detail.shown == (kind, number)
                    and window.detail.pages.currentIndex() == 1, timeout=WAIT)


def open_wizard(qtbot, window, kind: DocKind, number: str) -> FixWizard:
    """Select the document and press "Fix it…"; the wizard once it has opened."""
    select(qtbot, window, kind, number)
    button = window.findChild(QPushButton, "fixItButton")
    qtbot.waitUntil(button.isEnabled, timeout=WAIT)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    found: list[FixWizard] = []

    def opened() -> bool:
        wizard = window.findChild(QWizard, "fixWizard")
        if wizard is not None and wizard.isVisible():
            found.append(wizard)
        return bool(found)

    qtbot.waitUntil(opened, timeout=WAIT)
    return found[-1]


def visible_button(wizard: QWizard, which: tuple[QWizard.WizardButton, ...]) -> QAbstractButton:
    for kind in which:
        button = wizard.button(kind)
        if button is not None and button.isVisible():
            return button
    raise AssertionError(f"none of {which} is shown on page {wizard.currentId()}")


def press_next(qtbot, wizard: QWizard, then: int | None = None) -> None:
    """Next (or "Fix it", or Finish) as the user presses it; waits for page ``then``."""
    button = visible_button(wizard, NEXT_BUTTONS)
    qtbot.waitUntil(button.isEnabled, timeout=WAIT)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    if then is not None:
        qtbot.waitUntil(lambda: wizard.currentId() == then, timeout=WAIT)


def press_back(qtbot, wizard: QWizard, then: int) -> None:
    button = visible_button(wizard, (QWizard.WizardButton.BackButton,))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == then, timeout=WAIT)


def press_cancel(qtbot, wizard: QWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CancelButton),
                     Qt.MouseButton.LeftButton)


def finish(qtbot, wizard: QWizard) -> None:
    """From the preview page: "Fix it", wait for the result page, Finish."""
    press_next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currentId() in (APPLY, RESULT), timeout=WAIT)
    qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=120000)
    press_next(qtbot, wizard)
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=WAIT)


def sandbox_of(window):
    """The demo company's in-process sandbox (the window closes it with the demo)."""
    demo = getattr(window._on_close, "__self__", None)  # DemoCompany.close
    assert demo is not None and hasattr(demo, "sandbox"), "not the demo window"
    return demo.sandbox


def quickbooks_state(window) -> str:
    """Every object QuickBooks holds, as one text (to compare before and after)."""
    company = sandbox_of(window).company
    with company.lock:
        return json.dumps({"objects": company.objects, "preferences": company.preferences},
                          sort_keys=True, default=str)


def syncdesk_state(window, refs: list[tuple[DocKind, str]]) -> list[Any]:
    """The documents as SyncDesk holds them: details and history, suppliers too."""
    documents = window.ctx.services.documents
    out: list[Any] = [repr(documents.suppliers())]
    for kind, number in refs:
        out.append(repr(documents.detail(kind, number)))
        out.append([(h.summary, h.detail) for h in documents.history(kind, number)])
    return out
