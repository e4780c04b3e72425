"""The fix-it wizard in the demo window (offscreen, the demo's in-process sandbox): the
fixes the users asked for by name walked through the real pages (Next, Back, Finish),
the bulk fix of a problem group, and Cancel on every page changing nothing on either
side."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QWizard

from app.domain.states import DocKind
from app.services.demo import DemoCompany
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.sync.fixes.document_fixtures import demo as synced_demo  # noqa: F401  (fixture)
from tests.ui.fix_driving import (
    finish,
    idle,
    open_wizard,
    press_back,
    press_cancel,
    press_next,
    quickbooks_state,
    row_of,
    sandbox_of,
    syncdesk_state,
)
from ui.fix_pages import APPLY, INPUTS, OPTION, PREVIEW, PROBLEM, RESULT
from ui.window import MainWindow

PO, INVOICE = DocKind.PO, DocKind.INVOICE


@pytest.fixture
def demo(qtbot, synced_demo: DemoCompany):  # noqa: F811
    """The demo window after its first sync: its blocked documents wait for a fix. The
    synced demo company is a copy (a file, or its rows in a PostgreSQL database) of one
    synced once per run, with its own sandbox; the window is the one ``--demo`` opens
    (closing it closes the demo company)."""
    window = MainWindow(synced_demo.services, title="SyncDesk — demo company",
                        on_close=synced_demo.close)
    qtbot.addWidget(window)
    window.wait_loaded()
    window.show()
    idle(qtbot, window)
    yield window
    window.close()


def synced_row(qtbot, window, kind: DocKind, number: str) -> None:
    """The document's row in the table says Synced (put there without a reload)."""
    qtbot.waitUntil(lambda: row_of(window, kind, number) is not None
                    and row_of(window, kind, number).table_text.startswith("Synced"),
                    timeout=30000)


def field(wizard, key: str):
    found = wizard.inputs_page.fields.get(key)
    assert found is not None, f"no field {key!r} on the inputs page"
    return found


def changes(wizard) -> list[tuple[str, ...]]:
    table = wizard.preview_page.table
    return [tuple(table.item(r, c).text() for c in range(table.columnCount()))
            for r in range(table.rowCount())]


def fixed(qtbot, demo, wizard, kind: DocKind, number: str) -> None:
    """The result page said Synced; the row and the detail pane say so too, without a
    reload of the table."""
    assert wizard.result_page.title() == "Fixed", wizard.result_page.headline.text()
    results = wizard.result_page.table
    stands = {results.item(r, 0).text(): results.item(r, 1).text()
              for r in range(results.rowCount())}
    assert stands.get(number) == "Synced" and set(stands.values()) == {"Synced"}, stands
    synced_row(qtbot, demo, kind, number)
    qtbot.waitUntil(lambda: not demo.detail.banner.isVisible()
                    and demo.detail.qbo_state.text() == "Synced", timeout=30000)


def test_rename_duplicate_vendor(qtbot, demo):
    """PO-1061: its supplier's name belongs to a QuickBooks customer; rename the supplier."""
    wizard = open_wizard(qtbot, demo, PO, "PO-1061")
    assert wizard.windowTitle() == "Fix: supplier name taken in QuickBooks"
    assert wizard.currentId() == PROBLEM
    assert wizard.currentPage().title() == "Fix: supplier name taken in QuickBooks"
    assert "Northwind Traders" in wizard.problem_page.summary.text()
    assert wizard.single.choices.record  # the QuickBooks customer holding the name
    assert not wizard.problem_page.bulk.isVisible()  # one document has this cause
    press_next(qtbot, wizard, OPTION)
    assert wizard.option_page.buttons["rename"].isChecked()
    press_next(qtbot, wizard, INPUTS)
    name = field(wizard, "name")
    suggested = name.text()
    assert suggested and suggested != "Northwind Traders"
    press_back(qtbot, wizard, OPTION)
    press_next(qtbot, wizard, INPUTS)
    assert field(wizard, "name").text() == suggested
    name.setText("Northwind Traders")  # the name QuickBooks refused: told at the field
    press_next(qtbot, wizard)
    error = wizard.inputs_page.errors["name"]
    qtbot.waitUntil(error.isVisible, timeout=30000)
    assert error.text() and wizard.currentId() == INPUTS
    name.setText(suggested)
    press_next(qtbot, wizard, PREVIEW)
    assert ("SyncDesk", "Supplier name", "Northwind Traders", suggested) in changes(wizard)
    assert any(c[0] == "QuickBooks" for c in changes(wizard))
    assert "PO-1061" in wizard.preview_page.resend.text()
    press_back(qtbot, wizard, INPUTS)
    press_next(qtbot, wizard, PREVIEW)
    finish(qtbot, wizard)
    fixed(qtbot, demo, wizard, PO, "PO-1061")
    vendors = sandbox_of(demo).company.all("Vendor")
    assert [v for v in vendors if v["DisplayName"] == suggested]


