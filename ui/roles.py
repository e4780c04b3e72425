"""What the acting user's role may not do is disabled in the window, with the reason as its
tooltip: Settings…, Back up… and Restore…, the Sync Log page (and, through ``ctx.may``,
Connect/Reconnect/Disconnect and a PO's Approval override…). A login that is not on the
company's team has Sync Now and Resync failures disabled too.

The window never knows the roles: once a company opens it asks the core
(``services.permissions()``, in the background) and keeps the answer in
``ctx.permissions``; the core refuses whatever is tried meanwhile. When a company admin
changes the team elsewhere, the window's look at the store (every few seconds) sees it and
asks again. The status bar says who is signed in, with which role, when the company has a
team (``signedInLabel``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QWidget

from app.domain.roles import Permission
from app.services import Services
from app.services.team import Permissions
from app.text import upper_first

if TYPE_CHECKING:
    from ui.window import MainWindow

#: objectName → what it needs; these are enabled by their own module when a company opens.
GUARDED_ACTIONS = {"settingsAction": Permission.SETTINGS,
                   "backupAction": Permission.BACKUP_RESTORE,
                   "restoreAction": Permission.BACKUP_RESTORE}
SYNC_LOG_PAGE = "Sync Log"


def tip(ctx: Any, permission: Permission, usual: str) -> str:
    """The tooltip of something ``permission`` guards: why not, else the usual one."""
    why = ctx.why_not(permission)
    return upper_first(why) if why else usual


class RoleGate(QObject):
    changed = Signal()  # ``ctx.permissions`` has a new answer

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._tips: dict[int, str] = {}  # each guarded widget's own tooltip
        self._disabled: set[int] = set()  # the guarded widgets this gate disabled
        self.label = QLabel(window, objectName="signedInLabel")
        self.label.setVisible(False)
        window.statusBar().addPermanentWidget(self.label)
        window.company_opened.connect(self.refresh)

    def refresh(self, again: bool = False) -> None:
        """Ask the core what the acting user may do on the open company (``again``: the
        same company, whose team changed: what is shown stays until the answer)."""
        services = self.window.services
        if not again:
            self.window.ctx.permissions = None
        if services is None:
            self.apply()
            return
        self.window.ctx.tasks.start(lambda _p, _c: services.permissions(), "permissions",
                                    on_success=lambda p, s=services: self._answer(s, p))

    def _answer(self, services: Services, permissions: Permissions) -> None:
        if services is not self.window.services:
            return  # another company opened meanwhile
        self.window.ctx.permissions = permissions
        self.apply()
        self.changed.emit()

    def apply(self) -> None:
        window, ctx = self.window, self.window.ctx
        for name, permission in GUARDED_ACTIONS.items():
            action = window.findChild(QAction, name)
            if action is not None:
                self._guard(action, permission)
        for widget in (window.sync_now, window.resync):
            self._guard(widget, Permission.WORK)
        nav = window.nav
        for index in range(nav.count()):
            if nav.tabText(index) == SYNC_LOG_PAGE:
                allowed = ctx.may(Permission.SYNC_LOG)
                nav.setTabEnabled(index, allowed)
                nav.setTabToolTip(index, tip(ctx, Permission.SYNC_LOG, ""))
                if not allowed and nav.currentIndex() == index:
                    nav.setCurrentIndex(0)
        menu = getattr(window, "connection_menu", None)
        if menu is not None:
            menu.refresh()  # Connect/Reconnect/Disconnect follow ``ctx.may`` there
        self._say_who(ctx.permissions)

    def _guard(self, thing: QAction | QWidget, permission: Permission) -> None:
        usual = self._tips.setdefault(id(thing), thing.toolTip())
        if not self.window.ctx.may(permission):
            thing.setEnabled(False)
            self._disabled.add(id(thing))
        elif id(thing) in self._disabled:  # the role changed: give back what it took
            self._disabled.discard(id(thing))
            thing.setEnabled(self.window.services is not None)
        thing.setToolTip(tip(self.window.ctx, permission, usual))

    def _say_who(self, permissions: Permissions | None) -> None:
        if permissions is None or permissions.single_user:
            self.label.setVisible(False)
            return
        self.label.setText(f"Signed in as {permissions.login} ({permissions.role_words})")
        self.label.setVisible(True)


def install(window: MainWindow) -> RoleGate:
    """The role gate of ``window``: installed after the modules whose actions it guards."""
    return RoleGate(window)  # asks at each ``company_opened``
