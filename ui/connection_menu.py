"""File → QuickBooks: Connect…, Reconnect…, Disconnect, enabled as the company's
connection stands (``services.connection.health``, asked in the background).

Connect and Reconnect open the connect dialog (``ui/connect_dialog.py``; Reconnect with
the environment, address and client id of the connection it renews). Disconnect asks
first (a QMessageBox, Yes), then revokes SyncDesk's access in the background and says
what it did; the window's connection words follow. On a team store, Copy company key
and Add company key… hand the shared connection's key on (``ui/company_key.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox

from app.domain.roles import Permission
from app.errors import UserError
from app.hints import plain
from app.services import Services
from app.services.connection import ConnectionHealth, DisconnectReport
from ui.company_key import CompanyKeyActions
from ui.connect_dialog import ConnectDialog
from ui.roles import tip as role_tip

if TYPE_CHECKING:
    from ui.window import MainWindow

WHERE = {"local": "local sandbox", "intuit-sandbox": "Intuit sandbox",
         "production": "QuickBooks Online"}
MESSAGE_MS = 20000


def disconnected_words(report: DisconnectReport, company: str | None) -> str:
    """What Disconnect did, in plain words."""
    if not report.was_connected:
        return "This company was not connected to QuickBooks; nothing changed."
    name = company or "QuickBooks"
    where = WHERE.get(report.environment or "", "")
    said = f"Disconnected from {name}" + (f" ({where})" if where else "") + (
        ": SyncDesk gave back its access and forgot the sign-in")
    if report.forgot_client_secret:
        said += " and your Intuit app's client secret"
    if report.shared:
        said += ", for the whole team"
    return said + ". The documents stay as they are; connect again to sync."


class ConnectionMenu(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.health: ConnectionHealth | None = None  # as last asked (None: not known)
        self.confirm: QMessageBox | None = None  # the open "Disconnect?" question
        self.last_words = ""  # what the last connect or disconnect said
        self._tips: dict[QAction, str] = {}  # each action's own tooltip
        self.menu = QMenu("&QuickBooks", window)
        self.menu.setObjectName("quickbooksMenu")
        self.connect_action = self._action("&Connect to QuickBooks…", "connectAction",
                                           "Sign in to a QuickBooks company and connect "
                                           "this company to it", self.open_dialog)
        self.reconnect_action = self._action("&Reconnect…", "reconnectAction",
                                             "Sign in to QuickBooks again (when it asks, or "
                                             "before the sign-in ends)", self.reconnect)
        self.disconnect_action = self._action("&Disconnect", "disconnectAction",
                                              "Give back SyncDesk's access to QuickBooks and "
                                              "forget the sign-in (asks first)",
                                              self.ask_disconnect)
        self.key_separator = self.menu.addSeparator()
        self.key = CompanyKeyActions(window, on_done=self._key_added)
        self.copy_key_action = self._action("Copy company &key", "copyCompanyKeyAction",
                                            "Put the team's company key on the clipboard, "
                                            "for a teammate to add on their computer",
                                            self.key.copy)
        self.add_key_action = self._action("&Add company key…", "addCompanyKeyAction",
                                           "Add the company key a teammate gave you, so "
                                           "this computer can use the team's QuickBooks "
                                           "connection", self.key.ask)
        file_menu = window.menus["file"]
        first_separator = next((a for a in file_menu.actions() if a.isSeparator()), None)
        if first_separator is not None:
            file_menu.insertMenu(first_separator, self.menu)
        else:
            file_menu.addMenu(self.menu)
        self.menu.aboutToShow.connect(self.refresh)
        window.company_opened.connect(self.refresh)
        self._enable()

    def _action(self, text: str, name: str, tip: str, slot: Any) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False: slot())
        self.menu.addAction(action)
        self._tips[action] = tip
        return action

    # --- the connection's state ---------------------------------------------------------

    def refresh(self) -> None:
        """Ask the connection's health in the background; the actions follow it."""
        services = self.window.services
        if services is None:
            self.health = None
            self._enable()
            return
        self.window.ctx.tasks.start(lambda _p, _c: services.connection.health(),
                                    "connection health",
                                    on_success=lambda h, s=services: self._show(s, h))

    def _show(self, services: Services, health: ConnectionHealth) -> None:
        if services is self.window.services:
            self.health = health
            self._enable()

    def _enable(self) -> None:
        company = self.window.services is not None
        state = self.health.state if self.health is not None else None
        linked = state in ("connected", "needs_reconnect")
        busy = bool(self.window.ctx.tasks.running("disconnect"))
        # Only a role that may change the connection (ui/roles.py; a first run has no team).
        ctx = self.window.ctx
        busy = busy or (company and not ctx.may(Permission.CONNECTION))
        # Without a company (a first run) Connect makes one; with one, it waits for the
        # health to say it is not connected.
        self.connect_action.setEnabled(not busy and (not company or state == "disconnected"))
        self.reconnect_action.setEnabled(not busy and company and linked)
        self.disconnect_action.setEnabled(not busy and company and linked)
        # Any member may hand on or add the team's key (it is theirs to use already).
        key = self.health.company_key if company and self.health is not None else None
        # Locked in the encrypted file (or a keychain that did not answer): both are
        # offered; the passphrase is asked first, and a key that is not there is said so.
        self.copy_key_action.setEnabled(key in ("held", "locked", "unanswered"))
        self.add_key_action.setEnabled(key in ("missing", "locked", "unanswered"))
        for item in (self.key_separator, self.copy_key_action, self.add_key_action):
            item.setVisible(key is not None)  # only a team's shared connection has a key
        for action, usual in self._tips.items():
            if action in (self.copy_key_action, self.add_key_action):
                continue
            action.setToolTip(role_tip(ctx, Permission.CONNECTION, usual) if company else usual)

    def _key_added(self) -> None:
        self.window._ask_health()  # the connection words lose their warning
        self.refresh()

    # --- connect and reconnect ----------------------------------------------------------

    def open_dialog(self, health: ConnectionHealth | None = None) -> ConnectDialog:
        """The connect dialog (not modal to the caller): the open company, or on a first
        run a new company store at the default place, which then opens."""
        from app.services.opening import open_services

        window = self.window
        services, create_at = window.services, window._db

        def target() -> tuple[Services, bool]:
            if services is not None:
                return services, False
            return open_services(create_at, create=True), True

        dialog = ConnectDialog(window.ctx.tasks, target, window, settings=window.ctx.settings)
        if health is not None and health.environment:
            dialog.choose(health.environment)
            if health.environment == "local" and health.base_url:
                dialog.base_url.setText(health.base_url)
            elif health.environment != "local":
                dialog.client_id.setText(health.client_id or "")
                dialog.server = health.base_url  # the server it was connected through
        dialog.connected.connect(self._connected)
        window.connect_dialog = dialog
        dialog.open()
        return dialog

    def reconnect(self) -> ConnectDialog:
        """Sign in again to the company's QuickBooks, as it was connected."""
        return self.open_dialog(self.health)

    def _connected(self, services: Services, report: Any) -> None:
        window = self.window
        if services is not window.services:
            window.open_company(services, on_close=services.close)  # asks the health too
        else:
            window._ask_health()
            self.refresh()
        self.last_words = f"Connected to {report.company_label}."
        if getattr(report, "new_company_key", False):
            holder = ("encrypted keyring file" if getattr(report, "key_in_file", False)
                      else "keychain")
            self.last_words += (" The team's connection is locked with a new company key "
                                f"in your {holder}: give it to your teammates.")
        window.statusBar().showMessage(self.last_words, MESSAGE_MS)

    # --- disconnect ---------------------------------------------------------------------

    def ask_disconnect(self) -> QMessageBox:
        """Ask first; Yes disconnects."""
        health = self.health
        name = (health.company if health is not None else None) or "QuickBooks"
        box = QMessageBox(QMessageBox.Icon.Question, "Disconnect from QuickBooks",
                          f"Disconnect this company from {name}?", parent=self.window)
        box.setObjectName("disconnectConfirm")
        box.setInformativeText("SyncDesk gives back its access and forgets the sign-in. "
                               "Nothing is sent or synced until you connect again; the "
                               "documents and their history stay as they are.")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("Disconnect")
        box.finished.connect(lambda result: self._answered(box, result))
        self.confirm = box
        box.open()
        return box

    def _answered(self, box: QMessageBox, result: int) -> None:
        self.confirm = None
        if box.standardButton(box.clickedButton()) != QMessageBox.StandardButton.Yes:
            return
        self.disconnect()

    def disconnect(self) -> None:
        services = self.window.services
        if services is None or self.window.ctx.tasks.running("disconnect"):
            return
        company = self.health.company if self.health is not None else None
        self.window.ctx.tasks.start(lambda _p, _c: services.connection.disconnect(),
                                    "disconnect",
                                    on_success=lambda r: self._disconnected(r, company),
                                    on_failure=self._disconnect_failed)
        self._enable()

    def _disconnected(self, report: DisconnectReport, company: str | None) -> None:
        self.last_words = disconnected_words(report, company)
        self.window.statusBar().showMessage(self.last_words, MESSAGE_MS)
        self.window._ask_health()
        self.refresh()

    def _disconnect_failed(self, error: BaseException) -> None:
        from ui.error_dialog import show_error

        if isinstance(error, UserError):
            self.last_words = "Not disconnected: " + error.words(plain)
            self.window.statusBar().showMessage(self.last_words, MESSAGE_MS)
        else:
            show_error(self.window, error)
        self.refresh()


def install(window: MainWindow) -> ConnectionMenu:
    """File → QuickBooks (Connect…, Reconnect…, Disconnect), following the connection."""
    window.connect_dialog = None
    return ConnectionMenu(window)
