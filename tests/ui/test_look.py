"""The finish of a desktop application (issue 14, "Look and feel"): the sync states' SVG
icons, light and dark colours, shortcuts listed in the menus, every action reachable by
keyboard, widgets named for screen readers, Help → About and Open log folder, and
friendly dialogs for what nobody caught (the traceback to the log file, never shown)."""

from __future__ import annotations

import logging
import threading
from itertools import combinations
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QSettings, QSize, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices, QImage, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from app.domain.states import DocKind, SyncState
from app.logs import log_path
from app.store.postgres import shown
from tests.ui.window_driving import select, table, wait_detail
from ui import create_main_window
from ui.app_icon import SIZES as APP_ICON_SIZES
from ui.app_icon import app_icon
from ui.app_icon import render as render_app_icon
from ui.error_dialog import UNEXPECTED, install_excepthooks, show_error
from ui.resources import resource_path
from ui.state_icons import render, state_icon
from ui.theme import DARK, LIGHT, state_colour, tone, use_scheme

WAIT = 30000


# --- the state icons -----------------------------------------------------------------

def painted(image: QImage) -> int:
    """How many pixels of ``image`` are not transparent."""
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if image.pixelColor(x, y).alpha() > 0)


@pytest.mark.parametrize("size", [16, 32])
def test_every_state_has_an_icon_that_renders_at_small_sizes(qapp, size):
    for state in SyncState:
        assert resource_path("icons", f"state-{state.value}.svg").is_file()
        image = render(state, size).toImage()
        assert image.width() == size and painted(image) > size * size // 8, state
        icon = state_icon(state)
        assert icon is not None and not icon.isNull()
        pixmap = icon.pixmap(size, size)
        assert pixmap.width() == size and painted(pixmap.toImage()) > 0, state


def test_the_icons_differ_in_shape_not_only_in_colour(qapp):
    """What a colour-blind user sees: the icons in grey still differ from one another."""
    greys = {s: render(s, 32).toImage().convertToFormat(QImage.Format.Format_Grayscale8)
             for s in SyncState}
    alphas = {s: render(s, 32).toImage() for s in SyncState}

    def differing(a: SyncState, b: SyncState) -> int:
        count = 0
        for y in range(32):
            for x in range(32):
                pa, pb = alphas[a].pixelColor(x, y), alphas[b].pixelColor(x, y)
                ga = greys[a].pixelColor(x, y).lightness() * pa.alphaF()
                gb = greys[b].pixelColor(x, y).lightness() * pb.alphaF()
                if abs(ga - gb) > 60:
                    count += 1
        return count

    for a, b in combinations(SyncState, 2):
        assert differing(a, b) > 20, f"{a} and {b} look alike without colour"


def test_a_missing_resource_is_named():
    with pytest.raises(FileNotFoundError, match=r"resources/icons/nothing\.svg"):
        resource_path("icons", "nothing.svg")


# --- the application icon --------------------------------------------------------------

