"""Driving the real window as a user does, through DESIGN.md's stable interfaces only.

Object names (``poTable``, ``syncNowButton``, ``detailPane``…) and the page names of the
navigation ("Purchase Orders", "Invoices", "Suppliers") are all these helpers rely on, so
the tests built on them keep passing while the window's parts are filled in. Each helper
waits with ``qtbot`` (events keep flowing); none sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QListWidget,
    QMainWindow,
    QTabBar,
    QTableView,
    QTabWidget,
    QWidget,
)

SYNC_SECONDS = 120  # a whole demo sync on a loaded 2-core machine, with room to spare


def window_on_store(qtbot, store: Path | str, settings: QSettings) -> QMainWindow:
    """The window as ``syncdesk gui --db STORE`` builds it (``ui.create_main_window``, the
    stable interface), shown; ``settings`` keeps its layout out of the user's own. A test
    that needs the sandbox at hand (its faults) opens the demo company first
    (``app.services.demo.open_demo``) and this window on its store; close the window
    before the demo."""
    from ui import create_main_window

    window = create_main_window(["--db", str(store)], settings=settings)
    qtbot.addWidget(window)
    window.show()
    return window


@contextmanager
def synced_demo_window(qtbot, db: Path | str, folder: Path, tmp_path_factory,
                       secrets) -> Iterator[QMainWindow]:
    """The window on a copy of the demo company after its first sync
    (``tests/synced_demo.py``) in ``db``, opened as ``syncdesk gui --db`` does and idle;
    closed, its work ended, before the company and its store go."""
    from tests.synced_demo import synced_demo

    with synced_demo(db, folder, tmp_path_factory, secrets) as demo:
        settings = QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat)
        window = window_on_store(qtbot, demo.location, settings)
        try:
            qtbot.waitUntil(lambda: window.views[next(iter(window.views))].model.rowCount() > 0,
                            timeout=SYNC_SECONDS * 1000)
            qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=SYNC_SECONDS * 1000)
            yield window
        finally:
            window.close()


def table(window: QWidget, name: str) -> QTableView:
    found = window.findChild(QTableView, name)
    assert found is not None, f"the window has no table named {name!r}"
    return found


def rows(view: QTableView) -> int:
    return view.model().rowCount()


def cell_texts(model: QAbstractItemModel, row: int) -> list[str]:
    return [str(model.data(model.index(row, c)) or "") for c in range(model.columnCount())]


def show_page(qtbot, window: QMainWindow, page: str, table_name: str) -> QTableView:
    """Go to ``page`` through the navigation (a list, a tab widget or a tab bar), then wait
    for its table."""
    for nav in window.findChildren(QListWidget):
        hits = [i for i in range(nav.count()) if nav.item(i).text().startswith(page)]
        if hits:
            nav.setCurrentRow(hits[0])
            break
    else:
        for tabs in window.findChildren(QTabWidget):
            hits = [i for i in range(tabs.count()) if tabs.tabText(i).startswith(page)]
            if hits:
                tabs.setCurrentIndex(hits[0])
                break
        else:
            for bar in window.findChildren(QTabBar):
                hits = [i for i in range(bar.count()) if bar.tabText(i).startswith(page)]
                if hits:
                    bar.setCurrentIndex(hits[0])
                    break
            else:
                raise AssertionError(f"no navigation entry named {page!r}")
    view = window.findChild(QTableView, table_name)
    assert view is not None, f"the {page} page has no table named {table_name!r}"
    qtbot.waitUntil(view.isVisible, timeout=5000)
    return view


def sync_button(window: QWidget) -> QAbstractButton:
    button = window.findChild(QAbstractButton, "syncNowButton")
    assert button is not None, "no syncNowButton"
    return button


def sync_running(window: QWidget) -> bool:
    """A sync is running while Sync Now is disabled (the window disables it meanwhile)."""
    tasks = getattr(getattr(window, "ctx", None), "tasks", None)
    if tasks is not None and hasattr(tasks, "running"):
        return bool(tasks.running("sync"))
    return not sync_button(window).isEnabled()


def start_sync(qtbot, window: QWidget) -> None:
    button = sync_button(window)
    qtbot.waitUntil(button.isEnabled, timeout=10000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sync_running(window), timeout=5000)


def wait_sync_done(qtbot, window: QWidget) -> None:
    qtbot.waitUntil(lambda: not sync_running(window) and sync_button(window).isEnabled(),
                    timeout=SYNC_SECONDS * 1000)


def find_row(model: QAbstractItemModel, number: str) -> int | None:
    """The row whose first column (the number) is ``number``, fetching pages as needed."""
    while True:
        for row in range(model.rowCount()):
            if model.data(model.index(row, 0)) == number:
                return row
        if not model.canFetchMore(model.index(-1, -1)):
            return None
        model.fetchMore(model.index(-1, -1))


def wait_row(qtbot, view: QTableView, number: str) -> int:
    found: list[int] = []

    def shown() -> bool:
        row = find_row(view.model(), number)
        if row is not None:
            found.append(row)
        return row is not None

    qtbot.waitUntil(shown, timeout=10000)
    return found[-1]


def select(qtbot, view: QTableView, number: str) -> int:
    row = wait_row(qtbot, view, number)
    view.selectRow(row)
    view.scrollTo(view.model().index(row, 0))
    return row


def detail_texts(window: QWidget) -> str:
    pane = window.findChild(QWidget, "detailPane")
    assert pane is not None, "no detailPane"
    return "\n".join(label.text() for label in pane.findChildren(QLabel) if label.isVisible())


def wait_detail(qtbot, window: QWidget, number: str) -> None:
    qtbot.waitUntil(lambda: number in detail_texts(window), timeout=10000)



def cancel_sync(qtbot, window: QWidget) -> None:
    """Cancel as the user does (the status bar's Cancel), else through the window's tasks."""
    button = window.findChild(QAbstractButton, "cancelSyncButton")
    if button is not None and button.isVisible() and button.isEnabled():
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        return
    for task in window.ctx.tasks.running("sync"):  # type: ignore[attr-defined]
        task.cancel()
