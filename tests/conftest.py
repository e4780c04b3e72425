"""Shared test setup: Qt offscreen, and no test ever touches the user's real store."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.cli import main
from app.operations.company import ensure_default_accounts
from app.store.database import Store, open_store, resolve_db_url
from app.store.models import Supplier
from tests import postgres
from tests.team_people import People

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def _isolated_store_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the default store and the OS data folders into the test's own folder."""
    monkeypatch.setenv("SYNCDESK_DB", str(tmp_path / "default-store.db"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # the log file
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def _no_log_handlers_left_behind() -> Iterator[None]:
    """A test that configured SyncDesk's logging (the CLI, a window) leaves no handler
    writing to its temporary log file or to the stderr pytest captured for it."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "syncdesk", False)]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    """A PostgreSQL server with the migrated template database on it (None: no server)."""
    # Not under pytest's own temporary folder: that one is private to this user, and the
    # server may run as another (PostgreSQL refuses to run as root).
    folder = Path(tempfile.mkdtemp(prefix="syncdesk-test-postgres-"))
    try:
        with postgres.server(folder) as url:
            if url is None:
                yield None
                return
            postgres.make_template(url)
            try:
                yield url
            finally:
                postgres.drop_template(url)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def need_postgres(request: pytest.FixtureRequest) -> str:
    """The test server's URL; without one the test skips, or fails under CI."""
    url = request.getfixturevalue("postgres_server")
    if url is None:
        why = "; ".join([postgres.NO_SERVER, *postgres.START_FAILED])
        if CI:
            pytest.fail(why + " (CI must run the PostgreSQL tests)")
        pytest.skip(why)
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The store's database: every test with a store runs on SQLite and on PostgreSQL."""
    return request.param


@pytest.fixture
def db_path(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path | str]:
    """Where the test's store lives, as ``--db`` takes it: a file on SQLite, a URL on
    PostgreSQL (a new database, dropped after the test)."""
    if backend == "sqlite":
        yield tmp_path / "company.db"
        return
    with postgres.new_database(need_postgres(request)) as url:
        yield url


@pytest.fixture
def another_db_path(backend: str, tmp_path: Path,
                    request: pytest.FixtureRequest) -> Iterator[Callable[[str], Path | str]]:
    """Makes more stores on the test's backend, for tests that need a second company:
    ``another_db_path("books")`` is a new file ``books.db`` on SQLite, a new migrated
    database on PostgreSQL (dropped after the test)."""
    with ExitStack() as stack:

        def make(name: str) -> Path | str:
            if backend == "sqlite":
                return tmp_path / f"{name}.db"
            return stack.enter_context(postgres.new_database(need_postgres(request)))

        yield make


@pytest.fixture
def people(backend: str, db_path: Path | str, monkeypatch: pytest.MonkeyPatch,
           request: pytest.FixtureRequest) -> Iterator[People]:
    """The team's people signing in to the test's store (``db_path``): as the OS user on
    SQLite, with a PostgreSQL login of their own made for the test on PostgreSQL (dropped
    afterwards, with the store's database). See ``tests/team_people.py``."""
    team = People(db_path, monkeypatch, need_postgres(request) if backend == "postgresql"
                  else None)
    try:
        yield team
    finally:
        team.close()


@pytest.fixture
def sqlite_only(backend: str) -> None:
    """For a test about the SQLite file itself (copies, damage, permissions)."""
    if backend != "sqlite":
        pytest.skip("about the SQLite store file")


@pytest.fixture
def store(db_path: Path | str) -> Iterator[Store]:
    """A new store with the default chart of accounts and two suppliers."""
    opened = open_store(resolve_db_url(str(db_path)))
    with opened.session() as session:
        ensure_default_accounts(session)
        session.add(Supplier(name="Acme Supply"))
        session.add(Supplier(name="O'Brien & Sons"))
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def _demo_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company as ``init --demo`` makes it, once per test process."""
    path = tmp_path_factory.mktemp("demo-db-template") / "demo.db"
    assert main(["--db", str(path), "init", "--demo"]) == 0
    return path


@pytest.fixture
def demo_db(db_path: Path | str, _demo_store_file: Path) -> Path | str:
    """The demo company (``init --demo``) in a new store: a file on SQLite, a database on
    PostgreSQL; as ``--db`` takes it. A copy of one made once per test process."""
    postgres.copy_store(_demo_store_file, db_path)
    return db_path


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``syncdesk ARGS`` in-process; returns its exit code, stdout and stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
