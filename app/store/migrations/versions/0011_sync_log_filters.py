"""The sync log page filters and pages in SQL, also at 100,000 rows.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

- ``sync_log.problem``: the problem kind of a failed or blocked attempt, until
  now only inside the JSON ``detail`` (``detail.problem.kind``); filled here for
  the rows already there, written with every new row.
- ``ix_sync_log_problem`` and ``ix_sync_log_doc_number``: the filter on one
  problem kind, or on a document number (exact or a prefix, as a range), newest
  first, walks the index (its entries are in row order within one value).
  The date range and the result have had their indexes since 0002.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sync_log", sa.Column("problem", sa.String(), nullable=True))
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            "UPDATE sync_log SET problem = json_extract(detail, '$.problem.kind') "
            "WHERE detail IS NOT NULL AND json_valid(detail) "
            "AND json_type(detail, '$.problem.kind') = 'text'")
    else:
        rows = connection.execute(sa.text(
            "SELECT id, detail FROM sync_log WHERE detail IS NOT NULL")).all()
        for row_id, detail in rows:
            data = json.loads(detail) if isinstance(detail, str) else detail
            kind = ((data or {}).get("problem") or {}).get("kind") if isinstance(
                data, dict) else None
            if kind:
                connection.execute(sa.text("UPDATE sync_log SET problem = :kind WHERE id = :id"),
                                   {"kind": kind, "id": row_id})
    op.create_index("ix_sync_log_problem", "sync_log", ["problem"])
    op.create_index("ix_sync_log_doc_number", "sync_log", ["doc_number"])


def downgrade() -> None:
    op.drop_index("ix_sync_log_doc_number", table_name="sync_log")
    op.drop_index("ix_sync_log_problem", table_name="sync_log")
    with op.batch_alter_table("sync_log") as batch:
        batch.drop_column("problem")
