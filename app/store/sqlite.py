"""Everything SQLite-specific lives here, so the store stays portable to PostgreSQL.

- connection pragmas: WAL journal, foreign keys, a busy timeout;
- consistent copies through SQLite's online backup API (backups, restores,
  the automatic copy before a schema migration).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for an in-memory database)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def install_pragmas(engine: Engine) -> None:
    """Set the pragmas SyncDesk relies on, on every new connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            # A read-only file still in another journal mode can be read as it is;
            # a write (and the write probe of writing commands) reports it.
            if not getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
                raise
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of ``source`` into ``target``, safe while others write to it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def has_table(path: Path, name: str) -> bool:
    """Whether the SQLite file at ``path`` has a table called ``name``."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
        ).fetchone()
        return row is not None
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()


def is_intact(path: Path) -> bool:
    """Whether SQLite's quick check finds the file at ``path`` a sound database."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return con.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    except sqlite3.Error:
        return False
    finally:
        con.close()
