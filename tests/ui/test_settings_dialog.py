"""The Settings dialog (issue 14): every company setting with its explanation and its own
editor; Save stores the changes (auto sync reads its interval again), a refused value is
explained at its field and nothing is stored, Cancel changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QSpinBox,
)

from app.domain.settings import SETTINGS
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from ui import create_main_window
from ui.settings_dialog import SettingsDialog, camel

WAIT = 30000
OFFICE = "Office Supplies & Software"


@pytest.fixture
def window(qtbot, tmp_path: Path, db_path, memory_keyring):  # noqa: F811
    """The demo window on the test's backend (closed, its work ended, before the store
    goes)."""
    window = create_main_window(["--demo", "--db", str(db_path)],
                                settings=QSettings(str(tmp_path / "ui.ini"),
                                                   QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)
    yield window
    window.close()


def stored(window) -> dict[str, object]:
    return {s.key: s.value for s in window.ctx.services.settings.all()}


def open_dialog(qtbot, window) -> SettingsDialog:
    """Edit → Settings…, as the user does, until the settings are shown."""
    action = window.findChild(QAction, "settingsAction")
    assert action is not None and action in window.menus["edit"].actions()
    assert not action.shortcut().isEmpty()
    action.trigger()
    dialog = window.findChild(SettingsDialog, "settingsDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: bool(dialog.editors), timeout=WAIT)
    return dialog


def press(qtbot, dialog: SettingsDialog, which: QDialogButtonBox.StandardButton) -> None:
    qtbot.mouseClick(dialog.buttons.button(which), Qt.MouseButton.LeftButton)


def test_every_setting_with_its_explanation_and_its_own_editor(qtbot, window):
    dialog = open_dialog(qtbot, window)
    assert set(dialog.editors) == set(SETTINGS)
    # opened tall enough for every wrapped explanation (none cut off mid-line)
    assert dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width())
    for key in SETTINGS:
        words = dialog.findChild(QLabel, f"{camel(key)}Help")
        assert words is not None and len(words.text()) > 30 and words.isVisible()
        assert dialog.findChild(QLabel, f"{camel(key)}Error").isHidden()
    assert isinstance(dialog.editors["enable_po_date_editing"], QCheckBox)
    interval = dialog.editors["auto_sync_minutes"]
    assert isinstance(interval, QSpinBox) and interval.value() == 0
    assert interval.text() == "Off"
    assert isinstance(dialog.editors["company_name"], QLineEdit)
    account = dialog.editors["default_expense_account"]
    assert isinstance(account, QComboBox)
    names = [account.itemData(i) for i in range(account.count())]
    assert names[0] == "" and "Utilities" in names  # from the chart of accounts
    press(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)


def test_save_stores_the_changes_and_auto_sync_follows(qtbot, window):
    dialog = open_dialog(qtbot, window)
    dialog.editors["enable_po_date_editing"].click()
    dialog.editors["auto_sync_minutes"].setValue(15)
    account = dialog.editors["default_expense_account"]
    account.setCurrentIndex(account.findData("Utilities"))
    with qtbot.waitSignal(window.extras.settings.saved, timeout=WAIT) as saved:
        press(qtbot, dialog, QDialogButtonBox.StandardButton.Save)
    assert {c.key for c in saved.args[0]} == {"enable_po_date_editing", "auto_sync_minutes",
                                              "default_expense_account"}
    now = stored(window)
    assert now["enable_po_date_editing"] is True and now["auto_sync_minutes"] == 15
    assert now["default_expense_account"] == "Utilities"
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    auto = window.extras.auto_sync
    assert auto.minutes == 15 and auto.timer.isActive()
    assert window.findChild(QLabel, "nextAutoSyncLabel").text().startswith("Next auto sync at")
    auto.set_minutes(0)


def test_a_refused_value_is_shown_at_its_field_and_nothing_is_stored(qtbot, window):
    before = stored(window)
    dialog = open_dialog(qtbot, window)
    dialog.editors["company_name"].setText("Larkspur Two")
    dialog.editors["home_currency"].setText("XYZ")
    account = dialog.editors["default_expense_account"]
    assert account.findData("Accounts Payable (A/P)") == -1  # refused on lines: not offered
    assert account.findData("Accounts Receivable (A/R)") == -1
    account.setCurrentIndex(account.findData(OFFICE))
    with qtbot.waitSignal(dialog.refused, timeout=WAIT):
        press(qtbot, dialog, QDialogButtonBox.StandardButton.Save)
    currency = dialog.findChild(QLabel, "homeCurrencyError")
    assert currency.isVisible() and "ISO 4217" in currency.text()
    assert currency.text().startswith("Currency 'XYZ'")
    assert dialog.findChild(QLabel, "defaultExpenseAccountError").isHidden()
    assert dialog.findChild(QLabel, "companyNameError").isHidden()
    assert dialog.isVisible() and stored(window) == before

    dialog.editors["home_currency"].setText("eur")
    account.setCurrentIndex(0)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT):
        press(qtbot, dialog, QDialogButtonBox.StandardButton.Save)
    assert stored(window)["home_currency"] == "EUR"
    assert stored(window)["company_name"] == "Larkspur Two"
    assert stored(window)["default_expense_account"] == ""


def test_cancel_changes_nothing(qtbot, window):
    before = stored(window)
    dialog = open_dialog(qtbot, window)
    dialog.editors["require_reapproval_after_edit"].click()
    dialog.editors["auto_sync_minutes"].setValue(5)
    press(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert stored(window) == before
    assert window.extras.auto_sync.minutes == 0
