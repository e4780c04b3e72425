"""A company file that cannot be opened at launch: the window opens anyway, on a page saying
which file and why in plain words, with the demo company, another file and "Try again"
(issue 12). Never a modal dialog, never a traceback, and the file is left as it was."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QPushButton, QTableView, QWidget
from sqlalchemy import create_engine, text

from app.services.opening import open_services
from app.store.database import open_store
from tests import postgres
from tests.cli.test_plain_messages import checkpoint, digest, read_only
from tests.conftest import need_postgres
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from ui import create_main_window
from ui.window import store_label

OPEN_TIMEOUT = 60_000  # ms: the demo company made and connected on a busy machine


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def a_store(path: Path) -> Path:
    """A real (empty) company store at ``path``, its write-ahead log folded in."""
    open_services(str(path), create=True).close()
    checkpoint(path)
    return path


def damaged(folder: Path) -> Path:
    path = folder / "damaged.db"
    path.write_bytes(b"\x00\x13not a database at all, a half-copied file " * 200)
    return path


def newer(folder: Path) -> Path:
    path = a_store(folder / "newer.db")
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = 'f00dfeed9999'")
    con.commit()
    con.close()
    checkpoint(path)
    return path


def open_window(qtbot, path: Path, settings: QSettings):
    window = create_main_window(["--db", str(path)], settings=settings)
    qtbot.addWidget(window)
    window.show()
    return window


def page_texts(window) -> tuple[str, str]:
    panel = window.findChild(QWidget, "openFailedPanel")
    assert panel is not None and panel.isVisible(), "the could-not-open page is not shown"
    return (panel.findChild(QLabel, "openFailedFile").text(),
            panel.findChild(QLabel, "openFailedReason").text())


def no_company_shown(window) -> None:
    assert not window.findChild(QTableView, "poTable").isVisible()
    assert not window.findChild(QPushButton, "syncNowButton").isEnabled()
    assert window.last_error is None and QApplication.activeModalWidget() is None


def open_the_demo(qtbot, window) -> None:
    with qtbot.waitSignal(window.company_opened, timeout=OPEN_TIMEOUT):
        window.findChild(QPushButton, "openFailedDemoButton").click()
    table = window.findChild(QTableView, "poTable")
    assert table.isVisible() and not window.findChild(QWidget, "openFailedPanel").isVisible()
    qtbot.waitUntil(lambda: table.model().rowCount() > 0)
    assert window.findChild(QPushButton, "syncNowButton").isEnabled()


@pytest.mark.parametrize(("make", "why"), [
    (damaged, "is not a SyncDesk store (not a readable database)"),
    (newer, "was made by a newer SyncDesk (schema f00dfeed9999)"),
], ids=["damaged", "newer"])
def test_a_store_that_cannot_be_opened_opens_the_window_on_a_page_saying_why(
        qtbot, tmp_path, settings, capsys, caplog, make, why):
    path = make(tmp_path)
    before = digest(path)
    with caplog.at_level(logging.INFO):
        window = open_window(qtbot, path, settings)
    where, reason = page_texts(window)
    assert str(path) in where and why in reason and str(path) in reason
    assert "Traceback" not in reason and "Error:" not in reason
    no_company_shown(window)
    err = capsys.readouterr().err  # the command line's one line stays
    assert err.startswith("syncdesk: ") and why in err and "Traceback" not in err
    logged = [r for r in caplog.records if r.name == "ui.open_failed"]
    # the details (the traceback) go to the log file; SyncDesk's redacting filter, once
    # installed, has already turned exc_info into exc_text
    assert logged and (logged[0].exc_info is not None or "Traceback" in logged[0].exc_text)
    open_the_demo(qtbot, window)
    assert digest(path) == before
    assert list(tmp_path.glob("*.bak")) == []  # not even a copy made beside it
    window.close()
    assert digest(path) == before


def test_a_team_store_made_by_a_newer_syncdesk_opens_the_window_on_a_page_saying_why(
        qtbot, settings, capsys, request):
    """The same page for a team store on PostgreSQL (the files are above): its address as
    people write it, never a password; the store is left as it was."""
    with postgres.new_database(need_postgres(request)) as url:
        store = open_store(url)
        try:
            with store.engine.begin() as db:
                db.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed9999'"))
        finally:
            store.close()
        window = open_window(qtbot, url, settings)
        try:
            where, reason = page_texts(window)
            address = store_label(url)  # as written, never capitalised: "Postgresql://…"
            assert where == f"The team company: {address}" and reason.startswith(address)
            panel = window.findChild(QWidget, "openFailedPanel")
            assert "this team company" in panel.findChild(QLabel, "openFailedTitle").text()
            assert "was made by a newer SyncDesk (schema f00dfeed9999)" in reason
            assert "Traceback" not in reason and "Error:" not in reason
            no_company_shown(window)
            err = capsys.readouterr().err
            assert err.startswith("syncdesk: ") and "newer SyncDesk" in err
            open_the_demo(qtbot, window)
        finally:
            window.close()
        engine = create_engine(url)
        try:
            with engine.connect() as db:
                assert db.execute(text("SELECT version_num FROM alembic_version")
                                  ).scalar_one() == "f00dfeed9999"
        finally:
            engine.dispose()


def test_a_read_only_store_says_so_and_try_again_opens_it_once_writable(qtbot, tmp_path,
                                                                         settings):
    path = a_store(tmp_path / "company.db")
    before = digest(path)
    with read_only(path):
        window = open_window(qtbot, path, settings)
        where, reason = page_texts(window)
        assert str(path) in where and f"the store at {path} is read-only" in reason.lower()
        no_company_shown(window)
        # Still read-only: trying again says the same, on the same page.
        window.findChild(QPushButton, "openFailedRetryButton").click()
        qtbot.waitUntil(lambda: not window.ctx.tasks.running("open"))
        assert "read-only" in page_texts(window)[1]
        no_company_shown(window)
    assert digest(path) == before
    with qtbot.waitSignal(window.company_opened, timeout=OPEN_TIMEOUT):
        window.findChild(QPushButton, "openFailedRetryButton").click()
    assert window.services is not None and Path(window.services.location.removeprefix(
        "sqlite:///")) == path
    window.close()


def test_a_store_in_a_read_only_folder_says_so_and_the_demo_opens(qtbot, tmp_path, settings):
    folder = tmp_path / "company"
    folder.mkdir()
    path = a_store(folder / "company.db")
    before = digest(path)
    with read_only(path, folder):
        window = open_window(qtbot, path, settings)
        where, reason = page_texts(window)
        assert str(path) in where and str(path) in reason and "read-only" in reason
        no_company_shown(window)
        open_the_demo(qtbot, window)
    assert digest(path) == before
    window.close()


def test_open_another_company_file_from_the_page(qtbot, tmp_path, settings, monkeypatch):
    window = open_window(qtbot, damaged(tmp_path), settings)
    good = a_store(tmp_path / "good.db")
    chosen = [str(good)]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kw: (chosen[0], "")))
    # another file that does not open either: the page now speaks of that one
    worse = newer(tmp_path)
    chosen[0] = str(worse)
    window.findChild(QPushButton, "openFailedOpenButton").click()
    qtbot.waitUntil(lambda: str(worse) in page_texts(window)[0], timeout=OPEN_TIMEOUT)
    assert "newer SyncDesk" in page_texts(window)[1]
    chosen[0] = str(good)
    with qtbot.waitSignal(window.company_opened, timeout=OPEN_TIMEOUT):
        window.findChild(QPushButton, "openFailedOpenButton").click()
    assert window.recent()[0].endswith("good.db")
    window.close()


def test_an_empty_file_offers_a_new_company_there_by_the_buttons_name(qtbot, tmp_path,
                                                                     settings):
    """The page names only what it offers: no "run the new-store setup", a button that
    starts a new company in the (empty) file instead."""
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    window = open_window(qtbot, path, settings)
    _where, reason = page_texts(window)
    assert "empty file" in reason and "setup" not in reason
    start = window.findChild(QPushButton, "openFailedCreateButton")
    assert start.isVisible() and f"“{start.text()}”" in reason
    no_company_shown(window)
    with qtbot.waitSignal(window.company_opened, timeout=OPEN_TIMEOUT):
        start.click()
    assert Path(window.services.location.removeprefix("sqlite:///")) == path
    assert path.stat().st_size > 0
    window.close()


def test_a_damaged_file_offers_no_new_company_in_it(qtbot, tmp_path, settings):
    window = open_window(qtbot, damaged(tmp_path), settings)
    page_texts(window)
    assert not window.findChild(QPushButton, "openFailedCreateButton").isVisible()
    window.close()
