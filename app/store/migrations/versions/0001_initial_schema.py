"""Initial schema: suppliers, chart of accounts, items, POs, invoices, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Migrations use plain SQL types (money as scaled BIGINT, timestamps as naive
UTC DATETIME) so they never change when the Python column types evolve.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _sync_columns() -> list[sa.Column]:
    return [
        sa.Column("sync_state", sa.String(), nullable=False),
        sa.Column("problem", sa.String(), nullable=True),
        sa.Column("qbo_id", sa.String(), nullable=True),
        sa.Column("qbo_sync_token", sa.String(), nullable=True),
        sa.Column("qbo_status", sa.String(), nullable=True),
        sa.Column("last_error_code", sa.String(), nullable=True),
        sa.Column("last_error_message", sa.String(), nullable=True),
        sa.Column("last_error_detail", sa.JSON(), nullable=True),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
        sa.Column("queued_at", sa.DateTime(), nullable=True),
        sa.Column("excluded_reason", sa.String(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
    ]


def _line_columns() -> list[sa.Column]:
    return [
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), nullable=True),
        sa.Column("qty", sa.BigInteger(), nullable=True),
        sa.Column("unit_price", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
    ]


def _index(table: str, *columns: str, unique: bool = False) -> None:
    op.create_index(f"ix_{table}_{columns[0]}", table, list(columns), unique=unique)


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("account_type", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("qbo_id", sa.String(), nullable=True),
    )
    _index("account", "name", unique=True)
    op.create_table(
        "supplier",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("qbo_vendor_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    _index("supplier", "name", unique=True)
    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column(
            "expense_account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=True
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("qbo_id", sa.String(), nullable=True),
    )
    _index("item", "name", unique=True)
    op.create_table(
        "purchase_order",
        *_sync_columns(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), sa.ForeignKey("supplier.id"), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("po_date", sa.Date(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("txn_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("memo", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    _index("purchase_order", "number", unique=True)
    for column in ("problem", "status", "supplier_id", "sync_state", "txn_date"):
        _index("purchase_order", column)
    op.create_table(
        "po_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("po_id", sa.Integer(), sa.ForeignKey("purchase_order.id"), nullable=False),
        *_line_columns(),
    )
    _index("po_line", "po_id")
    op.create_table(
        "invoice",
        *_sync_columns(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), sa.ForeignKey("supplier.id"), nullable=False),
        sa.Column("po_id", sa.Integer(), sa.ForeignKey("purchase_order.id"), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("memo", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    _index("invoice", "number", unique=True)
    for column in ("issue_date", "po_id", "problem", "reference", "status", "supplier_id",
                   "sync_state"):
        _index("invoice", column)
    op.create_table(
        "invoice_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoice.id"), nullable=False),
        sa.Column("po_line_id", sa.Integer(), sa.ForeignKey("po_line.id"), nullable=True),
        *_line_columns(),
    )
    _index("invoice_line", "invoice_id")
    op.create_table(
        "setting",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    for table in ("setting", "invoice_line", "invoice", "po_line", "purchase_order", "item",
                  "supplier", "account"):
        op.drop_table(table)
