"""The store's lineage: SyncDesk's marker names the store, not only the document.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

- ``store_info.lineage``: a short random id that every object the store creates
  in QuickBooks carries in its marker (``SyncDesk PO-1049 ·k3f9a2``), kept by
  backups and restores (unlike ``store_id``, which a restore renews). An
  existing store takes the first six digits of its store id, so that a backup
  made before this upgrade and restored later upgrades to the same lineage.
- ``legacy_markers``: the store synced before this upgrade, so its objects
  carry the bare marker (``SyncDesk PO-1049``); it is accepted for objects
  whose id the store holds, and for the creates in flight at the upgrade, whose
  request ids are kept in ``legacy_requests``.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LINEAGE_LENGTH = 6


def upgrade() -> None:
    with op.batch_alter_table("store_info") as batch:
        batch.add_column(sa.Column("lineage", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("legacy_markers", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("legacy_requests", sa.JSON(), nullable=True))
    connection = op.get_bind()
    pending: list[str] = []
    synced = False
    for table in ("purchase_order", "invoice"):
        pending += [row[0] for row in connection.execute(sa.text(
            f"SELECT pending_request_id FROM {table} WHERE pending_request_id IS NOT NULL "
            "ORDER BY id"))]
        synced = synced or connection.execute(sa.text(
            f"SELECT 1 FROM {table} WHERE qbo_id IS NOT NULL LIMIT 1")).first() is not None
    for row_id, store_id in connection.execute(sa.text("SELECT id, store_id FROM store_info")
                                               ).all():
        connection.execute(sa.text(
            "UPDATE store_info SET lineage = :lineage, legacy_markers = :legacy, "
            "legacy_requests = :requests WHERE id = :id"),
            {"lineage": store_id[:LINEAGE_LENGTH], "legacy": bool(synced or pending),
             "requests": json.dumps(pending) if pending else None, "id": row_id})


def downgrade() -> None:
    with op.batch_alter_table("store_info") as batch:
        batch.drop_column("legacy_requests")
        batch.drop_column("legacy_markers")
        batch.drop_column("lineage")
