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


#: What a restore over a team store keeps as the store has it now, when it has any: the
#: team's QuickBooks connection (Intuit rotates refresh tokens, so a backup's are dead and
#: putting them back would sign the whole team out) and the team's members and roles
#: (who may open the company is not set back to who could then).
KEPT_ON_RESTORE = ("qbo_connection", "team_user")


def company_tables(skip: frozenset[str] = frozenset()) -> list[Table]:
    """The company's tables (less ``skip``), parents before children."""
    return [t for t in SQLModel.metadata.sorted_tables
            if t.name not in NOT_COPIED and t.name not in skip]


def count_rows(source: Connection, skip: frozenset[str] = frozenset()) -> int:
    return sum(source.execute(select(func.count()).select_from(t)).scalar_one()
               for t in company_tables(skip))


def tables_with_rows(conn: Connection, names: tuple[str, ...]) -> frozenset[str]:
    """Which of the tables ``names`` hold at least one row."""
    tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
    return frozenset(name for name in names if conn.execute(
        select(func.count()).select_from(tables[name])).scalar_one())


def replace_rows(source: Connection, target: Connection, *, step: Step | None = None,
                 cancel: threading.Event | None = None,
                 keep: frozenset[str] = frozenset()) -> int:
    """Make ``target``'s company tables hold exactly ``source``'s rows, but for the tables
    in ``keep``, which stay as ``target`` has them; returns how many rows were copied.

    Runs in the callers' transactions (the target's is rolled back by the caller on any
    error, ``Cancelled`` included).
    """
    tables = company_tables(keep)
    total = count_rows(source, keep)
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