def test_backdate_po(qtbot, demo):
    """INV-2042 is dated before its PO (PO-1051): backdate the PO, QuickBooks first."""
    wizard = open_wizard(qtbot, demo, INVOICE, "INV-2042")
    assert wizard.windowTitle() == "Fix: invoice dated before its PO"
    press_next(qtbot, wizard, OPTION)
    option = wizard.option_page.buttons["backdate_po"]
    assert not option.isChecked()  # the recommended way comes first and chosen
    option.click()
    press_next(qtbot, wizard, INPUTS)
    press_back(qtbot, wizard, OPTION)
    assert option.isChecked()
    press_next(qtbot, wizard, INPUTS)
    po_date = field(wizard, "po_date")
    invoice_date = po_date.text()
    for key, box in wizard.inputs_page.fields.items():
        if isinstance(box, QComboBox):  # consent to turning PO-date editing on
            box.setCurrentText("yes")
            assert box.currentText() == "yes", key
    po_date.setText("31 February")
    press_next(qtbot, wizard)
    qtbot.waitUntil(wizard.inputs_page.errors["po_date"].isVisible, timeout=30000)
    assert wizard.currentId() == INPUTS
    po_date.setText(invoice_date)
    press_next(qtbot, wizard, PREVIEW)
    rows = changes(wizard)
    assert any(r[0] == "QuickBooks" and invoice_date in r[3] for r in rows), rows
    assert any(r[0] == "SyncDesk" and invoice_date in r[3] for r in rows), rows
    press_back(qtbot, wizard, INPUTS)
    press_next(qtbot, wizard, PREVIEW)
    finish(qtbot, wizard)
    fixed(qtbot, demo, wizard, INVOICE, "INV-2042")
    pos = [p for p in sandbox_of(demo).company.all("PurchaseOrder")
           if p.get("DocNumber") == "PO-1051"]
    assert [str(p["TxnDate"])[:10] for p in pos] == [invoice_date]


def test_reactivate_vendor_with_next_and_finish_only(qtbot, demo):
    """PO-1062: its vendor is inactive in QuickBooks. The recommended way needs nothing,
    so Next goes from the options straight to the preview (and Back comes back there)."""
    wizard = open_wizard(qtbot, demo, PO, "PO-1062")
    assert wizard.windowTitle() == "Fix: supplier's vendor inactive in QuickBooks"
    press_next(qtbot, wizard, OPTION)
    assert wizard.option_page.buttons["reactivate"].isChecked()
    press_next(qtbot, wizard, PREVIEW)
    assert any(r[0] == "QuickBooks" for r in changes(wizard))
    press_back(qtbot, wizard, OPTION)
    press_next(qtbot, wizard, PREVIEW)
    finish(qtbot, wizard)
    fixed(qtbot, demo, wizard, PO, "PO-1062")
    vendors = [v for v in sandbox_of(demo).company.all("Vendor")
               if v["DisplayName"] == "Harbor Freight Lines"]
    assert len(vendors) == 1 and vendors[0].get("Active", True)


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
    """PO-1062: QuickBooks takes its time reactivating the vendor (a slow answer in the
    sandbox), the user presses Cancel meanwhile: the vendor write finishes (a write is
    never cut in half), the document is not sent again, and the wizard says so."""
    sandbox = sandbox_of(demo)
    wizard = open_wizard(qtbot, demo, PO, "PO-1062")
    walk_to(qtbot, wizard, PREVIEW)
    sandbox.faults.add("slow", route="POST/vendor", count=1, delay=1.5)
    press_next(qtbot, wizard)  # "Fix it"
    assert wizard.currentId() == APPLY
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    press_cancel(qtbot, wizard)  # asks the fix to stop at its next safe point
    assert wizard.isVisible()  # the wizard stays to say what happened
    assert "Stopping" in wizard.apply_page.step.text()
    qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=60000)
    assert sandbox.faults.count("slow") == 1  # the cancel came while QuickBooks worked
    assert wizard.result_page.title() == "Stopped"
    assert "You stopped the fix" in wizard.result_page.headline.text()
    press_next(qtbot, wizard)  # Finish
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=30000)
    history = demo.ctx.services.documents.history(PO, "PO-1062")
    assert any(h.summary.startswith("Fixed") for h in history)  # what was done is recorded
    assert not row_of(demo, PO, "PO-1062").table_text.startswith("Synced")  # not sent again


