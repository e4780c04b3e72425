"""Screenshots of the finish (issue 14, "Look and feel"), in the light and dark schemes.

Set ``SYNCDESK_SHOTS=/some/folder`` to run it (skipped otherwise). After a sync of the demo
company it saves ``sync-log-light.png`` / ``sync-log-dark.png`` (the Sync Log page, a
blocked row's details beside it) and ``po-table-light.png`` / ``po-table-dark.png`` (the
PO table with the sync states' icons, a blocked PO's detail pane). The window is 1280×800.
``state-icons-light.png`` / ``state-icons-dark.png`` show all six icons at 16 and 32 px
(the demo's POs show only three states).
Each picture is saved before anything is checked.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from app.domain.states import SyncState
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.shots import SHOTS, each_scheme, save
from tests.ui.window_driving import (
    select,
    show_page,
    start_sync,
    table,
    wait_detail,
    wait_sync_done,
)
from ui import create_main_window
from ui.state_icons import state_icon
from ui.theme import DARK

pytestmark = pytest.mark.skipif(not SHOTS, reason="set SYNCDESK_SHOTS to a folder to save "
                                "screenshots of the window into")

BLOCKED_PO = "PO-1061"


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF())
                + 0.0722 * channel(c.blueF()))

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def unreadable_cells(view, scheme: str) -> list[str]:
    """Cells on screen whose own text colour reads at less than 4.5:1 on the table."""
    model = view.model()
    base = view.palette().color(QPalette.ColorRole.Base)
    bad = []
    for row in range(min(model.rowCount(), 30)):
        for column in range(model.columnCount()):
            colour = model.data(model.index(row, column), Qt.ItemDataRole.ForegroundRole)
            if isinstance(colour, QColor) and contrast(colour, base) < 4.5:
                bad.append(f"{scheme}: {model.data(model.index(row, column))!r} "
                           f"({colour.name()} on {base.name()})")
    return bad


def test_shots_of_the_sync_log_and_the_state_icons(qtbot, tmp_path, memory_keyring):  # noqa: F811
    window = create_main_window(["--demo", "--db", str(tmp_path / "demo.db")])
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    po_table = table(window, "poTable")
    qtbot.waitUntil(lambda: po_table.model().rowCount() > 0, timeout=10000)
    start_sync(qtbot, window)
    wait_sync_done(qtbot, window)
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=30000)
    problems: list[str] = []

    log = show_page(qtbot, window, "Sync Log", "syncLogTable")
    qtbot.waitUntil(lambda: log.model().rowCount() > 0, timeout=10000)
    log.selectRow(0)
    details = window.findChild(QWidget, "syncLogDetails")
    qtbot.waitUntil(lambda: details is not None and details.isVisible(), timeout=10000)
    for scheme in each_scheme():
        qtbot.wait(200)
        save(window, f"sync-log-{scheme}.png")
        problems += unreadable_cells(log, scheme)
        if scheme == DARK and window.palette().color(QPalette.ColorRole.Window).lightness() > 128:
            problems.append("the dark scheme left the window light")

    po_table = show_page(qtbot, window, "Purchase Orders", "poTable")
    select(qtbot, po_table, BLOCKED_PO)
    wait_detail(qtbot, window, BLOCKED_PO)
    for scheme in each_scheme():
        qtbot.wait(300)
        save(window, f"po-table-{scheme}.png")
        problems += unreadable_cells(po_table, scheme)
    window.close()
    assert not problems, "\n".join(problems)


def test_shots_of_the_state_icons(qtbot):
    legend = QWidget(objectName="stateIconLegend")
    qtbot.addWidget(legend)
    grid = QGridLayout(legend)
    for row, state in enumerate(SyncState):
        for column, size in enumerate((16, 32)):
            icon = QLabel(legend)
            icon.setPixmap(state_icon(state).pixmap(size, size))
            grid.addWidget(icon, row, column)
        grid.addWidget(QLabel(state.value.replace("_", " ").capitalize(), legend), row, 2)
    legend.show()
    for scheme in each_scheme():
        legend.setAutoFillBackground(True)
        qtbot.wait(50)
        save(legend, f"state-icons-{scheme}.png")
