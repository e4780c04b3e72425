"""The request budget a team store's instances share.

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-12

- ``request_budget``: per company (``environment:realm``), the pause every instance
  keeps after QuickBooks throttled one of them, and the lease on name-list writes.
- ``request_slot``: every request any instance sent in the last window, and the ones
  in flight (with an expiry, so a crashed instance's slots free themselves).

Used on PostgreSQL stores only (one SQLite store is one instance); the tables exist on
both so that the schema is the same.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_budget",
        sa.Column("realm_key", sa.String(), primary_key=True),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.Column("name_list_holder", sa.String(), nullable=True),
        sa.Column("name_list_until", sa.Float(), nullable=True),
    )
    op.create_table(
        "request_slot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("realm_key", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("batch", sa.Boolean(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("ends_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_request_slot_realm_ends", "request_slot", ["realm_key", "ends_at"])


def downgrade() -> None:
    op.drop_index("ix_request_slot_realm_ends", table_name="request_slot")
    op.drop_table("request_slot")
    op.drop_table("request_budget")
