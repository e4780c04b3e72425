"""The Settings dialog (``settingsDialog``): every company setting with what it changes for
the bookkeeper, each with its own editor (a checkbox, minutes with Off, an account chosen
from the chart), a refused value explained at its field; Save writes through the settings
service off the GUI thread, Cancel changes nothing.

``install(window)`` puts "Settings…" (the platform's Preferences shortcut) into the Edit
menu; its ``saved`` signal carries the changes once they are stored (auto sync reads its
interval again then).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.wording import setting_words
from app.services.settings import SettingChange, SettingsRefused, SettingView
from app.text import upper_first
from ui.context import UiContext
from ui.error_dialog import show_error

if TYPE_CHECKING:
    from ui.window import MainWindow

ACCOUNT_KEY = "default_expense_account"
INTERVAL_KEY = "auto_sync_minutes"
MAX_MINUTES = 24 * 60
NO_ACCOUNT = "None: each line names its own account"

# What each setting changes for the bookkeeper (a setting missing here shows its help).
EXPLANATIONS = {
    "require_reapproval_after_edit": (
        "On: when someone edits an approved PO, it goes back to pending and must be "
        "approved again before it goes to QuickBooks. Off: it stays approved and the "
        "change goes with the next sync."),
    "enable_po_date_editing": (
        "On: a PO's date can be typed in its editor, an earlier date included. Off: "
        "QuickBooks gets the date the PO was approved."),
    "company_name": ("The name SyncDesk shows for this company. It does not rename the "
                     "company in QuickBooks."),
    "home_currency": ("New documents and suppliers get this currency unless another is "
                      "chosen; a three-letter code such as USD, EUR or GBP. Documents "
                      "already made keep theirs."),
    INTERVAL_KEY: ("While SyncDesk is open it syncs by itself this often: it reads "
                   "QuickBooks' changes and sends what was approved. Off: only Sync Now "
                   "(F5) syncs. A sync already running is never started twice."),
    ACCOUNT_KEY: ("A new line that names neither an account nor an item gets this "
                  "account. None: such a line is refused until it names one."),
}


def camel(key: str) -> str:
    first, *rest = key.split("_")
    return first + "".join(word.capitalize() for word in rest)


def error_colour(palette: QPalette) -> str:
    """A red that reads on the dialog's background, light or dark."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return "#ff8a80" if dark else "#b3261e"


