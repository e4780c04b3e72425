"""The window on the demo company, built as ``syncdesk gui --demo`` builds it."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton, QTableView

from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from ui import create_main_window


def test_the_demo_window_opens_with_its_tables(qtbot, db_path):
    window = create_main_window(["--demo", "--db", str(db_path)])
    qtbot.addWidget(window)
    window.show()
    po_table = window.findChild(QTableView, "poTable")
    qtbot.waitUntil(lambda: po_table.model().rowCount() > 0, timeout=10000)
    for name, kind in (("filterEdit", QLineEdit), ("syncFilterCombo", QComboBox),
                       ("syncNowButton", QPushButton), ("resendButton", QPushButton)):
        assert window.findChild(kind, name) is not None, name
    window.close()
