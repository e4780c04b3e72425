"""The store's own identity, the company it belongs to, and one sync at a time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

- ``store_info``: a random id per store (in every request id the sync sends,
  so two stores on one company never share one) and the QuickBooks company the
  store belongs to (realm, name, creation time); an existing connection binds
  the store to its company;
- ``sync_lock``: the one sync running on this store (holder, lease);
- ``pending_revision`` on POs and invoices: the revision an in-flight create
  sent (read from the old request ids, ``sd-po-7-r3-a0``).
"""

import re
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    info = op.create_table(
        "store_info",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("store_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("realm_id", sa.String(), nullable=True),
        sa.Column("environment", sa.String(), nullable=True),
        sa.Column("company_name", sa.String(), nullable=True),
        sa.Column("company_created", sa.String(), nullable=True),
        sa.Column("bound_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "sync_lock",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    for table in ("purchase_order", "invoice"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("pending_revision", sa.Integer(), nullable=True))

    connection = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    bound = connection.execute(sa.text(
        "SELECT realm_id, environment, company_name FROM qbo_connection ORDER BY id LIMIT 1"
    )).first()
    op.bulk_insert(info, [{
        "id": 1, "store_id": secrets.token_hex(4), "created_at": now,
        "realm_id": bound[0] if bound else None, "environment": bound[1] if bound else None,
        "company_name": bound[2] if bound else None, "company_created": None,
        "bound_at": now if bound else None}])
    for table in ("purchase_order", "invoice"):
        rows = connection.execute(sa.text(
            f"SELECT id, pending_request_id FROM {table} WHERE pending_request_id IS NOT NULL"
        )).all()
        for row_id, request_id in rows:
            found = re.search(r"-r(\d+)-", request_id)
            if found:
                connection.execute(sa.text(
                    f"UPDATE {table} SET pending_revision = :rev WHERE id = :id"),
                    {"rev": int(found.group(1)), "id": row_id})


def downgrade() -> None:
    for table in ("purchase_order", "invoice"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("pending_revision")
    op.drop_table("sync_lock")
    op.drop_table("store_info")
