"""Opening a company store: where it lives, schema migrations, sessions.

One store is one company. ``open_store`` upgrades an older database in place
(after a backup copy) and refuses files that are not SyncDesk stores.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from app import jsonexact
from app.errors import UserError
from app.hints import Action, Advice, Hint
from app.logs import log_path
from app.store import postgres, sqlite
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
        return postgres.with_driver(chosen)
    if _BROKEN_ADDRESS.match(chosen):  # "postgresql:/ann@db/books": never a file of that name
        raise UserError(f"{postgres.without_password(chosen)} looks like a team company's "
                        "address written wrong: it starts postgresql:// (a colon and two "
                        "slashes); nothing was opened or created")
    return f"sqlite:///{Path(chosen).expanduser().resolve()}"


# a database address's scheme followed by one slash or none, or by two slashes without
# the colon (a file may well be named "notes:2026.db", "C:/books.db" is a Windows path,
# and a folder "postgresql" holding a store is left alone: only "postgresql//" is refused)
_BROKEN_ADDRESS = re.compile(r"^(postgres|postgresql|sqlite)(\+\w+)?(:(/(?!/)|(?!/))|//)",
                             re.IGNORECASE)


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

    @property
    def where(self) -> str:
        """The store as SyncDesk shows it: its file, or its address without a password."""
        return str(self.path) if self.path is not None else shown(self.url)

    def close(self) -> None:
        self.engine.dispose()


def shown(url: str) -> str:
    """``url`` as SyncDesk may show it (in messages, logs, the window): no password."""
    return postgres.shown(url) if postgres.is_postgres(url) else url


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
        if engine.dialect.name == "postgresql":
            # Two teammates opening an older team store at once: one upgrades, the other
            # waits here and then finds nothing left to do.
            postgres.lock_for_migrations(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_store(url: str, *, create: bool = True, write: bool = False) -> Store:
    """Open (and if needed create or upgrade) the store at ``url``.

    With ``create=False`` a missing SQLite file is an error rather than a new store.
    With ``write=True`` the store must take writes: a read-only one is refused here,
    before the caller starts work it could not save. SQLite's own errors (read-only,
    damaged, out of reach) come out as a ``UserError`` saying so in plain words.
    """
    path = sqlite.sqlite_path(url) if sqlite.is_sqlite(url) else None
    if path is not None:
        _check_file(path, create)
    engine = make_engine(url)
    try:
        _open(engine, url, path)
        if write:
            check_writable(engine)
    except DatabaseError as exc:
        engine.dispose()
        plain = store_error(exc, url)
        if plain is None:
            raise
        raise plain from exc
    except BaseException:
        engine.dispose()
        raise
    return Store(url=url, engine=engine)


_LOCATION = Hint.of(Action.STORE_LOCATION)
_SETUP = Hint.of(Action.CREATE_STORE, words="the new-store setup")


def _check_file(path: Path, create: bool) -> None:
    """Refuse what is not a store before SQLite would quietly make one of it."""
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a SyncDesk store; give {{0}} a file name",
                        _LOCATION)
    if path.exists():
        wal = path.with_name(path.name + "-wal")
        if path.stat().st_size == 0 and not (wal.exists() and wal.stat().st_size > 0):
            raise UserError(f"{path} is an empty file, not a SyncDesk store; SyncDesk left it "
                            "as it is. Give {0} another file name, or remove the empty file "
                            "and run `{1}` to create a store there.", _LOCATION, _SETUP)
        return
    if not create:
        raise UserError(f"there is no SyncDesk store at {path}; run `{{0}}` first", _SETUP)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserError(f"cannot create the folder for the store at {path} ({reason}); "
                        "give {0} a path in a folder that exists or can be created",
                        _LOCATION) from None


def _open(engine: Engine, url: str, path: Path | None) -> None:
    """Check the database is a SyncDesk store and bring its schema up to date."""
    where = path or shown(url)
    try:
        revision = current_revision(engine)
        tables = inspect(engine).get_table_names()
    except DatabaseError as exc:
        if store_error(exc, url) is not None:
            raise
        raise UserError(f"{where} is not a SyncDesk store (not a readable database)"
                        ) from exc
    if revision is None and tables:
        raise UserError(f"{where} is not a SyncDesk store (it has other tables)")
    if revision is not None and revision not in known_revisions():
        raise UserError(f"{where} was made by a newer SyncDesk (schema {revision}), "
                        "so this SyncDesk cannot open it and changed nothing; update SyncDesk "
                        "first")
    head = head_revision()
    if revision != head:
        if revision is not None and path is not None:
            backup = backup_before_migration(path, revision)
            log.warning("upgrading the store's schema; a copy was kept at %s", backup)
        elif path is not None:
            log.info("creating a new store at %s", path)
        try:
            upgrade(engine)
        except DatabaseError as exc:
            if postgres.is_postgres(url) and postgres.not_allowed(exc):
                raise UserError(f"the team store {where} needs its tables set up or brought "
                                "up to date by this SyncDesk, and your PostgreSQL login may "
                                "not change them; ask the database's owner to open it once "
                                "with this SyncDesk (see Team mode in the README). Nothing "
                                "was changed.") from exc
            raise


def check_writable(engine: Engine) -> None:
    """Raise the database's own error unless a write to the store would be saved.

    A real write (rewriting the schema version with itself) inside a transaction
    that is rolled back: SQLite opens a file it may not write read-only without
    a word, and only refuses at the first write.
    """
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
        finally:
            transaction.rollback()


def _sqlite_error_name(exc: BaseException) -> str:
    """SQLite's result code name (e.g. ``SQLITE_READONLY``) behind ``exc``, or ''."""
    original = getattr(exc, "orig", exc)
    if isinstance(original, sqlite3.Error):
        return getattr(original, "sqlite_errorname", "") or ""
    return ""


