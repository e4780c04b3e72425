"""What every widget of the window is given: the open company's services, the background
tasks, the remembered settings, and what the acting user may do on the open company
(``permissions``: None until the core has answered, or without a company). Built once by
the window, passed in (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

from app.domain.roles import Permission
from app.services import Services
from app.services.team import Permissions
from ui.workers import Tasks


@dataclass
class UiContext:
    services: Services
    tasks: Tasks
    settings: QSettings
    permissions: Permissions | None = None  # ui/roles.py keeps it up to date

    def may(self, permission: Permission) -> bool:
        """Whether the acting user may (True while not known yet: the core still refuses
        what the role may not do, in plain words)."""
        return self.permissions is None or self.permissions.may(permission)

    def why_not(self, permission: Permission) -> str:
        return self.permissions.why_not(permission) if self.permissions is not None else ""
