"""The company service without the command line: init, backup and restore, with progress and
cancel over real store files, and over team stores on PostgreSQL (whose backups are store
files too)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from app.errors import UserError
from app.operations import demo
from app.operations.company import DEFAULT_ACCOUNTS
from app.services.company import restore_company
from app.services.opening import open_company
from app.store import copying
from app.store.database import open_store, resolve_db_url, shown
from app.store.identity import store_info
from app.work import Cancelled, Progress
from tests import postgres
from tests.sync.conftest import make_po


@pytest.fixture
def books(_demo_store_file: Path, another_db_path) -> Path | str:
    """A store with the demo company (about 90 pages, or some hundreds of rows: a copy takes
    more than one step): books.db, or a team store's database on PostgreSQL."""
    books = another_db_path("books")
    postgres.copy_store(_demo_store_file, books)
    return books


def _read(db: Path | str, read: Any) -> Any:
    """``read(connection)`` on a store file or a team store, changing nothing."""
    url = f"sqlite:///file:{db}?mode=ro&uri=true" if isinstance(db, Path) \
        else resolve_db_url(db)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return read(connection)
    finally:
        engine.dispose()


def _rows(db: Path | str, tables: list[Table]) -> dict[str, list[tuple]]:
    def read(connection: Any) -> dict[str, list[tuple]]:
        return {t.name: [tuple(r) for r in connection.execute(
            select(t).order_by(*(t.primary_key.columns or t.columns)))] for t in tables}
    return _read(db, read)


def content(db: Path | str) -> list[str] | dict[str, list[tuple]]:
    """Everything the store holds: a store file's (its write-ahead log included) as SQL, a
    team store's rows table by table."""
    if not isinstance(db, Path):
        return _rows(db, SQLModel.metadata.sorted_tables)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def company_rows(db: Path | str) -> dict[str, list[tuple]]:
    """The company's rows, table by table, in a store of either kind (what a backup of a team
    store holds: not its running SyncDesks' locks and claims)."""
    return _rows(db, copying.company_tables())


def files(folder: Path) -> set[str]:
    """The files under ``folder`` (by their paths in it), without SQLite's working files beside
    a store."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


def store_files(db: Path | str) -> set[str]:
    """The store's own file, for ``files``: none for a team store."""
    return {db.name} if isinstance(db, Path) else set()


def store_name(db: Path | str) -> str:
    """The store file's name, or the team store's database name."""
    return db.name if isinstance(db, Path) else make_url(db).database


def where(db: Path | str) -> str:
    """The store as SyncDesk shows it: its file, or its address without a password."""
    return str(db) if isinstance(db, Path) else shown(resolve_db_url(db))


def po_numbers(db: Path | str) -> set[str]:
    return {row[0] for row in _read(
        db, lambda c: c.execute(text("SELECT number FROM purchase_order")).all())}


# --- init -----------------------------------------------------------------------------------


def test_init_creates_a_store_with_the_default_accounts(db_path, tmp_path):
    # a store file in a folder not made yet, or a team store's (new, empty) database
    db = tmp_path / "new" / "books.db" if isinstance(db_path, Path) else db_path
    with open_company(str(db), create=True) as services:
        report = services.company.init()
        again = services.company.init()  # bringing it up to date adds nothing twice
    assert report.where == where(db) and report.demo is None and again.demo is None
    assert _read(db, lambda c: c.execute(text("SELECT count(*) FROM account")).scalar_one()) \
        == len(DEFAULT_ACCOUNTS)


def test_init_without_create_refuses_a_missing_store(tmp_path):
    with pytest.raises(UserError, match="no SyncDesk store"), \
            open_company(str(tmp_path / "none.db")):
        pass
    assert not (tmp_path / "none.db").exists()


def test_init_with_the_demo_company_says_what_it_added(db_path):
    with open_company(str(db_path), create=True) as services:
        report = services.company.init(demo_company=True)
    assert report.demo is not None
    assert report.demo.company == demo.COMPANY_NAME
    assert report.demo.suppliers == len(demo.SUPPLIERS)
    assert report.demo.pos == len(po_numbers(db_path)) > 0
    assert report.demo.invoices > 0


# --- backup ---------------------------------------------------------------------------------


def test_backup_copies_the_store_page_by_page(books, tmp_path):
    seen: list[Progress] = []
    with open_company(str(books), write=False) as services:
        report = services.company.backup(tmp_path / "copy.db", on_progress=seen.append)
    assert report.target == (tmp_path / "copy.db").resolve()
    if isinstance(books, Path):
        assert content(report.target) == content(books)
    else:  # a team store's backup is a store file with its company's rows
        assert company_rows(report.target) == company_rows(books)
    assert len(seen) > 1 and seen[-1].done == seen[-1].total == report.pages
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert files(tmp_path) == store_files(books) | {"copy.db"}


def test_backup_never_overwrites_a_file(books, tmp_path):
    (tmp_path / "taken.db").write_text("mine")
    with open_company(str(books), write=False) as services, \
            pytest.raises(UserError, match="already exists"):
        services.company.backup(tmp_path / "taken.db")
    assert (tmp_path / "taken.db").read_text() == "mine"


