"""Which keychain holds the connection's Intuit secrets.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

``os`` (the OS keychain) unless the user opted in to a passphrase-protected
encrypted file on a machine without one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("qbo_connection") as batch:
        batch.add_column(sa.Column("keychain", sa.String(), nullable=False,
                                   server_default="os"))


def downgrade() -> None:
    with op.batch_alter_table("qbo_connection") as batch:
        batch.drop_column("keychain")
