"""The company service without the command line: init, backup and restore, with progress and
cancel over real store files."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from app.errors import UserError
from app.operations import demo
from app.operations.company import DEFAULT_ACCOUNTS
from app.services.company import restore_company
from app.services.opening import open_company
from app.store.database import open_store
from app.store.identity import store_info
from app.work import Cancelled, Progress
from tests.sync.conftest import make_po


@pytest.fixture
def books(tmp_path: Path) -> Path:
    """A store with the demo company (about 90 pages: a copy takes more than one step)."""
    path = tmp_path / "books.db"
    with open_company(str(path), create=True) as services:
        services.company.init(demo_company=True)
    return path


def content(path: Path) -> list[str]:
    """Everything the store holds (its write-ahead log included), as SQL."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def files(folder: Path) -> set[str]:
    """The files in ``folder``, without SQLite's working files beside a store."""
    return {p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))}


def po_numbers(db: Path) -> set[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {row[0] for row in con.execute("SELECT number FROM purchase_order")}
    finally:
        con.close()


# --- init -----------------------------------------------------------------------------------


def test_init_creates_a_store_with_the_default_accounts(tmp_path):
    path = tmp_path / "new" / "books.db"
    with open_company(str(path), create=True) as services:
        report = services.company.init()
        again = services.company.init()  # bringing it up to date adds nothing twice
    assert report.where == str(path) and report.demo is None and again.demo is None
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT count(*) FROM account").fetchone()[0] == \
            len(DEFAULT_ACCOUNTS)
    finally:
        con.close()


def test_init_without_create_refuses_a_missing_store(tmp_path):
    with pytest.raises(UserError, match="no SyncDesk store"), \
            open_company(str(tmp_path / "none.db")):
        pass
    assert not (tmp_path / "none.db").exists()


def test_init_with_the_demo_company_says_what_it_added(tmp_path):
    with open_company(str(tmp_path / "demo.db"), create=True) as services:
        report = services.company.init(demo_company=True)
    assert report.demo is not None
    assert report.demo.company == demo.COMPANY_NAME
    assert report.demo.suppliers == len(demo.SUPPLIERS)
    assert report.demo.pos == len(po_numbers(tmp_path / "demo.db")) > 0
    assert report.demo.invoices > 0


# --- backup ---------------------------------------------------------------------------------


def test_backup_copies_the_store_page_by_page(books, tmp_path):
    seen: list[Progress] = []
    with open_company(str(books), write=False) as services:
        report = services.company.backup(tmp_path / "copy.db", on_progress=seen.append)
    assert report.target == (tmp_path / "copy.db").resolve()
    assert content(report.target) == content(books)
    assert len(seen) > 1 and seen[-1].done == seen[-1].total == report.pages
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert files(tmp_path) == {"books.db", "copy.db"}


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
    assert files(tmp_path) == {"books.db"}  # no backup, no half-written file beside it


# --- restore --------------------------------------------------------------------------------


@pytest.fixture
def backed_up(books: Path, tmp_path: Path) -> Path:
    """A backup of ``books``; afterwards ``books`` gets PO-AFTER (which the backup lacks)."""
    backup = tmp_path / "backup.db"
    with open_company(str(books), write=False) as services:
        services.company.backup(backup)
    store = open_store(f"sqlite:///{books}")
    try:
        make_po(store, "PO-AFTER", supplier=demo.SUPPLIERS[0])
    finally:
        store.close()
    return backup


def lineage(db: Path) -> tuple[str, str]:
    store = open_store(f"sqlite:///{db}")
    try:
        with store.session() as session:
            info = store_info(session)
            return info.lineage, info.store_id
    finally:
        store.close()


def test_restore_replaces_the_store_and_keeps_the_old_one(books, backed_up, tmp_path):
    before = content(books)
    old_store_id = lineage(books)[1]
    seen: list[Progress] = []
    report = restore_company(str(books), backed_up, on_progress=seen.append)
    assert report.source == backed_up.resolve()
    assert report.kept is not None and report.kept.name.startswith("books.db.before-restore-")
    # the store as it was, kept beside it (copied while the restore held its sync lock)
    assert [line for line in content(report.kept)
            if not line.startswith('INSERT INTO "sync_lock"')] == before
    assert "PO-AFTER" not in po_numbers(books) and po_numbers(books)
    assert lineage(books)[1] != old_store_id  # a restored store gets a new store id
    assert seen[-1].done == seen[-1].total == report.pages
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert "putting the backup in place" in {p.current for p in seen}
    assert files(tmp_path) == {"books.db", "backup.db", report.kept.name}


def test_restore_refuses_a_file_that_is_no_backup(books, tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(UserError, match="not a SyncDesk backup"):
        restore_company(str(books), other)


@pytest.mark.parametrize("step", [
    "keeping a copy of the store as it is",  # cut mid-way through keeping a copy
    "reading the backup",  # cut mid-way through copying the backup in
    "last",  # the backup is read whole: cancelled just before it replaces the store
])
def test_a_cancelled_restore_leaves_the_store_exactly_as_it_was(books, backed_up, tmp_path,
                                                                step):
    before, ids = content(books), lineage(books)
    backup_pages = sqlite3.connect(backed_up).execute("PRAGMA page_count").fetchone()[0]
    cancel = threading.Event()
    seen: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        seen.append(progress)
        if step == "last":  # all read, only the swap (as many pages as the backup) to go
            if progress.done == progress.total - backup_pages:
                cancel.set()
        elif progress.current == step and 0 < progress.done < progress.total - backup_pages:
            cancel.set()

    with pytest.raises(Cancelled):
        restore_company(str(books), backed_up, on_progress=on_progress, cancel=cancel)
    assert cancel.is_set() and all(p.current != "putting the backup in place" for p in seen)
    assert content(books) == before and lineage(books) == ids
    assert "PO-AFTER" in po_numbers(books)
    assert files(tmp_path) == {"books.db", "backup.db"}  # no copy, no half-read backup
    # Nothing is held either: the restore can be made afterwards.
    assert restore_company(str(books), backed_up).kept is not None
    assert "PO-AFTER" not in po_numbers(books)