class SettingsDialog(QDialog):
    """The company's settings. Opened with ``open()``; ``saved`` carries the changes made."""

    loaded = Signal()  # the settings (and the accounts to choose from) are shown
    saved = Signal(object)  # list[SettingChange], once stored
    refused = Signal(object)  # the reasons by key, shown at their fields

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="settingsDialog")
        self.ctx = ctx
        self.setWindowTitle("Settings")
        self.setAccessibleName("Company settings")
        self.views: dict[str, SettingView] = {}
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._closing = False
        column = QVBoxLayout(self)
        self.intro = QLabel("These settings belong to the company and apply to everyone "
                            "who opens it.", self, objectName="settingsIntro")
        self.intro.setWordWrap(True)
        column.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setVerticalSpacing(12)
        column.addLayout(self.form)
        self.status = QLabel("Reading the settings…", self, objectName="settingsStatus")
        self.status.setWordWrap(True)
        column.addWidget(self.status)
        column.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveSettingsButton")
        self.save_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName(
            "cancelSettingsButton")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        column.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._load()

    # --- reading ------------------------------------------------------------------------

    def _load(self) -> None:
        services = self.ctx.services

        def job(progress: object, cancel: object) -> tuple[list[SettingView], list[Any]]:
            return services.settings.all(), services.documents.accounts()

        self.ctx.tasks.start(job, "settings", on_success=self._show,
                             on_failure=self._load_failed)

    def _load_failed(self, error: BaseException) -> None:
        if not self._closing:
            self.status.setText("The settings could not be read.")
            show_error(self, error, "Settings")

    def _show(self, answer: tuple[list[SettingView], list[Any]]) -> None:
        if self._closing:
            return
        views, accounts = answer
        for view in views:
            self.views[view.key] = view
            editor = self._editor(view, accounts)
            editor.setObjectName(f"{camel(view.key)}Edit")
            name = upper_first(setting_words(view.key))
            editor.setAccessibleName(name)
            explanation = EXPLANATIONS.get(view.key, upper_first(view.help) + ".")
            editor.setAccessibleDescription(explanation)
            editor.setToolTip(explanation)
            self.editors[view.key] = editor
            cell = QWidget(self)
            rows = QVBoxLayout(cell)
            rows.setContentsMargins(0, 0, 0, 0)
            rows.setSpacing(2)
            rows.addWidget(editor)
            error = QLabel(cell, objectName=f"{camel(view.key)}Error")  # under its editor
            error.setWordWrap(True)
            error.setVisible(False)
            error.setAccessibleName(f"{name}: refused")
            rows.addWidget(error)
            words = QLabel(explanation, cell, objectName=f"{camel(view.key)}Help")
            words.setWordWrap(True)
            words.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            rows.addWidget(words)
            self.errors[view.key] = error
            label = QLabel(f"{name}:", self)
            label.setBuddy(editor)
            self.form.addRow(label, cell)
            label.show()  # now, not on the next pass of events: fit() measures them
            cell.show()
        self._colour_errors()
        self.status.setText("")
        self.status.setVisible(False)
        self.save_button.setEnabled(True)
        self.fit()
        self.loaded.emit()

    def _editor(self, view: SettingView, accounts: list[Any]) -> QWidget:
        if view.kind == "on_off":
            box = QCheckBox("On", self)
            box.setChecked(bool(view.value))
            box.toggled.connect(lambda on, b=box: b.setText("On" if on else "Off"))
            box.setText("On" if view.value else "Off")
            return box
        if view.kind == "number":
            spin = QSpinBox(self)
            spin.setRange(0, max(MAX_MINUTES, int(view.value)))
            spin.setSuffix(" minutes")
            spin.setSpecialValueText("Off")
            spin.setValue(int(view.value))
            return spin
        if view.key == ACCOUNT_KEY:
            combo = QComboBox(self)
            combo.addItem(NO_ACCOUNT, "")
            names = set()
            for account in accounts:
                if account.name in names or not account.takes_purchase_lines:
                    continue  # A/P and A/R are refused on purchase lines: not offered
                names.add(account.name)
                inactive = "" if account.active else ", inactive"
                combo.addItem(f"{account.name} ({account.type}{inactive})", account.name)
            if view.value and view.value not in names:
                combo.addItem(str(view.value), view.value)
            combo.setCurrentIndex(max(combo.findData(view.value), 0))
            return combo
        edit = QLineEdit(str(view.value), self)
        edit.setClearButtonEnabled(True)
        return edit

    # --- the values as edited ------------------------------------------------------------------

    def value(self, key: str) -> object:
        editor = self.editors[key]
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            return editor.value()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        assert isinstance(editor, QLineEdit)
        return editor.text().strip()

    def changes(self) -> list[tuple[str, object]]:
        """The settings whose editor differs from what was read."""
        return [(key, self.value(key)) for key, view in self.views.items()
                if self.value(key) != view.value]

    # --- saving -------------------------------------------------------------------------

    def save(self) -> None:
        changes = self.changes()
        self._clear_errors()
        if not changes:
            self.saved.emit([])
            self.accept()
            return
        self.save_button.setEnabled(False)
        self.status.setText("Saving…")
        self.status.setVisible(True)
        settings = self.ctx.services.settings
        self.ctx.tasks.start(lambda _p, _c: settings.set_many(changes), "settings",
                             on_success=self._saved, on_failure=self._save_failed)

    def _saved(self, done: list[SettingChange]) -> None:
        if self._closing:
            return
        self.status.setVisible(False)
        self.saved.emit(done)
        self.accept()

    def _save_failed(self, error: BaseException) -> None:
        if self._closing:
            return
        self.save_button.setEnabled(True)
        if isinstance(error, SettingsRefused) and set(error.reasons) <= set(self.errors):
            self.status.setText("Nothing was saved: correct the settings marked below.")
            for key, reason in error.reasons.items():
                self.show_error_at(key, reason)
            self.editors[next(iter(error.reasons))].setFocus()
            self.fit()
            self.refused.emit(error.reasons)
            return
        self.status.setText("Nothing was saved.")
        show_error(self, error, "Settings")  # plain words; never a traceback

    def show_error_at(self, key: str, reason: str) -> None:
        """``reason`` under the setting's editor, in the setting's own words."""
        label = self.errors[key]
        words = upper_first(reason.replace(key, setting_words(key)))
        label.setText(words if words.endswith(".") else words + ".")
        label.setVisible(True)

    def fit(self) -> None:
        """Tall enough for every wrapped explanation and error at the dialog's width (a
        size hint alone leaves wrapped words cut off)."""
        layout = self.layout()
        layout.activate()
        height = layout.totalHeightForWidth(self.width())
        if height > self.height():
            self.resize(self.width(), height)

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.setVisible(False)

    def _colour_errors(self) -> None:
        colour = error_colour(self.palette())
        for label in self.errors.values():
            label.setStyleSheet(f"color: {colour};")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._colour_errors()
        super().changeEvent(event)

    def done(self, result: int) -> None:
        self._closing = True
        super().done(result)


class SettingsEntry(QObject):
    """Edit → Settings… of one window: opens the dialog on the open company; ``saved``
    carries the changes once they are stored."""

    saved = Signal(object)  # list[SettingChange]

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: SettingsDialog | None = None
        self.action = QAction("Se&ttings…", window, objectName="settingsAction")
        shortcut = QKeySequence(QKeySequence.StandardKey.Preferences)
        self.action.setShortcut(shortcut if not shortcut.isEmpty() else QKeySequence("Ctrl+,"))
        self.action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.action.setToolTip("The company's settings: approvals, PO dates, automatic sync, "
                               "default account")
        self.action.triggered.connect(lambda: self.open())

    def open(self, focus: str | None = None) -> SettingsDialog | None:
        """Open the dialog on the open company (``focus``: that setting's editor first)."""
        if self.window.ctx.services is None:
            return None
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        dialog = SettingsDialog(self.window.ctx, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self.saved.emit)
        dialog.destroyed.connect(lambda: self._gone(dialog))
        if focus is not None:
            dialog.loaded.connect(lambda: dialog.editors[focus].setFocus()
                                  if focus in dialog.editors else None)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _gone(self, dialog: SettingsDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None


def install(window: MainWindow) -> SettingsEntry:
    """Edit → Settings… with the platform's Preferences shortcut (Ctrl+, where it has
    none); enabled while a company is open."""
    entry = SettingsEntry(window)
    entry.action.setEnabled(window.ctx.services is not None)
    window.company_opened.connect(lambda: entry.action.setEnabled(True))
    window.menus["edit"].addSeparator()
    window.menus["edit"].addAction(entry.action)
    return entry
