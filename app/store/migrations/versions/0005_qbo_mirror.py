"""A local mirror of QuickBooks' lists, the pull bookmarks, and drift on documents.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

- ``qbo_object``: vendors, customers, employees, accounts, items, terms and
  preferences as QuickBooks last showed them (refreshed by change data capture);
- ``qbo_pull``: per list, when it was last brought up to date ("as of") and
  when it was last loaded in full;
- ``qbo_drift`` on POs and invoices: where a synced document was changed in
  QuickBooks and no longer matches SyncDesk's copy.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qbo_object",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("qbo_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("pulled_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("entity", "qbo_id", name="uq_qbo_object_entity_qbo_id"),
    )
    op.create_index("ix_qbo_object_entity", "qbo_object", ["entity"])
    op.create_table(
        "qbo_pull",
        sa.Column("entity", sa.String(), primary_key=True),
        sa.Column("as_of", sa.DateTime(), nullable=False),
        sa.Column("full_at", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    for table in ("purchase_order", "invoice"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("qbo_drift", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("purchase_order", "invoice"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("qbo_drift")
    op.drop_table("qbo_pull")
    op.drop_table("qbo_object")
