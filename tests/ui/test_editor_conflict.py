"""The document editor when someone else saved the document while it was open: the save
is refused with who changed what, and what was typed stays in the dialog."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton

from app.domain.states import DocKind, PoStatus
from app.services.documents import DocumentService, ListQuery
from app.store.database import open_store
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)

# the demo company's window on the test's backend, whose store the tests open again
from tests.ui.test_document_editor import (  # noqa: F401  (the window fixture)
    cell,
    child,
    click,
    editor_of,
    idle,
    save,
    window,
)
from ui.supplier_editor import SupplierEditor

WAIT = 30000


def test_a_save_over_a_newer_version_is_refused_and_the_typing_is_kept(qtbot, window):  # noqa: F811
    documents = window.ctx.services.documents
    number = documents.list(DocKind.PO, ListQuery(status=PoStatus.PENDING.value))[0].number
    opened = documents.detail(DocKind.PO, number)
    window.editor.open(DocKind.PO, number)
    editor = editor_of(qtbot, window)
    assert f"version {opened.revision}" in child(editor, QLabel, "statusLabel").text()

    # Bob, on another SyncDesk, saves the same PO while ann's editor is open.
    other = open_store(window.ctx.services.location)  # the same company, another SyncDesk
    try:
        DocumentService(other, actor=lambda: "bob").edit(
            DocKind.PO, number, {"memo": "Bob's memo", "line.1.description": "Bob's line"})
    finally:
        other.close()

    editor.edits["memo"].clear()
    qtbot.keyClicks(editor.edits["memo"], "Ann's memo")
    assert editor.model.setData(cell(editor, 0, "qty"), "7")
    save(qtbot, editor, "refused")

    summary = child(editor, QLabel, "errorSummary")
    words = summary.text()
    assert summary.isVisible()
    assert f"{number} was changed by bob at " in words
    assert f"(version {opened.revision + 1}: memo, line 1 description)" in words
    assert f"after you opened version {opened.revision}; your changes were not saved" in words
    assert child(editor, QLabel, "savedLabel").text() == "Not saved."
    # What ann typed is still there, unsaved; bob's version is the stored one.
    assert editor.edits["memo"].text() == "Ann's memo"
    assert editor.model.data(cell(editor, 0, "qty")) == "7"
    assert editor.dirty and child(editor, QPushButton, "saveButton").isEnabled()
    stored = documents.detail(DocKind.PO, number)
    assert (stored.memo, stored.revision, stored.edited_by) == ("Bob's memo",
                                                               opened.revision + 1, "bob")
    assert stored.lines[0].qty == opened.lines[0].qty

    # A step from the stale dialog is refused the same way (it saves first: refused).
    with qtbot.waitSignal(editor.refused, timeout=WAIT):
        click(qtbot, child(editor, QPushButton, "approveButton"))
    qtbot.waitUntil(lambda: not editor._busy, timeout=WAIT)
    idle(qtbot, window)
    assert documents.detail(DocKind.PO, number).status == PoStatus.PENDING.value
    assert "your changes were not saved" in summary.text()
    editor.reject()
    editor.confirmation.button(editor.confirmation.StandardButton.Yes).click()
    idle(qtbot, window)


def test_a_step_on_a_po_changed_since_it_was_opened_is_refused(qtbot, window):  # noqa: F811
    documents = window.ctx.services.documents
    number = documents.list(DocKind.PO, ListQuery(status=PoStatus.PENDING.value))[0].number
    window.editor.open(DocKind.PO, number)
    editor = editor_of(qtbot, window)
    other = open_store(window.ctx.services.location)  # the same company, another SyncDesk
    try:
        DocumentService(other, actor=lambda: "bob").edit(DocKind.PO, number,
                                                         {"memo": "Changed by bob"})
    finally:
        other.close()
    assert not editor.dirty
    with qtbot.waitSignal(editor.refused, timeout=WAIT):
        click(qtbot, child(editor, QPushButton, "approveButton"))
    words = child(editor, QLabel, "errorSummary").text()
    assert f"{number} was changed by bob" in words and "it was not approved" in words
    assert documents.detail(DocKind.PO, number).status == PoStatus.PENDING.value
    editor.reject()
    idle(qtbot, window)


def test_a_supplier_edited_meanwhile_is_not_overwritten(qtbot, window):  # noqa: F811
    documents = window.ctx.services.documents
    shown = documents.supplier_overview()[0]
    editor = SupplierEditor(window, shown)
    qtbot.addWidget(editor)
    editor.show()
    other = open_store(window.ctx.services.location)  # the same company, another SyncDesk
    try:
        DocumentService(other, actor=lambda: "bob").edit_supplier(
            shown.name, {"email": "bob@example.com"})
    finally:
        other.close()
    editor.email.setText("ann@example.com")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.error.isVisible(), timeout=WAIT)
    words = editor.error.text()
    assert f"{shown.name} was changed by bob at " in words
    assert "(email: now bob@example.com) after you opened it" in words
    assert editor.isVisible() and editor.email.text() == "ann@example.com"
    stored = next(s for s in documents.suppliers() if s.name == shown.name)
    assert stored.email == "bob@example.com"
    editor.close()
    idle(qtbot, window)
