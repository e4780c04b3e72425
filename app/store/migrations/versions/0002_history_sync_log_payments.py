"""Document history, the sync log, and the amount paid on invoices.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Documents that existed before this revision get a "created" history event
from their own created_at / created_by, so no document starts with an empty
history.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "history_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("doc_kind", sa.String(), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index("ix_history_event_doc", "history_event", ["doc_kind", "doc_id", "id"])
    op.create_table(
        "sync_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("doc_kind", sa.String(), nullable=True),
        sa.Column("doc_id", sa.Integer(), nullable=True),
        sa.Column("doc_number", sa.String(), nullable=True),
        sa.Column("operation", sa.String(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=True),
        sa.Column("message", sa.String(), nullable=True),
        sa.Column("intuit_tid", sa.String(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index("ix_sync_log_at", "sync_log", ["at"])
    op.create_index("ix_sync_log_doc", "sync_log", ["doc_kind", "doc_id"])
    op.create_index("ix_sync_log_result", "sync_log", ["result"])
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(
            sa.Column("amount_paid", sa.BigInteger(), nullable=False, server_default="0")
        )
    for kind, table in (("po", "purchase_order"), ("invoice", "invoice")):
        op.execute(
            "INSERT INTO history_event (doc_kind, doc_id, at, actor, action, summary) "
            f"SELECT '{kind}', id, created_at, created_by, 'created', "
            f"'Created ' || number FROM {table}"
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice") as batch:
        batch.drop_column("amount_paid")
    op.drop_table("sync_log")
    op.drop_table("history_event")
