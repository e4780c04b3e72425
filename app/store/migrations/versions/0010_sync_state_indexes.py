"""The sort on the QuickBooks column and the filter bar's counts walk indexes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

- ``ix_<table>_sync_state`` on ``sync_state`` alone (for purchase orders and
  invoices): a listing sorted on its sync state, ties in the order the
  documents were made, reads its first page along this index (state, then
  id) instead of sorting every row of the first state. ``(sync_state, date)``
  stays for one state newest first and for the filter bar's counts (also
  within a date range).
- ``ix_<table>_sync_state_status`` and ``ix_<table>_sync_state_supplier``: the
  filter bar counts each state's documents up to a cap; within a status or for
  one supplier, that count reads the index alone, never the rows of the state.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TABLES = ("purchase_order", "invoice")


_INDEXES = {
    "sync_state": ["sync_state"],
    "sync_state_status": ["sync_state", "status"],
    "sync_state_supplier": ["sync_state", "supplier_id"],
}


def upgrade() -> None:
    for table in _TABLES:
        for name, columns in _INDEXES.items():
            op.create_index(f"ix_{table}_{name}", table, columns)


def downgrade() -> None:
    for table in _TABLES:
        for name in _INDEXES:
            op.drop_index(f"ix_{table}_{name}", table_name=table)
