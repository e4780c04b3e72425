"""Screenshots of the PO editor showing field errors, light and dark (issue 14).

Skipped unless ``SYNCDESK_SHOTS`` names a folder; saves ``po-editor-error-light.png`` and
``po-editor-error-dark.png``: a new PO whose PO date (PO-date editing is off) and one
line's unit price (a decimal comma) were refused, each marked at its field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QPushButton

from app.domain.states import DocKind
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.shots import SHOTS, each_scheme, save
from ui import create_main_window

pytestmark = pytest.mark.skipif(not SHOTS, reason="set SYNCDESK_SHOTS to a folder to save "
                                "screenshots into")
WAIT = 30000


def test_po_editor_with_field_errors(qtbot, tmp_path: Path, memory_keyring):  # noqa: F811
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = create_main_window(["--demo", "--db", str(tmp_path / "d.db")], settings=settings)
    qtbot.addWidget(window)
    window.show()
    documents = window.ctx.services.documents
    sample = documents.detail(DocKind.PO, documents.list(DocKind.PO)[0].number)
    editor = window.editor.open(DocKind.PO)
    qtbot.waitUntil(lambda: editor._clean is not None, timeout=WAIT)
    editor.supplier.setEditText(sample.supplier or "")
    editor.edits["po_date"].setText("2026-08-01")
    editor.edits["memo"].setText("Restock for the Denver warehouse")
    model = editor.model

    def put(row: int, key: str, text: str) -> None:
        model.setData(model.index(row, model.column_of(key)), text)

    put(0, "description", "Printer paper, A4, 80 g (box of 5 reams)")
    put(0, "account", sample.lines[0].account or "")
    put(0, "qty", "10")
    put(0, "unit_price", "24.90")
    editor.model.add_line()
    put(1, "description", "Toner cartridges, black")
    put(1, "account", sample.lines[0].account or "")
    put(1, "qty", "4")
    put(1, "unit_price", "12,50")
    with qtbot.waitSignal(editor.refused, timeout=WAIT):
        qtbot.mouseClick(editor.findChild(QPushButton, "saveButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)
    saved = []
    for scheme in each_scheme():
        saved.append(save(editor, f"po-editor-error-{scheme}.png"))
    assert all(p.stat().st_size > 0 for p in saved)
    assert editor.findChild(QLabel, "poDateError").isVisible()
    assert "Line 2, unit price" in editor.findChild(QLabel, "linesError").text()
    editor.reject()
    window.close()
