"""Screenshots of the Dashboard page after a sync of the demo company, light and dark.

Set ``SYNCDESK_SHOTS=/some/folder`` to run it (skipped otherwise). It saves
``dashboard-light.png`` and ``dashboard-dark.png`` (the window at 1280×800) and
``dashboard-small-light.png`` / ``dashboard-small-dark.png`` (800×600; with
``dashboard-small-end-….png``, scrolled to the end), each before
anything is checked; then checks what a bookkeeper notices at a glance: no word of the
page cut off.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.fix_driving import idle, sync_demo
from tests.ui.shots import SHOTS, each_scheme, save
from tests.ui.test_dashboard import dashboard_page, settings
from ui import create_main_window

pytestmark = pytest.mark.skipif(not SHOTS, reason="set SYNCDESK_SHOTS to a folder to save "
                                "screenshots of the window into")


def clipped(page) -> list[str]:
    """Visible one-line labels whose text is wider than the label."""
    found = []
    for label in page.findChildren(QLabel):
        if not label.isVisible() or label.wordWrap() or not label.text():
            continue
        if label.fontMetrics().horizontalAdvance(label.text()) > label.contentsRect().width():
            found.append(label.text())
    return found


def test_dashboard_screenshots(qtbot, tmp_path, memory_keyring):  # noqa: F811
    window = create_main_window(["--demo", "--db", str(tmp_path / "d.db")],
                                settings=settings(tmp_path))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    try:
        sync_demo(qtbot, window)
        page = dashboard_page(qtbot, window)
        problems = []
        for size, suffix in (((1280, 800), ""), ((800, 600), "-small")):
            window.resize(*size)
            qtbot.waitUntil(lambda s=size: window.width() == s[0], timeout=5000)
            for scheme in each_scheme():
                with qtbot.waitSignal(page.loaded, timeout=30000):
                    page.refresh()
                idle(qtbot, window)
                save(window, f"dashboard{suffix}-{scheme}.png")
                bar = page.scroll.verticalScrollBar()
                if bar.maximum() > 0:  # the rest of a page that scrolls
                    bar.setValue(bar.maximum())
                    save(window, f"dashboard{suffix}-end-{scheme}.png")
                    bar.setValue(0)
                problems += [f"{suffix or 'large'} {scheme}: cut off: {t!r}"
                             for t in clipped(page)]
        assert not problems, problems
    finally:
        window.close()
