"""A PostgreSQL server for the tests, and a new database on it for each test that asks.

The server is ``$SYNCDESK_TEST_POSTGRES`` (a URL of a server whose user may create
databases; ``.ci/run`` starts one), else a throwaway cluster each test process starts itself
where PostgreSQL's server programs are installed (build/pg_cluster.py), else none: then
the PostgreSQL variants skip and say why, except under CI, where a missing server fails.

Each test's database is a copy of a template migrated once per test process, so a test on
PostgreSQL starts from a store exactly as ``open_store`` makes it, in milliseconds.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.domain.qbo_limits import LINEAGE_LENGTH
from app.store import copying
from app.store.database import open_store, resolve_db_url
from app.store.identity import new_store_id

ROOT = Path(__file__).resolve().parent.parent
ENV = "SYNCDESK_TEST_POSTGRES"
#: This run's template (its own, so that test runs sharing a server never meet).
TEMPLATE = f"syncdesk_test_template_{os.getpid()}_{secrets.token_hex(3)}"

START_FAILED: list[str] = []  # why this run's own cluster did not start, if it did not
NO_SERVER = ("no PostgreSQL server for the tests: set SYNCDESK_TEST_POSTGRES to a server's "
             "URL, or install PostgreSQL's server programs (Debian: postgresql) so the tests "
             "start one")


def _cluster_module():
    spec = importlib.util.spec_from_file_location("pg_cluster", ROOT / "build" / "pg_cluster.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def server(folder: Path) -> Iterator[str | None]:
    """The URL of a server to make test databases on (None when there is none)."""
    given = os.environ.get(ENV)
    if given:
        yield resolve_db_url(given)
        return
    cluster = _cluster_module()
    try:
        url = cluster.start(folder)
    except Exception as exc:  # said by need_postgres when it skips (or fails under CI)
        START_FAILED[:] = [f"starting one here failed: {type(exc).__name__}: {exc}"[:500]]
        yield None
        return
    try:
        yield resolve_db_url(url)
    finally:
        cluster.stop(folder)


def _admin(server_url: str):
    return create_engine(server_url, isolation_level="AUTOCOMMIT")


def make_template(server_url: str) -> None:
    """Make this run's migrated template database, the tests' databases are copied from."""
    admin = _admin(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
    finally:
        admin.dispose()
    store = open_store(database_url(server_url, TEMPLATE))
    store.close()


def drop_template(server_url: str) -> None:
    admin = _admin(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))
    finally:
        admin.dispose()


def database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _new_identity(url: str) -> None:
    """A copy of the template would share its store id and lineage with every other copy;
    a new store has its own (as the migration gives it: the lineage starts the id)."""
    store_id = new_store_id()
    engine = create_engine(resolve_db_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE store_info SET store_id = :id, lineage = :lineage"),
                         {"id": store_id, "lineage": store_id[:LINEAGE_LENGTH]})
    finally:
        engine.dispose()


@contextmanager
def new_database(server_url: str, *, migrated: bool = True) -> Iterator[str]:
    """A new database for one test (a copy of the migrated template, or empty); dropped after."""
    name = f"syncdesk_test_{secrets.token_hex(6)}"
    admin = _admin(server_url)
    try:
        with admin.connect() as conn:
            template = f' TEMPLATE "{TEMPLATE}"' if migrated else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
        url = database_url(server_url, name)
        if migrated:
            _new_identity(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def copy_store(store_file: Path, target: Path | str) -> None:
    """A template store file's company into a test's store: the file copied (SQLite), or
    its rows into the migrated, empty database at the URL ``target`` (PostgreSQL)."""
    if isinstance(target, Path):
        shutil.copyfile(store_file, target)
        return
    source, written = open_store(f"sqlite:///{store_file}"), open_store(resolve_db_url(target))
    try:
        with source.engine.connect() as rows, written.engine.begin() as into:
            copying.replace_rows(rows, into)
    finally:
        source.close()
        written.close()
