"""A team store's shared QuickBooks connection, sealed with the company key.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-12

On a PostgreSQL (team) store every member uses one QuickBooks connection, so its
tokens and the Intuit app's client secret live in the store, never in plain text:

- ``qbo_connection.shared_key_id``: which company key seals them (not secret; the
  key itself is only in each member's keychain);
- ``qbo_connection.shared_tokens``: the tokens, AES-GCM sealed with that key;
- ``qbo_connection.shared_client_secret``: the client secret, sealed the same way.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ("shared_key_id", "shared_tokens", "shared_client_secret")


def upgrade() -> None:
    op.add_column("qbo_connection", sa.Column("shared_key_id", sa.String(64), nullable=True))
    op.add_column("qbo_connection", sa.Column("shared_tokens", sa.Text(), nullable=True))
    op.add_column("qbo_connection", sa.Column("shared_client_secret", sa.Text(),
                                              nullable=True))


def downgrade() -> None:
    # SQLite drops the columns in place (3.35+), as 0012 does.
    connection = op.get_bind()
    for column in reversed(COLUMNS):
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"ALTER TABLE qbo_connection DROP COLUMN {column}")
        else:
            op.drop_column("qbo_connection", column)
