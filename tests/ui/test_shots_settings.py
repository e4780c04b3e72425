"""Screenshots of the Settings dialog on the demo company, light and dark, for a person to
look at (skipped unless ``SYNCDESK_SHOTS`` names a folder):

    SYNCDESK_SHOTS=.build/shots .venv/bin/python -m pytest tests/ui/test_shots_settings.py

``settings-{light,dark}.png``: every setting with its explanation; ``settings-refused-
{light,dark}.png``: a currency refused, explained at its field;
``notice-{light,dark}.png``: the window after an auto sync ended with new problems (the
banner over the tables; offscreen there is no tray).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel

from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.shots import SHOTS, each_scheme, save
from tests.ui.window_driving import SYNC_SECONDS
from ui import create_main_window
from ui.settings_dialog import SettingsDialog

WAIT = 30000

pytestmark = pytest.mark.skipif(not SHOTS, reason="set SYNCDESK_SHOTS to a folder to save "
                                "screenshots of the window into")


def test_settings_dialog_shots(qtbot, tmp_path: Path, memory_keyring):  # noqa: F811
    window = create_main_window(["--demo", "--db", str(tmp_path / "demo.db")],
                                settings=QSettings(str(tmp_path / "ui.ini"),
                                                   QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)
    dialog = window.extras.settings.open()
    assert isinstance(dialog, SettingsDialog)
    qtbot.waitUntil(lambda: bool(dialog.editors), timeout=WAIT)
    dialog.editors["auto_sync_minutes"].setValue(15)
    dialog.editors["enable_po_date_editing"].setChecked(True)
    dialog.adjustSize()
    for scheme in each_scheme():
        save(dialog, f"settings-{scheme}.png")
    dialog.editors["home_currency"].setText("EURO")
    with qtbot.waitSignal(dialog.refused, timeout=WAIT):
        dialog.save()
    for scheme in each_scheme():
        save(dialog, f"settings-refused-{scheme}.png")
    assert dialog.findChild(QLabel, "homeCurrencyError").isVisible()
    dialog.reject()

    window.resize(1280, 800)
    auto = window.extras.auto_sync
    auto.minute_ms = 200
    with qtbot.waitSignal(window.extras.notices.noticed, timeout=SYNC_SECONDS * 1000):
        auto.set_minutes(1)
        qtbot.waitSignal(auto.started, timeout=WAIT).wait()
        auto.minute_ms = 60_000
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)
    for scheme in each_scheme():
        save(window, f"notice-{scheme}.png")
    assert window.extras.notices.banner.isVisible()
    auto.set_minutes(0)
    window.close()
