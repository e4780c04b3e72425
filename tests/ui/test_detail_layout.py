"""The detail pane as a bookkeeper sees it at the screenshot's size (1280x800): a blocked
document's lines whole (the description readable, no sideways scrolling, no row cut off)
and its history with a real share of the height, every entry on screen."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSettings
from PySide6.QtWidgets import QApplication, QWidget

from app.domain.states import DocKind
from tests.ui.test_quickbooks_column import demo, open_window, settle  # noqa: F401  (fixture)
from ui.detail_pane import DESCRIPTION_MIN


def shown_document(qtbot, window, kind: DocKind, number: str) -> None:
    view = settle(qtbot, window, kind, (1280, 800))
    qtbot.waitUntil(lambda: view.model.position(number) is not None, timeout=10000)
    view.select_number(number)
    qtbot.waitUntil(lambda: window.detail.shown == (kind, number)
                    and window.detail.pages.currentIndex() == 1, timeout=10000)
    QApplication.processEvents()


def on_screen(widget: QWidget) -> QRect:
    """The part of ``widget`` the user sees (in its own coordinates)."""
    return widget.visibleRegion().boundingRect()


def test_a_blocked_invoices_lines_are_whole_in_the_pane(qtbot, demo, tmp_path):  # noqa: F811
    window = open_window(qtbot, demo, QSettings(str(tmp_path / "ui.ini"),
                                                QSettings.Format.IniFormat))
    shown_document(qtbot, window, DocKind.INVOICE, "INV-2041")
    lines = window.detail.lines
    assert lines.rowCount() == 2
    assert lines.columnWidth(0) >= DESCRIPTION_MIN  # never "crip…"
    assert lines.horizontalScrollBar().maximum() == 0  # no sideways scrolling
    used = sum(lines.columnWidth(c) for c in range(lines.columnCount())
               if not lines.isColumnHidden(c))
    assert used <= lines.viewport().width()
    rows = sum(lines.rowHeight(r) for r in range(lines.rowCount()))
    assert lines.viewport().height() >= rows  # no row cut off
    assert lines.verticalScrollBar().maximum() == 0
    for row in range(lines.rowCount()):  # each line's account or item whole (wrapped)
        item = lines.item(row, 1)
        rect = lines.visualItemRect(item)
        needed = lines.fontMetrics().boundingRect(
            QRect(0, 0, rect.width() - 8, 10_000), 0x1000, item.text()).height()  # word wrap
        assert rect.height() >= needed, item.text()
    window.close()


def test_a_blocked_pos_history_has_its_share_of_the_pane(qtbot, demo, tmp_path):  # noqa: F811
    window = open_window(qtbot, demo, QSettings(str(tmp_path / "ui.ini"),
                                                QSettings.Format.IniFormat))
    shown_document(qtbot, window, DocKind.PO, "PO-1061")
    history = window.detail.history
    entries = history.topLevelItemCount()
    assert entries >= 3
    assert history.isVisible()
    visible = on_screen(history)
    assert visible.size() == history.size(), (visible, history.size())  # not scrolled away
    assert history.height() >= 120
    viewport = history.viewport().rect()
    for at in range(entries):  # every entry on screen, none cut at the bottom
        assert viewport.contains(history.visualItemRect(history.topLevelItem(at))), at
    pane = window.detail
    top_left = history.mapTo(pane, QPoint(0, 0))
    assert pane.rect().contains(QRect(top_left, history.size()))
    window.close()
