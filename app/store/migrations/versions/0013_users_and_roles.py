"""The team that shares a company, and each member's role.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08

- ``team_user``: one row per member: the login (the PostgreSQL login, or the OS user
  on SQLite; unique), a display name, the role (``admin``, ``finance``, ``standard``),
  when and by whom the member was added. No rows is a one-person store, as every
  store was before (its user is its company admin), so nothing is filled in here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.String(), nullable=False),
        sa.UniqueConstraint("login", name="uq_team_user_login"),
    )


def downgrade() -> None:
    op.drop_table("team_user")
