"""Documents claimed by the sync sending them (team mode: several syncs at once).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10

- ``sync_claim``: one row per document (or supplier) a running sync is working on: the
  holder (its sync's token, host and process id) and when its lease ends. Another sync
  passes a claimed document over; a lease that ran out, or a holder process gone from
  this machine, is taken over (see ``app.store.claims``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_claim",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sync_claim_token", "sync_claim", ["token"])


def downgrade() -> None:
    op.drop_index("ix_sync_claim_token", table_name="sync_claim")
    op.drop_table("sync_claim")
