"""Opening a company store and building its services, once, for one command or window."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from app.errors import UserError
from app.services.company import CompanyService
from app.services.connection import ConnectionService
from app.services.dashboard import DashboardService
from app.services.documents import DocumentService
from app.services.fixes import FixService
from app.services.settings import SettingsService
from app.services.sync import SyncService
from app.services.sync_log import SyncLogService
from app.services.team import Permissions, TeamService, store_login
from app.store.database import Store, open_store, resolve_db_url, store_error
from app.store.postgres import address_problem, without_password
from app.store.sqlite import is_sqlite, sqlite_path


@dataclass(frozen=True)
class Services:
    """The services of one open company store (built by ``for_store``, passed in)."""

    location: str  # the store's URL, as ``--db`` or the default resolved it
    documents: DocumentService
    sync: SyncService
    connection: ConnectionService
    settings: SettingsService
    company: CompanyService
    fixes: FixService
    sync_log: SyncLogService
    dashboard: DashboardService
    team: TeamService  # who is acting, their role, the team (``app.domain.roles``)

    _store: Store = field(repr=False, compare=False)

    @classmethod
    def for_store(cls, store: Store) -> Services:
        login = store_login(store)  # the PostgreSQL login, or the OS user on SQLite
        return cls(store.url, DocumentService(store, login), SyncService(store, login),
                   ConnectionService(store), SettingsService(store), CompanyService(store),
                   FixService(store, login), SyncLogService(store), DashboardService(store),
                   TeamService(store, login), store)

    def permissions(self) -> Permissions:
        """What the acting user may do on this company (the window disables the rest)."""
        return self.team.permissions()

    def close(self) -> None:
        """Close the store (for a company kept open across calls, as the window does)."""
        self._store.close()


def company_location(db: str | None) -> str:
    """Where the company store named by ``db`` lives (else ``$SYNCDESK_DB``, else the
    default location), as the URL ``Services.location`` holds."""
    return resolve_db_url(db)


def kept_location(location: str) -> str:
    """``location`` as the window may keep it (recent companies): a team store's address
    without its password, which PostgreSQL's own password file (~/.pgpass) supplies."""
    return without_password(location)


def team_address_problem(address: str) -> str | None:
    """What is wrong with a team store's address as typed (None: it looks right)."""
    return address_problem(address)


def company_exists(db: str | None) -> bool:
    """Whether the company store named by ``db`` is there (a first run has none yet; a
    store that is not a local file is taken to be there)."""
    url = resolve_db_url(db)
    path = sqlite_path(url) if is_sqlite(url) else None
    return path is None or path.exists()


def store_problem(exc: BaseException, db: str | None) -> UserError | None:
    """A database error that is about the store file itself (read-only, damaged, full,
    out of reach) in plain words; None for anything else."""
    return store_error(exc, resolve_db_url(db))


def open_services(db: str | None, *, create: bool = False, write: bool = True) -> Services:
    """The company store named by ``db`` and its services, open until ``close()`` (the
    window keeps one company open; commands use ``open_company``)."""
    return Services.for_store(open_store(resolve_db_url(db), create=create, write=write))


def start_company(db: str | None) -> Services:
    """A new, empty company in the file named by ``db``: where there is none yet, or the
    file holds nothing at all (0 bytes, no write-ahead log to fold in), which is then
    replaced. A file with anything in it is never touched (it opens, or says why not)."""
    url = resolve_db_url(db)
    path = sqlite_path(url) if is_sqlite(url) else None
    if path is not None and path.is_file() and path.stat().st_size == 0:
        wal = path.with_name(path.name + "-wal")
        if not (wal.exists() and wal.stat().st_size > 0):
            path.unlink()
    return open_services(db, create=True)


def create_company(db: str) -> Services:
    """A new, empty company in the file ``db`` names, with the default chart of accounts,
    open until ``close()``. A file that holds anything already is refused (Open company
    opens it): making a new company never replaces one."""
    url = resolve_db_url(db)
    path = sqlite_path(url) if is_sqlite(url) else None
    if path is not None and path.is_file() and path.stat().st_size > 0:
        raise UserError(f"{path} is already a file with something in it; choose a new file "
                        "name for the new company (Open company opens an existing one)")
    services = start_company(db)
    try:
        services.company.init()
    except BaseException:
        services.close()
        raise
    return services


@contextmanager
def open_company(db: str | None, *, create: bool = False, write: bool = True
                 ) -> Iterator[Services]:
    """The company store named by ``db`` (else ``$SYNCDESK_DB``, else the default
    location), its services for the length of a ``with`` block, closed afterwards.

    ``write=False`` opens it for reading only (a read-only file is then fine)."""
    store = open_store(resolve_db_url(db), create=create, write=write)
    try:
        yield Services.for_store(store)
    finally:
        store.close()
