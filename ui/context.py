"""What every widget of the window is given: the open company's services, the background
tasks, and the remembered settings. Built once by the window, passed in (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

from app.services import Services
from ui.workers import Tasks


@dataclass
class UiContext:
    services: Services
    tasks: Tasks
    settings: QSettings
