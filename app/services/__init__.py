"""The one API the window and the command line share (DESIGN.md, "Layers").

``app/commands/`` and ``ui/`` import only this package (plus ``app.errors``,
``app.hints`` and ``app.work``). Services are built once, when a company is
opened, and passed in; there is no global application object::

    with open_company(db) as services:
        page = services.documents.list(DocKind.PO, ListQuery(text="inv-05"))

Read models are frozen dataclasses: the command line turns them into text or
JSON, the window into rows. Long operations take ``on_progress`` and ``cancel``
(``app/work.py``) and return a report.
"""

from __future__ import annotations

from app.services.company import CompanyService
from app.services.connection import ConnectionService
from app.services.documents import DocumentService
from app.services.opening import Services, open_company
from app.services.settings import SettingsService
from app.services.sync import SyncService

__all__ = ["CompanyService", "ConnectionService", "DocumentService", "Services",
           "SettingsService", "SyncService", "open_company"]
