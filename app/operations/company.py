"""Setting up a new company store and keeping copies of it."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from app.domain import request_ids
from app.domain.states import DocKind
from app.errors import UserError
from app.store import copying, postgres, sqlite
from app.store.database import (
    Store,
    current_revision,
    default_db_path,
    known_revisions,
    make_engine,
    open_store,
)
from app.store.identity import renew_store_id
from app.store.lock import WAIT, SyncLock
from app.store.models import Account, Invoice, PurchaseOrder
from app.store.types import utcnow
from app.work import OnProgress, check_cancel, report_progress

# A new store's chart of accounts, close to what a new QuickBooks Online company
# starts with. QuickBooks' own list replaces it once the company is connected.
DEFAULT_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("Accounts Payable (A/P)", "Accounts Payable"),
    ("Accounts Receivable (A/R)", "Accounts Receivable"),
    ("Cost of Goods Sold", "Cost of Goods Sold"),
    ("Office Supplies & Software", "Expense"),
    ("Supplies & Materials", "Expense"),
    ("Repairs & Maintenance", "Expense"),
    ("Shipping & Delivery", "Expense"),
    ("Utilities", "Expense"),
    ("Legal & Professional Services", "Expense"),
)


def ensure_default_accounts(session: Session) -> int:
    """Add the default chart of accounts to a store that has none; returns how many."""
    if session.get_bind().dialect.name == "postgresql":
        postgres.lock_for_setup(session.connection())
    if session.exec(select(Account.id)).first() is not None:
        return 0
    for name, account_type in DEFAULT_ACCOUNTS:
        session.add(Account(name=name, account_type=account_type))
    return len(DEFAULT_ACCOUNTS)


def has_documents(session: Session) -> bool:
    return (session.exec(select(PurchaseOrder.id)).first() is not None
            or session.exec(select(Invoice.id)).first() is not None)


def _sqlite_file(store_url: str, what: str) -> Path:
    path = sqlite.sqlite_path(store_url) if sqlite.is_sqlite(store_url) else None
    if path is None:
        raise UserError(f"{what} needs a store file or a team store on PostgreSQL; "
                        "an in-memory store has nothing to keep")
    return path


PAGES_PER_STEP = 64  # a copy goes this many database pages at a time (cancel between them)


@dataclass(frozen=True)
class BackupReport:
    target: Path
    pages: int  # how many database pages were copied


@dataclass(frozen=True)
class RestoreReport:
    source: Path
    kept: Path | None  # the store as it was before, kept next to it
    pages: int


class _Copier:
    """Copies SQLite files page by page, reporting progress and checking ``cancel``."""

    def __init__(self, total: int, on_progress: OnProgress | None,
                 cancel: threading.Event | None) -> None:
        self.total, self.done = total, 0
        self.on_progress, self.cancel = on_progress, cancel

    def copy(self, source: Path, target: Path, what: str, *, safe: bool = True) -> None:
        """``source`` into ``target``; with ``safe`` a cancel stops between pages (and the
        copy into ``target`` is rolled back by SQLite)."""
        check_cancel(self.cancel)
        start = self.done

        def step(copied: int, pages: int) -> None:
            self.done = start + copied
            self.total = max(self.total, start + pages)
            report_progress(self.on_progress, self.done, self.total, what)
            if safe:
                check_cancel(self.cancel)

        sqlite.copy_database(source, target, step, PAGES_PER_STEP if safe else -1)

    def rows(self, what: str, base: int = 0) -> Callable[[int, int], None]:
        """A step for copying rows: progress after each slice (cancel is checked there)."""

        def step(copied: int, total: int) -> None:
            self.done = base + copied
            self.total = max(self.total, base + total)
            report_progress(self.on_progress, self.done, self.total, what)

        return step


def backup_store(store: Store, target: Path, *, on_progress: OnProgress | None = None,
                 cancel: threading.Event | None = None) -> Path:
    """A consistent copy of the open store at ``target`` (which must not exist yet).

    The copy is made next to ``target`` under another name and takes ``target``'s
    name only once whole: a cancelled (``Cancelled``) or failed backup leaves no file.
    """
    return backup_company(store, target, on_progress=on_progress, cancel=cancel).target


def backup_company(store: Store, target: Path, *, on_progress: OnProgress | None = None,
                   cancel: threading.Event | None = None) -> BackupReport:
    """``backup_store`` with its report (the file and how many pages it holds).

    A team store on PostgreSQL is backed up into a store file too (its rows copied from
    one consistent snapshot): the same kind of file, restorable into either kind of store.
    """
    team = postgres.is_postgres(store.url)
    source = None if team else _sqlite_file(store.url, "backup")
    target = target.expanduser().resolve()
    if target.exists():
        raise UserError(f"{target} already exists; choose a new file name for the backup")
    if target == source:
        raise UserError("the backup file cannot be the store itself")
    if team:
        target.parent.mkdir(parents=True, exist_ok=True)  # as the store-file copy does
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    copier = _Copier(0 if source is None else sqlite.page_count(source), on_progress, cancel)
    try:
        if source is None:
            copier.done = _copy_team_store(store, partial, copier)
        else:
            copier.copy(source, partial, "copying the store")
        check_cancel(cancel)
        if target.exists():
            raise UserError(f"{target} already exists; choose a new file name for the backup")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, copier.done)


def restore_store(store_url: str, source: Path, *, on_progress: OnProgress | None = None,
                  cancel: threading.Event | None = None) -> Path | None:
    """Replace the store's contents with the backup at ``source``.

    The backup is checked first (a SyncDesk store, not from a newer SyncDesk);
    the current store is kept as a copy next to it, whose path is returned. A
    sync running on the store refuses the restore (``SyncBusy``): the store's
    sync lock is held from before the swap until the restored store is ready.
    ``cancel`` stops it (``Cancelled``) at any point before the backup replaces the
    store, which is then exactly as it was (and no copy is left beside it).
    """
    return restore_company(store_url, source, on_progress=on_progress, cancel=cancel).kept


def restore_company(store_url: str, source: Path, *, on_progress: OnProgress | None = None,
                    cancel: threading.Event | None = None) -> RestoreReport:
    """``restore_store`` with its report."""
    team = postgres.is_postgres(store_url)
    target = None if team else _sqlite_file(store_url, "restore")
    source = source.expanduser().resolve()
    if not source.is_file():
        raise UserError(f"there is no backup file at {source}")
    if not sqlite.has_table(source, "alembic_version"):
        raise UserError(f"{source} is not a SyncDesk backup")
    engine = make_engine(f"sqlite:///{source}")
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    if revision not in known_revisions():
        raise UserError(f"{source} was made by a newer SyncDesk (schema {revision}); "
                        "update SyncDesk first")
    check_cancel(cancel)
    if target is None:
        return _restore_team_store(store_url, source, on_progress, cancel)
    current = Store(store_url, make_engine(store_url)) \
        if target.exists() and sqlite.has_table(target, "sync_lock") else None
    lock = SyncLock(current) if current is not None else None
    try:
        if lock is not None:
            lock.acquire(WAIT)  # SyncBusy: a sync is running on this store
        pages = 2 * sqlite.page_count(source) + \
            (sqlite.page_count(target) if target.exists() else 0)
        copier = _Copier(pages, on_progress, cancel)
        kept = _restore(store_url, target, source, lock, copier)
        return RestoreReport(source, kept, copier.done)
    finally:
        if lock is not None:
            lock.release()
        if current is not None:
            current.close()


def _restore(store_url: str, target: Path, source: Path, lock: SyncLock | None,
             copier: _Copier) -> Path | None:
    kept = None
    replaced = False
    incoming = target.with_name(f"{target.name}.restoring")
    try:
        if target.exists():
            kept = kept_copy_path(store_url)
            copier.copy(target, kept, "keeping a copy of the store as it is")
        copier.copy(source, incoming, "reading the backup")
        if lock is not None and sqlite.has_table(incoming, "sync_lock"):
            engine = make_engine(f"sqlite:///{incoming}")
            try:
                lock.hand_over(engine)  # the restored store is locked from its first moment
            finally:
                engine.dispose()
        check_cancel(copier.cancel)  # the last safe point: from here on the backup goes in
        copier.copy(incoming, target, "putting the backup in place", safe=False)
        replaced = True
    finally:
        incoming.unlink(missing_ok=True)
        if kept is not None and not replaced:  # the store is as it was: no copy of it needed
            kept.unlink(missing_ok=True)
    report_progress(copier.on_progress, copier.done, copier.total,
                    "bringing the restored store up to date")
    restored = open_store(store_url)  # brings an older backup up to the current schema
    try:
        if lock is not None:
            lock.hand_over(restored.engine)  # also a backup older than the lock table
        with restored.session() as session:
            # The store before the restore may have sent requests after the backup was
            # made, from the same row ids: new request ids must never repeat them (see
            # app.sync).
            store_id = renew_store_id(session)
            _outcome_unknown(session, store_id)
    finally:
        restored.close()
    return kept


def _outcome_unknown(session: Session, store_id: str) -> int:
    """Every document without a QuickBooks id may have been sent after the backup was made
    (by this store's lineage): as after a crash, the next sync looks it up in QuickBooks
    before it creates it, and adopts what the lineage made. Returns how many."""
    count = 0
    for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
        for row in session.exec(select(model).where(col(model.qbo_id).is_(None),
                                                    col(model.pending_request_id).is_(None))):
            row.pending_request_id = request_ids.after_restore(
                store_id, kind, row.id, row.revision, row.attempt)
            row.pending_revision = row.pending_sent = None
            session.add(row)
            count += 1
    return count


# --- a team store on PostgreSQL --------------------------------------------------------


def _copy_team_store(store: Store, target: Path, copier: _Copier) -> int:
    """The team store's rows, from one snapshot, into a new store file at ``target``."""
    copy = open_store(f"sqlite:///{target}")  # a new file at this SyncDesk's schema
    try:
        with store.engine.connect().execution_options(
                isolation_level="REPEATABLE READ") as source, source.begin(), \
                copy.engine.begin() as written:
            return copying.replace_rows(source, written, step=copier.rows("copying the store"),
                                        cancel=copier.cancel)
    finally:
        copy.close()


def kept_copies_folder() -> Path:
    """Where the copy of a team store taken before a restore is kept (on this computer)."""
    return default_db_path().parent / "kept"


def kept_copy_path(store_url: str, stamp: str | None = None) -> Path:
    """Where a restore keeps the store as it was: beside a store file, or for a team store
    in ``kept_copies_folder``; ``stamp`` stands for the time (now, unless given)."""
    stamp = stamp or f"{utcnow():%Y%m%dT%H%M%SZ}"
    path = sqlite.sqlite_path(store_url) if sqlite.is_sqlite(store_url) else None
    if path is not None:
        return path.with_name(f"{path.name}.before-restore-{stamp}.bak")
    name = make_url(store_url).database or "team"
    return kept_copies_folder() / f"{name}.before-restore-{stamp}.bak"


def _restore_team_store(store_url: str, source: Path, on_progress: OnProgress | None,
                        cancel: threading.Event | None) -> RestoreReport:
    """The backup's rows replace the team store's, in one transaction, while no sync runs;
    the store as it was is kept as a store file on this computer first. The team's
    QuickBooks connection and members stay as they are now (``copying.KEPT_ON_RESTORE``)."""
    with tempfile.TemporaryDirectory(prefix="syncdesk-restore-") as folder:
        incoming = Path(folder) / "backup.db"
        sqlite.copy_database(source, incoming)
        backup = open_store(f"sqlite:///{incoming}")  # brings an older backup up to date
        current = open_store(store_url)
        lock = SyncLock(current)
        try:
            lock.acquire(WAIT)  # SyncBusy: a sync is running on this store
            with current.engine.connect() as now:
                keep = copying.tables_with_rows(now, copying.KEPT_ON_RESTORE)
            with backup.engine.connect() as rows:
                total = copying.count_rows(rows, keep)
            copier = _Copier(2 * total, on_progress, cancel)
            kept = kept_copy_path(store_url)
            kept.parent.mkdir(parents=True, exist_ok=True)
            try:
                copier.done = _copy_team_store(current, kept, copier)
                with backup.engine.connect() as rows, current.engine.begin() as written:
                    base = copier.done
                    copying.replace_rows(rows, written, step=copier.rows(
                        "putting the backup in place", base), cancel=cancel, keep=keep)
            except BaseException:
                kept.unlink(missing_ok=True)  # the store is as it was: no copy of it needed
                raise
            with current.session() as session:
                store_id = renew_store_id(session)
                _outcome_unknown(session, store_id)
            return RestoreReport(source, kept, copier.total)
        finally:
            lock.release()
            current.close()
            backup.close()
