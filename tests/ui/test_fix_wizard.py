"""The fix-it wizard in the demo window (offscreen, the demo's in-process sandbox): the
fixes the users asked for by name walked through the real pages (Next, Back, Finish),
the bulk fix of a problem group, and Cancel on every page changing nothing on either
side."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from app.domain.states import DocKind
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.fix_driving import (
    finish,
    idle,
    open_wizard,
    press_back,
    press_cancel,
    press_next,
    quickbooks_state,
    row_of,
    sync_demo,
    syncdesk_state,
)
from ui import create_main_window
from ui.fix_pages import APPLY, INPUTS, OPTION, PREVIEW, PROBLEM, RESULT

PO, INVOICE = DocKind.PO, DocKind.INVOICE


@pytest.fixture
def demo(qtbot, tmp_path):
    """The demo window after its first sync: its blocked documents wait for a fix."""
    window = create_main_window(["--demo", "--db", str(tmp_path / "demo.db")])
    qtbot.addWidget(window)
    window.show()
    sync_demo(qtbot, window)
    yield window
    window.close()


def synced_row(qtbot, window, kind: DocKind, number: str) -> None:
    """The document's row in the table says Synced (put there without a reload)."""
    qtbot.waitUntil(lambda: row_of(window, kind, number) is not None
                    and row_of(window, kind, number).table_text.startswith("Synced"),
                    timeout=30000)


def test_rename_duplicate_vendor(qtbot, demo):
    wizard = open_wizard(qtbot, demo, PO, "PO-1061")
    assert wizard.windowTitle() == "Fix: supplier name taken in QuickBooks"
    assert wizard.currentId() == PROBLEM
    assert wizard.currentPage().title() == "Fix: supplier name taken in QuickBooks"
    press_next(qtbot, wizard, OPTION)
    first = wizard.option_page.buttons[wizard.single.options[0].name]
    assert first.isChecked()
    press_next(qtbot, wizard, INPUTS)
    press_back(qtbot, wizard, OPTION)
    press_next(qtbot, wizard, INPUTS)
    press_next(qtbot, wizard, PREVIEW)
    press_back(qtbot, wizard, INPUTS)
    press_next(qtbot, wizard, PREVIEW)
    finish(qtbot, wizard)
    idle(qtbot, demo)


def before_preview(wizard) -> int:
    """The page Back goes to from the preview (the inputs, or the options when the way
    chosen needs nothing)."""
    return INPUTS if wizard.option_page.chosen().inputs else OPTION


# --- Cancel -------------------------------------------------------------------------------


def walk_to(qtbot, wizard, page: int) -> None:
    """Next with the recommended option and its prefilled values, up to ``page``."""
    while wizard.currentId() != page:
        here = wizard.currentId()
        assert here < page, f"went past page {page} (now {here})"
        press_next(qtbot, wizard)
        qtbot.waitUntil(lambda h=here: wizard.currentId() != h, timeout=30000)


@pytest.mark.parametrize("kind,number", [(PO, "PO-1061"), (INVOICE, "INV-2042")])
def test_cancel_on_any_page_changes_nothing(qtbot, demo, kind, number):
    refs = [(kind, number)]
    before = (syncdesk_state(demo, refs), quickbooks_state(demo))
    for page in (PROBLEM, OPTION, INPUTS, PREVIEW):
        wizard = open_wizard(qtbot, demo, kind, number)
        if page == INPUTS and not wizard.single.options[0].inputs:
            wizard.reject()
            continue  # the recommended way needs nothing: there is no such page
        walk_to(qtbot, wizard, page)
        press_cancel(qtbot, wizard)
        qtbot.waitUntil(lambda w=wizard: not w.isVisible(), timeout=30000)
        idle(qtbot, demo)
        assert (syncdesk_state(demo, refs), quickbooks_state(demo)) == before, \
            f"Cancel on page {page} changed something"
    assert not row_of(demo, kind, number).table_text.startswith("Synced")


def test_cancel_while_the_fix_runs_stops_it_and_says_what_was_done(qtbot, demo):
    wizard = open_wizard(qtbot, demo, PO, "PO-1061")
    walk_to(qtbot, wizard, PREVIEW)
    press_next(qtbot, wizard)  # "Fix it"
    assert wizard.currentId() == APPLY
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    press_cancel(qtbot, wizard)  # asks the fix to stop at its next safe point
    assert wizard.isVisible()  # the wizard stays to say what happened
    qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=60000)
    assert wizard.result_page.title() == "Stopped"
    assert "You stopped the fix" in wizard.result_page.headline.text()
    press_next(qtbot, wizard)  # Finish
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=30000)
    history = demo.ctx.services.documents.history(PO, "PO-1061")
    assert any(h.summary.startswith("Fixed") for h in history)  # what was done is recorded
    assert not row_of(demo, PO, "PO-1061").table_text.startswith("Synced")  # not sent again


# --- bulk -------------------------------------------------------------------------------


def test_bulk_fix_of_a_problem_group(qtbot, demo):
    """PO-1063 and INV-2041 share one cause (a line on an A/P account): the first page
    offers to fix both; the plan, the preview and the result then cover both."""
    groups = {g.key: g.documents for g in demo.ctx.services.sync.problem_groups()}
    assert any(set(docs) >= {"PO-1063", "INV-2041"} for docs in groups.values()), groups
    wizard = open_wizard(qtbot, demo, PO, "PO-1063")
    page = wizard.problem_page
    assert page.bulk.isVisible() and not page.bulk.isChecked()
    assert page.bulk.text() == "Fix all 2 documents with this cause"
    assert "PO-1063" in page.bulk_words.text() and "INV-2041" in page.bulk_words.text()
    page.bulk.setChecked(True)
    assert "2 documents" in page.documents.text()
    walk_to(qtbot, wizard, PREVIEW)
    assert {t.number for t in wizard.plan.targets} == {"PO-1063", "INV-2041"}
    assert {n for _k, n in wizard.plan.resend} >= {"PO-1063", "INV-2041"}
    press_back(qtbot, wizard, before_preview(wizard))
    walk_to(qtbot, wizard, PREVIEW)
    finish(qtbot, wizard)
    synced_row(qtbot, demo, PO, "PO-1063")
    synced_row(qtbot, demo, INVOICE, "INV-2041")
