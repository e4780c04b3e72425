"""The QuickBooks connection of this company.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Intuit tokens and client secrets are never stored here (they live in the OS
keychain); only a local SyncDesk sandbox's tokens, which are not secrets, are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qbo_connection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("environment", sa.String(), nullable=False),
        sa.Column("base_url", sa.String(), nullable=True),
        sa.Column("api_base", sa.String(), nullable=False),
        sa.Column("realm_id", sa.String(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("company_name", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("connected_at", sa.DateTime(), nullable=False),
        sa.Column("authorization_endpoint", sa.String(), nullable=False),
        sa.Column("token_endpoint", sa.String(), nullable=False),
        sa.Column("revocation_endpoint", sa.String(), nullable=False),
        sa.Column("refresh_expires_at", sa.DateTime(), nullable=True),
        sa.Column("local_tokens", sa.JSON(), nullable=True),
        sa.Column("local_client_secret", sa.String(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("qbo_connection")
