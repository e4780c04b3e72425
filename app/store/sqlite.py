"""Everything SQLite-specific lives here, so the store stays portable to PostgreSQL.

- connection pragmas: WAL journal, foreign keys, a busy timeout;
- consistent copies through SQLite's online backup API (backups, restores,
  the automatic copy before a schema migration);
- the listing's free-text index (FTS5 trigram) and planner hints.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op


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


CopyStep = Callable[[int, int], None]  # (pages copied, pages in all) after each step


RESTARTS_ALLOWED = 3  # a step-wise copy that starts over more often goes in one step


class _StartingOver(Exception):
    """The source keeps changing (or looks changed) between steps: copy it in one step."""


def copy_database(source: Path, target: Path, step: CopyStep | None = None,
                  pages: int = -1) -> None:
    """A consistent copy of ``source`` into ``target``, safe while others write to it.

    With ``pages`` > 0 it copies that many pages at a time and calls ``step`` after each;
    an exception raised by ``step`` stops the copy, and SQLite rolls ``target`` back to
    what it held before. SQLite starts a step-wise copy over whenever the source changes
    between steps; when that happens again and again (a busy store, or a read-only one
    whose WAL index SQLite cannot share, which looks changed at every step) the copy is
    made in one step instead, which nothing can interrupt.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if pages > 0:
        try:
            _copy(source, target, step, pages)
            return
        except _StartingOver:
            pass
    _copy(source, target, step, -1)


def _copy(source: Path, target: Path, step: CopyStep | None, pages: int) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    seen = {"last": -1, "restarts": 0}

    def progress(_status: int, remaining: int, total: int) -> None:
        if pages > 0:
            if 0 <= seen["last"] <= remaining:  # no fewer left than before: it started over
                seen["restarts"] += 1
                if seen["restarts"] > RESTARTS_ALLOWED:
                    raise _StartingOver
            seen["last"] = remaining
        if step is not None:
            step(total - remaining, total)

    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=pages,
                       progress=progress if step is not None or pages > 0 else None)
        finally:
            dst.close()
    finally:
        src.close()


def page_count(path: Path) -> int:
    """How many pages the SQLite file at ``path`` holds (what a copy of it goes through);
    for a damaged file, a guess from its size."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(con.execute("PRAGMA page_count").fetchone()[0])
    except sqlite3.DatabaseError:
        return path.stat().st_size // 4096
    finally:
        con.close()


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


# --- free-text search (FTS5 trigram) --------------------------------------------------------
#
# Migration 0008 builds, where SQLite has FTS5 with the trigram tokenizer (3.34 or
# later), one full-text table per document table whose rowid is the document's id
# and whose columns are the texts the listing searches (number, supplier name, and
# an invoice's reference). Triggers keep it exact in the writer's transaction.
# Elsewhere (no FTS5, PostgreSQL) there is no such table and the listing uses LIKE.

SEARCH_TABLES = {"purchase_order": "purchase_order_search", "invoice": "invoice_search"}
MIN_SEARCH_CHARS = 3  # a trigram index finds substrings of three characters or more

_search_tables: weakref.WeakKeyDictionary[Engine, frozenset[str]] = weakref.WeakKeyDictionary()


def is_search_table(name: str) -> bool:
    """Whether ``name`` is a search table or one of FTS5's own tables behind it."""
    return any(name == t or name.startswith(f"{t}_") for t in SEARCH_TABLES.values())


def search_table(engine: Engine, table: str) -> str | None:
    """The full-text table of ``table`` in this store, or None where there is none."""
    if engine.dialect.name != "sqlite":
        return None
    found = _search_tables.get(engine)
    if found is None:
        with engine.connect() as connection:
            names = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'").scalars()
            found = frozenset(n for n in names if n in SEARCH_TABLES.values())
        _search_tables[engine] = found
    name = SEARCH_TABLES.get(table)
    return name if name in found else None


def search_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase: found wherever it occurs as a substring (trigrams)."""
    return '"' + text.replace('"', '""') + '"'


def unindexed(column: Any) -> Any:
    """``column`` as a term checked row by row, never an index to drive the query (``+x``).

    The listing walks the sort column's index and checks each row against the filter;
    unary plus keeps SQLite's planner from driving that query by a filter's index instead.
    """
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)
