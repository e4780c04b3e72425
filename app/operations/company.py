"""Setting up a new company store and keeping copies of it."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from app.errors import UserError
from app.store import sqlite
from app.store.database import Store, current_revision, known_revisions, make_engine, open_store
from app.store.identity import renew_store_id
from app.store.models import Account, Invoice, PurchaseOrder
from app.store.types import utcnow

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
        raise UserError(f"{what} works on a SyncDesk store file; a team database is backed up "
                        "with its own tools (pg_dump)")
    return path


def backup_store(store: Store, target: Path) -> Path:
    """A consistent copy of the open store at ``target`` (which must not exist yet)."""
    source = _sqlite_file(store.url, "backup")
    target = target.expanduser().resolve()
    if target.exists():
        raise UserError(f"{target} already exists; choose a new file name for the backup")
    if target == source:
        raise UserError("the backup file cannot be the store itself")
    sqlite.copy_database(source, target)
    return target


def restore_store(store_url: str, source: Path) -> Path | None:
    """Replace the store's contents with the backup at ``source``.

    The backup is checked first (a SyncDesk store, not from a newer SyncDesk);
    the current store is kept as a copy next to it, whose path is returned.
    """
    target = _sqlite_file(store_url, "restore")
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
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.name}.before-restore-{utcnow():%Y%m%dT%H%M%SZ}.bak")
        sqlite.copy_database(target, kept)
    sqlite.copy_database(source, target)
    restored = open_store(store_url)  # brings an older backup up to the current schema
    try:
        # The store before the restore may have sent requests after the backup was made,
        # from the same row ids: new request ids must never repeat them (see app.sync).
        with restored.session() as session:
            renew_store_id(session)
    finally:
        restored.close()
    return kept

