"""Listing indexes that end in the id, and PostgreSQL's statistics on states.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02

A listing sorts on a column, ties in the order the documents were made: (column, id).
SQLite's indexes end in the row id by themselves; PostgreSQL's do not, so there the
first page of a listing sorted on status, sync state, date, total, currency or an
invoice's reference sorted every row of a tie. The indexes of those columns become
``(column, id)``, and ``(sync_state, date)`` becomes ``(sync_state, date, id)``, under
the same names (on SQLite the same indexes as before).

PostgreSQL only: statistics of which sync states go with which status and supplier
(``CREATE STATISTICS … (mcv, dependencies)``). A draft is never synced, say; without
them the planner takes status and state as independent, expects many drafts in
QuickBooks, and the filter bar's count of them reads the whole table to find none.
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_INDEXES = {  # table: (column, …) whose index gains the id
    "purchase_order": ("status", "sync_state", "txn_date", "total", "currency"),
    "invoice": ("status", "sync_state", "issue_date", "total", "currency", "reference"),
}
_STATISTICS = {  # the name's end: the columns the planner learns together
    "status_state": ("status", "sync_state"),
    "supplier_state": ("supplier_id", "sync_state"),
}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


_DATES = {"purchase_order": "txn_date", "invoice": "issue_date"}


def _rebuild(with_id: bool) -> None:
    for table, columns in _INDEXES.items():
        for column in columns:
            name = f"ix_{table}_{column}"
            op.drop_index(name, table_name=table)
            op.create_index(name, table, [column, "id"] if with_id else [column])
        # one state newest first (the documents needing attention, state by state)
        name, by_state = f"ix_{table}_sync_state_date", ["sync_state", _DATES[table]]
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [*by_state, "id"] if with_id else by_state)


def upgrade() -> None:
    _rebuild(with_id=True)
    if _postgres():
        for table in _INDEXES:
            for end, columns in _STATISTICS.items():
                op.execute(f"CREATE STATISTICS st_{table}_{end} (mcv, dependencies) "
                           f"ON {', '.join(columns)} FROM {table}")
            op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    if _postgres():
        for table in _INDEXES:
            for end in _STATISTICS:
                op.execute(f"DROP STATISTICS IF EXISTS st_{table}_{end}")
    _rebuild(with_id=False)
