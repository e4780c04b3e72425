"""Opening a company store: where it lives, schema migrations, sessions.

One store is one company. ``open_store`` upgrades an older database in place
(after a backup copy) and refuses files that are not SyncDesk stores.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from app import jsonexact
from app.errors import UserError
from app.store import sqlite
from app.store.types import utcnow

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
APP_NAME = "SyncDesk"


def default_db_path() -> Path:
    """The store in the OS user data folder (e.g. ~/.local/share/SyncDesk on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "syncdesk.db"


def resolve_db_url(value: str | None) -> str:
    """``--db`` as given, else ``$SYNCDESK_DB``, else the default; paths become SQLite URLs."""
    chosen = value or os.environ.get("SYNCDESK_DB") or str(default_db_path())
    if "://" in chosen:
        return chosen
    return f"sqlite:///{Path(chosen).expanduser().resolve()}"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def known_revisions() -> set[str]:
    """Every schema revision this SyncDesk knows how to open."""
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@dataclass
class Store:
    """An open company store."""

    url: str
    engine: Engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is one transaction: committed at the end, rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @property
    def path(self) -> Path | None:
        return sqlite.sqlite_path(self.url) if sqlite.is_sqlite(self.url) else None

    def close(self) -> None:
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    engine = create_engine(url, json_serializer=jsonexact.dumps_lenient,
                           json_deserializer=jsonexact.loads)
    if sqlite.is_sqlite(url):
        sqlite.install_pragmas(engine)
    return engine


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on ``engine`` in one transaction."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_store(url: str, *, create: bool = True) -> Store:
    """Open (and if needed create or upgrade) the store at ``url``.

    With ``create=False`` a missing SQLite file is an error rather than a new store.
    """
    path = sqlite.sqlite_path(url) if sqlite.is_sqlite(url) else None
    if path is not None:
        if not path.exists() and not create:
            raise UserError(f"there is no SyncDesk store at {path}; run `syncdesk init` first")
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
        tables = inspect(engine).get_table_names()
    except DatabaseError as exc:
        engine.dispose()
        raise UserError(f"{path or url} is not a SyncDesk store (not a readable database)") from exc
    if revision is None and tables:
        engine.dispose()
        raise UserError(f"{path or url} is not a SyncDesk store (it has other tables)")
    head = head_revision()
    if revision != head:
        if revision is not None and path is not None:
            backup = backup_before_migration(path, revision)
            log.warning("upgrading the store's schema; a copy was kept at %s", backup)
        upgrade(engine)
    return Store(url=url, engine=engine)


def backup_before_migration(path: Path, revision: str) -> Path:
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.before-{revision}-{stamp}.bak")
    sqlite.copy_database(path, target)
    return target