def store_error(exc: BaseException, url: str) -> UserError | None:
    """The plain-words error for a database error that is about the store file itself.

    None when ``exc`` is something else (a bug, a constraint, …).
    """
    if postgres.is_postgres(url):
        return postgres.store_error(exc, url)
    name = _sqlite_error_name(exc)
    path = sqlite.sqlite_path(url) if sqlite.is_sqlite(url) else None
    where = path or url
    if name.startswith("SQLITE_READONLY"):
        return UserError(f"the store at {where} is read-only, so SyncDesk changed nothing. "
                         "Make the file and its folder writable (or copy the store somewhere "
                         "writable and use that) and try again.")
    if name.startswith("SQLITE_CORRUPT"):
        said = damaged(where, path)
        return UserError(said.text, *said.hints)
    if name.startswith("SQLITE_CANTOPEN"):
        folder = path.parent if path is not None else where
        return UserError(f"cannot open the store at {where}: the file or its folder "
                         f"({folder}) is read-only or out of reach, and SyncDesk needs to "
                         "write its working files next to the store. Nothing was changed.")
    if name.startswith("SQLITE_FULL"):
        return UserError(f"the disk that holds the store at {where} is full; SyncDesk saved "
                         "nothing. Free some space and try again.")
    if name == "SQLITE_NOTADB":
        return UserError(f"{where} is not a SyncDesk store (not a readable database)")
    return None


def damaged(where: Path | str, path: Path | None) -> Advice:
    """Say the store is damaged and point to the copies SyncDesk keeps next to it."""
    lines = [f"the store at {where} is damaged (SQLite says: database disk image is "
             "malformed); SyncDesk stopped without changing it."]
    copies = kept_copies(path) if path is not None else []
    sound = [copy for copy in copies if sqlite.is_intact(copy)]
    if sound:
        lines.append("Restore one of the copies SyncDesk kept next to it (newest first) with "
                     "`{0}`:")
        lines += [f"  {copy}" for copy in sound]
    else:
        if len(copies) == 1:
            kept = "The copy SyncDesk kept next to it is damaged too"
        elif copies:
            kept = f"The {len(copies)} copies SyncDesk kept next to it are damaged too"
        else:
            kept = "SyncDesk kept no copy next to it"
        lines.append(f"{kept}. If you keep backups of your own (made with `{{1}}` or copied "
                     "elsewhere), restore the latest with `{0}`; otherwise contact support and "
                     f"send them the log file ({log_path()}).")
    return Advice("\n".join(lines), Hint.of(Action.RESTORE_BACKUP, words="SyncDesk's restore"),
                  Hint.of(Action.MAKE_BACKUP, file="", words="SyncDesk's backup"))


def kept_copies(path: Path) -> list[Path]:
    """The copies SyncDesk made next to the store (before a migration or a restore)."""
    if not path.parent.is_dir():
        return []
    found = path.parent.glob(f"{glob.escape(path.name)}.before-*.bak")
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def backup_before_migration(path: Path, revision: str) -> Path:
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.before-{revision}-{stamp}.bak")
    sqlite.copy_database(path, target)
    return target
