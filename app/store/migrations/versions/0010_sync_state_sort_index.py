"""The sort on the QuickBooks column walks an index.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

- ``ix_<table>_sync_state`` on ``sync_state`` alone (for purchase orders and
  invoices): a listing sorted on its sync state, ties in the order the
  documents were made, reads its first page along this index (state, then
  id) instead of sorting every row of the first state. ``(sync_state, date)``
  stays for one state newest first and for the filter bar's counts.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TABLES = ("purchase_order", "invoice")


def upgrade() -> None:
    for table in _TABLES:
        op.create_index(f"ix_{table}_sync_state", table, ["sync_state"])


def downgrade() -> None:
    for table in _TABLES:
        op.drop_index(f"ix_{table}_sync_state", table_name=table)
