"""What the sync needs to send each document exactly once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

- QuickBooks' line ids, so a Bill can link to its PO's lines and an update
  keeps each line (and its links) instead of replacing them;
- the request id of an attempt in flight, so a restarted sync looks for the
  object that attempt may have created before it creates anything;
- the attempt counter and the time of the next automatic retry.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("po_line", "invoice_line"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("qbo_line_id", sa.String(), nullable=True))
    for table in ("purchase_order", "invoice"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("pending_request_id", sa.String(), nullable=True))
            batch.add_column(sa.Column("attempt", sa.Integer(), nullable=False,
                                       server_default="0"))
            batch.add_column(sa.Column("auto_retries", sa.Integer(), nullable=False,
                                       server_default="0"))
            batch.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in ("purchase_order", "invoice"):
        with op.batch_alter_table(table) as batch:
            for column in ("next_attempt_at", "auto_retries", "attempt", "pending_request_id"):
                batch.drop_column(column)
    for table in ("po_line", "invoice_line"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("qbo_line_id")
