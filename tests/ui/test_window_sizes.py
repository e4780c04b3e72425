"""The window fits small screens: 800 px wide is enough (the filter bar wraps onto more rows),
nothing in the filter bar is clipped or on top of something else, at 800 and at 1280 wide."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from ui import create_main_window
from ui.filter_bar import FilterBar

NARROW = 800


def bar_widgets(bar: FilterBar) -> list[QWidget]:
    """What the user sees in the filter bar: each choice and its label."""
    labels = [label for label in bar.findChildren(QLabel) if label.buddy() is not None]
    return [bar.text, bar.sync, bar.status, bar.supplier, bar.from_check, bar.date_from,
            bar.to_check, bar.date_to, *labels]


def in_bar(bar: FilterBar, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(bar, QPoint(0, 0)), widget.size())


@pytest.fixture
def window(qtbot, tmp_path, memory_keyring):  # noqa: F811
    """The demo window on a SQLite file only: these tests are about its layout, which no
    store answer changes (a PostgreSQL variant would add only time)."""
    window = create_main_window(["--demo", "--db", str(tmp_path / "demo.db")])
    qtbot.addWidget(window)
    yield window
    window.close()


@pytest.mark.parametrize("width, height", [(NARROW, 600), (1280, 800)])
def test_the_filter_bar_fits_the_window_without_clipping_or_overlap(qtbot, window, width,
                                                                     height):
    assert window.minimumSizeHint().width() <= NARROW
    window.resize(width, height)
    window.show()
    qtbot.waitUntil(lambda: window.width() == width, timeout=5000)
    QApplication.processEvents()
    bar = window.filter_bar
    assert bar.isVisible()
    window_rect = QRect(QPoint(0, 0), window.size())
    assert window_rect.contains(QRect(bar.mapTo(window, QPoint(0, 0)), bar.size()))
    widgets = bar_widgets(bar)
    assert len(widgets) == 11  # three labels
    for widget in widgets:
        assert widget.isVisible(), widget.objectName() or widget.text()
        place = in_bar(bar, widget)
        assert bar.rect().contains(place), (widget.objectName(), place, bar.rect())
        assert place.width() >= widget.minimumSizeHint().width()
    for i, one in enumerate(widgets):
        for other in widgets[i + 1:]:
            assert not in_bar(bar, one).intersects(in_bar(bar, other)), \
                (one.objectName(), other.objectName())
    pages = window.pages
    assert not bar.geometry().intersects(pages.geometry())  # the table starts below the bar
    shots = os.environ.get("SYNCDESK_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        window.grab().save(str(Path(shots) / f"window-{width}.png"))



def test_the_status_bar_words_end_in_an_ellipsis_when_a_sync_shows_at_800(qtbot, window):
    """During a sync the status bar holds the last sync's words, the document being sent, the
    progress bar and Cancel: at 800 wide the words are shortened with "…" (whole in the
    tooltip), never cut mid-letter, and the window stays 800 wide."""
    window.resize(NARROW, 600)
    window.show()
    qtbot.waitUntil(lambda: window.width() == NARROW, timeout=5000)
    words = "Last sync: just now — cancelled: what was sent stays sent, the rest goes next time"
    window.last_sync.setText(words)
    window.sync_step.setText("PO-1001 (3 need attention so far)")
    for widget in (window.sync_step, window.progress, window.cancel):
        widget.setVisible(True)
    window.grab()  # paints the labels
    QApplication.processEvents()
    assert window.width() == NARROW and window.minimumSizeHint().width() <= NARROW
    assert window.last_sync.width() < window.last_sync.fontMetrics().horizontalAdvance(words)
    assert window.last_sync.toolTip() == words
    assert window.sync_step.width() >= window.sync_step.sizeHint().width()
    assert window.sync_step.toolTip() == ""  # shown whole


def test_a_damaged_layout_in_the_settings_is_ignored(qtbot, tmp_path, memory_keyring):  # noqa: F811
    """A settings file edited by hand (or damaged) holds text where the window's layout
    belongs: the window opens at its usual size and splitter, no error."""
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("window/geometry", "MYVALUE")
    settings.setValue("window/splitter", 42)
    window = create_main_window(["--demo", "--db", str(tmp_path / "demo.db")],
                                settings=settings)
    qtbot.addWidget(window)
    window.show()
    assert window.size().width() == 1280 and window.splitter.sizes()[0] > 0
    window.close()