@pytest.mark.parametrize("size", [16, 256])
def test_the_application_icon_is_a_square_svg_that_fills_its_size(qapp, size):
    svg = resource_path("icons", "syncdesk.svg").read_text(encoding="utf-8")
    assert 'viewBox="0 0 256 256"' in svg
    image = render_app_icon(size).toImage()
    assert (image.width(), image.height()) == (size, size)
    assert painted(image) > size * size // 2  # an opaque tile, not a thin drawing
    assert image.pixelColor(0, 0).alpha() == 0  # with a little room around it
    assert image.pixelColor(size // 2, size // 2).alpha() == 255


def same_pixels(a: QImage, b: QImage) -> bool:
    argb = QImage.Format.Format_ARGB32
    return a.convertToFormat(argb) == b.convertToFormat(argb)



# --- light and dark --------------------------------------------------------------------

def test_coloured_words_follow_the_scheme(qtbot):
    label = QLineEdit()
    qtbot.addWidget(label)
    try:
        use_scheme(LIGHT)
        light = state_colour(SyncState.FAILED)
        tone(label, "error")
        light_style = label.styleSheet()
        use_scheme(DARK)
        dark = state_colour(SyncState.FAILED)
        assert dark is not None and light is not None
        assert dark.lightness() > light.lightness()  # light red on dark, dark red on light
        assert label.styleSheet() != light_style  # re-toned by the scheme change
        assert dark.name() in label.styleSheet()
    finally:
        use_scheme(None)


def test_the_window_follows_the_system_turning_dark_and_light_again(qtbot, qapp):
    """The platform here cannot switch by itself (offscreen, Fusion): the system's
    change arrives as QStyleHints.colorSchemeChanged and SyncDesk paints accordingly."""
    from ui.theme import current_scheme, keep_following

    parent = QWidget()
    qtbot.addWidget(parent)
    keep_following(parent)
    hints = qapp.styleHints()
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert current_scheme() == DARK
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert current_scheme() == LIGHT
    finally:
        use_scheme(None)


# --- the window: keyboard, screen readers, Help ---------------------------------------

def demo_window(qtbot, tmp_path: Path, db: Path | str):
    window = create_main_window(["--demo", "--db", str(db)],
                                settings=QSettings(str(tmp_path / "ui.ini"),
                                                   QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: table(window, "poTable").model().rowCount() > 0, timeout=WAIT)
    return window


@pytest.fixture
def window(qtbot, tmp_path):
    """The demo window on a SQLite file: these tests are about the window's own make-up
    (icons, menus, keys, names for screen readers), which no store answer changes; a
    PostgreSQL variant of each would add only time. ``any_store_window`` is the window on
    the test's backend, for what it shows of the store."""
    window = demo_window(qtbot, tmp_path, tmp_path / "demo.db")
    yield window
    window.close()


@pytest.fixture
def any_store_window(qtbot, tmp_path, db_path):
    """The demo window on the test's backend (closed, its work ended, before the store
    goes)."""
    window = demo_window(qtbot, tmp_path, db_path)
    yield window
    window.close()


def menu_actions(window) -> list[QAction]:
    """Every entry of the menu bar's menus and their submenus (not the recent files)."""
    found = []

    def walk(menu) -> None:
        for action in menu.actions():
            if action.isSeparator():
                continue
            found.append(action)
            if action.menu() is not None and action.menu().objectName() != "recentMenu":
                walk(action.menu())

    for menu in window.menus.values():
        menu.aboutToShow.emit()  # entries added later get their letters as the menu opens
        walk(menu)
    return found


def test_the_window_carries_the_application_icon(window):
    icon = window.windowIcon()
    assert not icon.isNull()
    assert icon.cacheKey() == app_icon().cacheKey()
    assert set(icon.availableSizes()) == {QSize(s, s) for s in APP_ICON_SIZES}
    for size in (16, 256):  # drawn from the SVG at that size, not scaled from another
        pixmap = icon.pixmap(QSize(size, size))
        assert pixmap.size() == QSize(size, size)
        assert same_pixels(pixmap.toImage(), render_app_icon(size).toImage()), size


def test_shortcuts_are_listed_in_the_menus(qtbot, window):
    shortcuts = {a.objectName(): a.shortcut() for a in menu_actions(window)}
    assert shortcuts["filterAction"].matches(QKeySequence("Ctrl+F")) \
        == QKeySequence.SequenceMatch.ExactMatch
    assert shortcuts["syncNowAction"] == QKeySequence("F5")
    assert shortcuts["resendAction"] == QKeySequence("Ctrl+R")
    everywhere = [a.shortcut().toString() for a in window.findChildren(QAction)
                  if not a.shortcut().isEmpty()]
    assert len(everywhere) == len(set(everywhere)), f"a shortcut used twice: {everywhere}"


def test_ctrl_f_focuses_the_filter_box(qtbot, window):
    window.activateWindow()
    po_table = table(window, "poTable")
    po_table.setFocus()
    qtbot.keyClick(po_table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    box = window.findChild(QLineEdit, "filterEdit")
    qtbot.waitUntil(box.hasFocus, timeout=5000)
    # QTest leaves Ctrl held in the application's modifier state: let go of it, or the
    # next test's clicks add to the selection as with Ctrl held.
    qtbot.keyRelease(box, Qt.Key.Key_Control)
    assert QApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier


def test_every_menu_entry_has_a_letter(window):
    for menu in window.menus.values():
        assert "&" in menu.title(), menu.title()
    for action in menu_actions(window):
        if action.parent() is not None and action.menu() is None:
            assert "&" in action.text().replace("&&", ""), f"{action.text()!r} has no letter"


INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QTabBar,
               QAbstractSpinBox, QTextEdit, QPlainTextEdit)


def _inside_a_compound(widget: QWidget) -> bool:
    """Qt's own parts of a combo or spin box (its popup list, its line edit)."""
    if widget.objectName().startswith("qt_"):
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox):
            return True
        parent = parent.parentWidget()
    return False


def unnamed(root: QWidget) -> list[str]:
    """Interactive widgets of ``root`` a screen reader could only call "button" or "edit":
    neither words of their own (a button's text) nor an accessible name."""
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or _inside_a_compound(widget):
            continue
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if isinstance(widget, QAbstractButton) and widget.text().replace("&", "").strip():
            continue
        if not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName() or '(no name)'}")
    return missing


