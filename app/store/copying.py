"""Copying a whole store's rows from one database to another of the same schema.

This is how a team store on PostgreSQL is backed up and restored: a backup is a SyncDesk
store file (SQLite), the same kind of file a one-person store's backup is, so one backup
format serves both, and a team's backup can be opened, checked or restored anywhere. Rows
go table by table in foreign-key order, a slice at a time, inside the target's one
transaction: a copy that fails or is cancelled leaves the target as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Connection, Integer, Table, delete, func, insert, select, text
from sqlmodel import SQLModel

from app.work import check_cancel

SLICE = 1000  # rows read and written at a time

#: Tables whose rows belong to the running SyncDesks (the sync lock and claims, the request
#: budget), not to the company: never copied.
#: (Alembic's own table is the schema's, which both sides already agree on.)
NOT_COPIED = frozenset({"alembic_version", "sync_lock", "sync_claim", "request_budget",
                        "request_slot"})

Step = Callable[[int, int], None]  # (rows copied, rows in all)


def company_tables() -> list[Table]:
    """The company's tables, parents before children."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in NOT_COPIED]


def count_rows(source: Connection) -> int:
    return sum(source.execute(select(func.count()).select_from(t)).scalar_one()
               for t in company_tables())


def replace_rows(source: Connection, target: Connection, *, step: Step | None = None,
                 cancel: threading.Event | None = None) -> int:
    """Make ``target``'s company tables hold exactly ``source``'s rows; returns how many.

    Runs in the callers' transactions (the target's is rolled back by the caller on any
    error, ``Cancelled`` included).
    """
    tables = company_tables()
    total = count_rows(source)
    for table in reversed(tables):  # children first
        target.execute(delete(table))
    done = 0
    for table in tables:
        order = [c for c in table.primary_key.columns] or list(table.columns)
        # Closed however the copy ends: cut short (a cancel, an error), a PostgreSQL
        # source's server-side cursor would otherwise be left open for the garbage collector.
        with source.execution_options(yield_per=SLICE).execute(
                select(table).order_by(*order)) as result:
            for rows in result.partitions(SLICE):
                check_cancel(cancel)
                target.execute(insert(table), [dict(row._mapping) for row in rows])
                done += len(rows)
                if step is not None:
                    step(done, total)
        _restart_ids(target, table)
    return done


def _restart_ids(target: Connection, table: Table) -> None:
    """On PostgreSQL, move an id sequence past the ids copied in (SQLite needs nothing)."""
    if target.dialect.name != "postgresql":
        return
    for column in table.primary_key.columns:
        if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
            target.execute(text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"),
                {"table": table.name, "column": column.name})
