"""The company service: init, backup, restore (and the store's identity).

``init`` and ``backup`` work on an open company (``open_company(db, create=True)``
creates a missing store for ``init``). ``restore_company`` replaces a store, so it
takes the store's location instead of an open company: close the company first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from app.domain.roles import Permission
from app.operations import company, demo
from app.services.team import check
from app.store.database import Store, make_engine, resolve_db_url
from app.store.sqlite import has_table, is_sqlite, sqlite_path
from app.work import OnProgress


@dataclass(frozen=True)
class DemoFill:
    company: str
    suppliers: int
    pos: int
    invoices: int


@dataclass(frozen=True)
class InitReport:
    where: str  # the store's file (or its URL, for a database server)
    demo: DemoFill | None  # what the demo company added, when asked for


@dataclass(frozen=True)
class BackupReport:
    target: Path  # the backup file, absolute
    pages: int  # how many database pages it holds


@dataclass(frozen=True)
class RestoreReport:
    source: Path  # the backup that was restored, absolute
    kept: Path | None  # the store as it was before, kept next to it
    pages: int  # how many database pages were copied


class CompanyService:
    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def where(self) -> str:
        """The store's file (or its URL, for a database server)."""
        return self._store.where

    def init(self, *, demo_company: bool = False) -> InitReport:
        """Make the store ready: the default chart of accounts when it has none, and with
        ``demo_company`` the demo company's suppliers and documents."""
        check(self._store, Permission.WORK)
        fill = None
        with self._store.session() as session:
            company.ensure_default_accounts(session)
            if demo_company:
                pos, invoices = demo.fill_demo(session)
                fill = DemoFill(demo.COMPANY_NAME, len(demo.SUPPLIERS), pos, invoices)
        return InitReport(self.where, fill)

    def backup(self, target: Path, *, on_progress: OnProgress | None = None,
               cancel: threading.Event | None = None) -> BackupReport:
        """A consistent copy of the store at ``target`` (a new file), page by page.

        ``cancel`` stops it between pages (``app.work.Cancelled``) and leaves no file.
        A company admin's (``NotAllowed`` for anyone else)."""
        check(self._store, Permission.BACKUP_RESTORE)
        report = company.backup_company(self._store, target, on_progress=on_progress,
                                        cancel=cancel)
        return BackupReport(report.target, report.pages)


def restore_company(db: str | None, backup: Path, *, on_progress: OnProgress | None = None,
                    cancel: threading.Event | None = None) -> RestoreReport:
    """Replace the store named by ``db`` (as ``open_company`` resolves it) with ``backup``.

    The store as it was is kept next to it. Refused while a sync runs on the store.
    ``cancel`` stops it (``app.work.Cancelled``) at any point before the backup
    replaces the store, which is then exactly as it was. A company admin's: refused
    (``NotAllowed``) for anyone else, when the store is there.
    """
    _may_restore(resolve_db_url(db))
    report = company.restore_company(resolve_db_url(db), backup, on_progress=on_progress,
                                     cancel=cancel)
    return RestoreReport(report.source, report.kept, report.pages)


def where_restore_keeps(db: str) -> str:
    """Where a restore keeps the company as it was, in words: beside its file, or (a team
    store) in SyncDesk's data folder on this computer."""
    url = resolve_db_url(db)
    kept = company.kept_copy_path(url, "DATE")
    where = "beside its file" if is_sqlite(url) else f"on this computer, in {kept.parent}"
    return f"as a copy {where} ({kept.name})"


def _may_restore(url: str) -> None:
    """Refuse a restore by someone the store (when there is one) does not know as a company
    admin; a store made before teams (or missing, or not a store) has nobody to ask."""
    path = sqlite_path(url) if is_sqlite(url) else None
    if path is not None and not (path.is_file() and has_table(path, "team_user")):
        return
    store = Store(url, make_engine(url))
    try:
        check(store, Permission.BACKUP_RESTORE)
    finally:
        store.close()