def test_a_cancelled_backup_leaves_no_file(books, tmp_path):
    cancel = threading.Event()
    seen: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        seen.append(progress)
        cancel.set()  # at the first step, mid-way through the copy

    with open_company(str(books), write=False) as services, pytest.raises(Cancelled):
        services.company.backup(tmp_path / "copy.db", on_progress=on_progress, cancel=cancel)
    assert len(seen) == 1 and 0 < seen[0].done < seen[0].total  # it was cut mid-way
    assert files(tmp_path) == store_files(books)  # no backup, no half-written file beside it


# --- restore --------------------------------------------------------------------------------


@pytest.fixture
def backed_up(books: Path | str, tmp_path: Path) -> Path:
    """A backup of ``books``; afterwards ``books`` gets PO-AFTER (which the backup lacks)."""
    backup = tmp_path / "backup.db"
    with open_company(str(books), write=False) as services:
        services.company.backup(backup)
    store = open_store(resolve_db_url(str(books)))
    try:
        make_po(store, "PO-AFTER", supplier=demo.SUPPLIERS[0])
    finally:
        store.close()
    return backup


def lineage(db: Path | str) -> tuple[str, str]:
    store = open_store(resolve_db_url(str(db)))
    try:
        with store.session() as session:
            info = store_info(session)
            return info.lineage, info.store_id
    finally:
        store.close()


def test_restore_replaces_the_store_and_keeps_the_old_one(books, backed_up, tmp_path):
    before, rows_before = content(books), company_rows(books)
    old_store_id = lineage(books)[1]
    seen: list[Progress] = []
    report = restore_company(str(books), backed_up, on_progress=seen.append)
    assert report.source == backed_up.resolve()
    assert report.kept is not None and \
        report.kept.name.startswith(f"{store_name(books)}.before-restore-")
    if isinstance(books, Path):
        # the store as it was, kept beside it (copied while the restore held its sync lock)
        assert [line for line in content(report.kept)
                if not line.startswith('INSERT INTO "sync_lock"')] == before
    else:  # the team store's rows as they were, kept in a store file on this computer
        assert company_rows(report.kept) == rows_before
    assert "PO-AFTER" not in po_numbers(books) and po_numbers(books)
    assert lineage(books)[1] != old_store_id  # a restored store gets a new store id
    assert seen[-1].done == seen[-1].total == report.pages
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert "putting the backup in place" in {p.current for p in seen}
    assert files(tmp_path) == store_files(books) | {
        "backup.db", report.kept.relative_to(tmp_path).as_posix()}


def test_restore_refuses_a_file_that_is_no_backup(books, tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(UserError, match="not a SyncDesk backup"):
        restore_company(str(books), other)


#: Where a restore is cut, as its progress names the step, on each kind of store: a store
#: file is swapped for the backup's pages only once it is read whole; a team store's rows are
#: replaced in one transaction, which a cancel rolls back.
CUT_IN = {
    "sqlite": {"keeping a copy": "keeping a copy of the store as it is",
               "reading the backup": "reading the backup"},
    "postgresql": {"keeping a copy": "copying the store",
                   "reading the backup": "putting the backup in place"},
}


def last_slice(backup: Path) -> int:
    """How many rows a team restore writes after its last chance to cancel: the backup's
    last table's last slice."""
    counts = [len(rows) for rows in company_rows(backup).values() if rows]
    return counts[-1] % copying.SLICE or copying.SLICE


@pytest.mark.parametrize("step", [
    "keeping a copy",  # cut mid-way through keeping a copy
    "reading the backup",  # cut mid-way through copying the backup in
    "last",  # the backup is read whole: cancelled just before it replaces the store
])
def test_a_cancelled_restore_leaves_the_store_exactly_as_it_was(books, backed_up, tmp_path,
                                                                backend, step):
    before, ids = content(books), lineage(books)
    team = backend == "postgresql"
    # what is left to do once the store can no longer be cancelled
    last = last_slice(backed_up) if team else \
        sqlite3.connect(backed_up).execute("PRAGMA page_count").fetchone()[0]
    cancel = threading.Event()
    seen: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        seen.append(progress)
        if step == "last":  # all read, only the swap (or the last rows) to go
            if progress.done == progress.total - last:
                cancel.set()
        elif progress.current == CUT_IN[backend][step] and \
                0 < progress.done < progress.total - last:
            cancel.set()

    with pytest.raises(Cancelled):
        restore_company(str(books), backed_up, on_progress=on_progress, cancel=cancel)
    assert cancel.is_set()
    if team:  # cut while the backup's rows went in, or before: rolled back
        assert seen[-1].current == CUT_IN[backend].get(step, "putting the backup in place")
    else:
        assert all(p.current != "putting the backup in place" for p in seen)
    assert content(books) == before and lineage(books) == ids
    assert "PO-AFTER" in po_numbers(books)
    # no copy, no half-read backup
    assert files(tmp_path) == store_files(books) | {"backup.db"}
    # Nothing is held either: the restore can be made afterwards.
    assert restore_company(str(books), backed_up).kept is not None
    assert "PO-AFTER" not in po_numbers(books)