def test_every_interactive_widget_has_a_name_on_every_page(qtbot, window):
    select(qtbot, table(window, "poTable"), "PO-1061")  # the detail pane filled in
    wait_detail(qtbot, window, "PO-1061")
    missing: set[str] = set()
    for page in range(window.nav.count()):
        window.show_page(page)
        qtbot.wait(50)
        missing.update(unnamed(window))
    window.first_run.show()
    missing.update(unnamed(window.first_run))
    assert not missing, f"widgets without a name for screen readers: {sorted(missing)}"


def test_tab_goes_pages_then_filters_then_table_then_detail(qtbot, window):
    order, widget = [], window.nav
    while widget not in order:
        order.append(widget)
        widget = widget.nextInFocusChain()
    position = {w.objectName(): i for i, w in enumerate(order) if w.objectName()}
    assert position["navigation"] < position["filterEdit"] < position["poTable"] \
        < position["invoiceTable"] < position["historyView"]


def test_about_shows_the_version_and_the_company_file(qtbot, any_store_window, db_path):
    from importlib.metadata import version

    from PySide6.QtCore import qVersion

    window = any_store_window

    about = next(a for a in window.menus["help"].actions() if a.objectName() == "aboutAction")
    about.trigger()
    box = window.desktop.about_box
    qtbot.waitUntil(box.isVisible, timeout=5000)
    words = box.text()
    assert f"SyncDesk {version('syncdesk')}" in words
    assert f"Qt {qVersion()}" in words
    # The file's path; a team store's address as people write it (no driver, no password).
    assert f"Company file: {db_path if isinstance(db_path, Path) else shown(db_path)}\n" \
        in words
    box.accept()


class UrlCatcher(QObject):
    """Stands in for the desktop: records each file URL it is asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.asked.append(url)


@pytest.fixture
def desktop_urls():
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("file")


def test_open_log_folder_opens_the_log_folder(qtbot, window, desktop_urls):
    action = window.findChild(QAction, "openLogFolderAction")
    assert action in window.menus["help"].actions()
    action.trigger()
    assert [Path(u.toLocalFile()) for u in desktop_urls.asked] == [log_path().parent]
    assert log_path().parent.is_dir()


# --- what nobody caught ---------------------------------------------------------------

@pytest.fixture
def hooks(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    installed = install_excepthooks(parent)
    yield installed
    installed.uninstall()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "syncdesk", False)]:
        root.removeHandler(handler)
        handler.close()


def box_words(box: QMessageBox) -> str:
    return "\n".join([box.text(), box.informativeText(), box.detailedText(),
                      *(b.text() for b in box.buttons())])


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_plain_words_and_logs_the_traceback(qtbot, hooks,
                                                                           desktop_urls):
    def boom() -> None:
        raise RuntimeError("the ledger fell over 4711")

    with qtbot.waitSignal(hooks.shown, timeout=5000) as shown:
        QTimer.singleShot(0, boom)
    box = shown.args[0]
    words = box_words(box)
    assert UNEXPECTED in words and str(log_path()) in words
    assert "Traceback" not in words and "RuntimeError" not in words and "4711" not in words
    logged = log_path().read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: the ledger fell over 4711" in logged
    button = next(b for b in box.buttons() if b.objectName() == "openLogFolderButton")
    button.click()
    assert [Path(u.toLocalFile()) for u in desktop_urls.asked] == [log_path().parent]


@pytest.mark.qt_no_exception_capture
def test_an_exception_ending_a_thread_is_logged_and_shown(qtbot, hooks):
    def crash() -> None:
        raise ValueError("a thread's own trouble 815")

    with qtbot.waitSignal(hooks.shown, timeout=5000) as shown:
        thread = threading.Thread(target=crash, name="side-job")
        thread.start()
        thread.join()
    assert "Traceback" not in box_words(shown.args[0])
    logged = log_path().read_text(encoding="utf-8")
    assert "side-job" in logged and "ValueError: a thread's own trouble 815" in logged


def test_a_user_error_has_no_log_button(qtbot):
    from app.errors import UserError

    parent = QWidget()
    qtbot.addWidget(parent)
    box = show_error(parent, UserError("The supplier's name is taken."))
    assert all(b.objectName() != "openLogFolderButton" for b in box.buttons())
    box.close()


def test_the_po_table_shows_each_state_with_its_icon(qtbot, any_store_window):
    window = any_store_window
    model = table(window, "poTable").model()
    column = next(c for c in range(model.columnCount())
                  if str(model.headerData(c, Qt.Orientation.Horizontal)).startswith("QuickBooks"))
    icon = model.data(model.index(0, column), Qt.ItemDataRole.DecorationRole)
    assert icon is not None and not icon.isNull()
    assert window.views[DocKind.PO].table.model() is model
