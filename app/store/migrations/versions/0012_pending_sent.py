"""What a create of unknown outcome sent, kept with it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

- ``purchase_order.pending_sent`` and ``invoice.pending_sent``: the DocNumber and
  VendorRef a create in flight sent (beside its ``pending_request_id``). A create sent in
  a batch has no request id of its own on the wire, so a retry cannot count on
  QuickBooks replaying its first answer: the next sync looks the document up by what
  was sent, even when the supplier or the bill number was edited in between.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("purchase_order", "invoice"):
        op.add_column(table, sa.Column("pending_sent", sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite drops the column in place (3.35+): a batch copy of these tables would trip
    # over the search triggers and foreign keys that point at them (0008).
    connection = op.get_bind()
    for table in ("purchase_order", "invoice"):
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN pending_sent")
        else:
            op.drop_column(table, "pending_sent")