# --- bulk -------------------------------------------------------------------------------


def test_bulk_fix_of_a_problem_group(qtbot, demo):
    """PO-1063 and INV-2041 share one cause (a line on an A/P account): the first page
    offers to fix both; the plan, the preview and the result then cover both."""
    groups = {g.key: g.documents for g in demo.ctx.services.sync.problem_groups()}
    assert any(set(docs) >= {"PO-1063", "INV-2041"} for docs in groups.values()), groups
    wizard = open_wizard(qtbot, demo, PO, "PO-1063")
    page = wizard.problem_page
    assert page.bulk.isVisible() and not page.bulk.isChecked()
    assert page.bulk.text() == "Fix both documents with this cause"
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


def test_a_problem_group_opens_the_wizard_on_every_document(qtbot, demo):
    """FixLauncher.open_group (a dashboard group's Fix): the wizard with both documents of
    the cause chosen already, as its checkbox does; finishing fixes both."""
    key = next(g.key for g in demo.ctx.services.sync.problem_groups()
               if set(g.documents) >= {"PO-1063", "INV-2041"})
    launcher = demo.actions.fixer
    launcher.open_group(key)
    qtbot.waitUntil(lambda: launcher.wizard is not None and launcher.wizard.isVisible(),
                    timeout=30000)
    wizard = launcher.wizard
    assert wizard.problem_page.bulk.isChecked() and wizard.bulk
    assert "2 documents" in wizard.problem_page.documents.text()
    walk_to(qtbot, wizard, PREVIEW)
    assert {t.number for t in wizard.plan.targets} == {"PO-1063", "INV-2041"}
    finish(qtbot, wizard)
    synced_row(qtbot, demo, PO, "PO-1063")
    synced_row(qtbot, demo, INVOICE, "INV-2041")


# --- QuickBooks refusing -------------------------------------------------------------


def test_a_fix_quickbooks_refuses_says_so_and_running_it_again_finishes(qtbot, demo):
    """Every vendor write fails in QuickBooks: the wizard ends saying the fix stopped and
    can be run again, the vendor is still inactive; run again, it is fixed."""
    sandbox = sandbox_of(demo)
    sandbox.faults.add("500", route="POST/vendor", count=None)
    wizard = open_wizard(qtbot, demo, PO, "PO-1062")
    walk_to(qtbot, wizard, PREVIEW)
    press_next(qtbot, wizard)  # "Fix it"
    qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=120000)
    assert wizard.result_page.title() == "Not fixed yet"
    words = wizard.result_page.headline.text()
    assert "run the fix again" in words, words
    press_next(qtbot, wizard)  # Finish
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=30000)
    vendor = [v for v in sandbox.company.all("Vendor")
              if str(v["DisplayName"]).startswith("Harbor Freight Lines")]
    assert len(vendor) == 1 and not vendor[0].get("Active", True)
    assert not row_of(demo, PO, "PO-1062").table_text.startswith("Synced")

    sandbox.faults.clear()
    idle(qtbot, demo)
    again = open_wizard(qtbot, demo, PO, "PO-1062")
    walk_to(qtbot, again, PREVIEW)
    finish(qtbot, again)
    fixed(qtbot, demo, again, PO, "PO-1062")


def test_a_resend_quickbooks_refuses_says_the_changes_were_kept(qtbot, demo):
    """The vendor is reactivated, but QuickBooks fails on the PO when it is sent again: the
    result page says the changes are kept and what to do; the problem page's heading over
    the record does not claim the values are QuickBooks'."""
    sandbox = sandbox_of(demo)
    sandbox.faults.add("500", route="POST/purchaseorder", count=None)
    wizard = open_wizard(qtbot, demo, PO, "PO-1062")
    assert wizard.problem_page.record_title.text() == "<b>The details</b>"
    walk_to(qtbot, wizard, PREVIEW)
    press_next(qtbot, wizard)  # "Fix it"
    qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=120000)
    assert wizard.result_page.title() == "Not fixed yet"
    words = wizard.result_page.headline.text()
    assert "The fix's changes were made and are kept, but QuickBooks refused PO-1062" in words
    assert "run the fix again or resend it" in words
    vendor = [v for v in sandbox.company.all("Vendor")
              if v["DisplayName"] == "Harbor Freight Lines"]
    assert len(vendor) == 1 and vendor[0]["Active"]
    sandbox.faults.clear()
    press_next(qtbot, wizard)  # Finish
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=30000)
