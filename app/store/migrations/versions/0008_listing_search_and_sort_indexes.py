"""Listings fast enough to filter as the user types.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

- indexes for the sort paths the listing lacked (total, currency) and for the
  sync state paths: ``(sync_state, date)``, so that one state newest first is an
  index walk and counts by state (also for a date range) are index-only; it
  replaces the single-column ``sync_state`` index it starts with;
- on SQLite with FTS5 (3.34 or later), a trigram full-text index per document
  table (``purchase_order_search``: number, supplier; ``invoice_search``:
  number, supplier, reference; rowid = the document's id), kept exact by
  triggers in the writer's own transaction (document insert, update of number,
  reference or supplier, delete; supplier rename), and filled here for the
  rows already there. Without FTS5 (or on another database) nothing is
  created and the listing searches with LIKE.

A later migration that rebuilds ``purchase_order``, ``invoice`` or ``supplier``
(batch mode copies the table) drops these triggers with the old table: it must
create them again (``create_search_triggers``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# table -> (search table, date column, text columns besides the supplier's name)
_DOCS = {
    "purchase_order": ("purchase_order_search", "txn_date", ("number",)),
    "invoice": ("invoice_search", "issue_date", ("number", "reference")),
}


def _has_trigram(connection: sa.Connection) -> bool:
    if connection.dialect.name != "sqlite":
        return False
    try:
        connection.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp._syncdesk_probe USING fts5(x, tokenize='trigram')")
    except sa.exc.DBAPIError:
        return False
    connection.exec_driver_sql("DROP TABLE temp._syncdesk_probe")
    return True


def _supplier_name(row: str) -> str:
    return f"(SELECT name FROM supplier WHERE id = {row}.supplier_id)"


def create_search_triggers(connection: sa.Connection) -> None:
    """The triggers that keep the search tables exact, in the writer's transaction."""
    for table, (search, _date, columns) in _DOCS.items():
        names = ", ".join([*columns, "supplier"])
        new_values = ", ".join([*(f"new.{c}" for c in columns), _supplier_name("new")])
        watched = ", ".join([*columns, "supplier_id"])
        connection.exec_driver_sql(
            f"CREATE TRIGGER {search}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {search} (rowid, {names}) VALUES (new.id, {new_values}); END")
        connection.exec_driver_sql(
            f"CREATE TRIGGER {search}_delete AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM {search} WHERE rowid = old.id; END")
        connection.exec_driver_sql(
            f"CREATE TRIGGER {search}_update AFTER UPDATE OF id, {watched} ON {table} BEGIN "
            f"DELETE FROM {search} WHERE rowid = old.id; "
            f"INSERT INTO {search} (rowid, {names}) VALUES (new.id, {new_values}); END")
    renames = " ".join(
        f"UPDATE {search} SET supplier = new.name "
        f"WHERE rowid IN (SELECT id FROM {table} WHERE supplier_id = new.id);"
        for table, (search, _date, _columns) in _DOCS.items())
    connection.exec_driver_sql(
        f"CREATE TRIGGER supplier_search_rename AFTER UPDATE OF name ON supplier BEGIN "
        f"{renames} END")


def upgrade() -> None:
    for table, (_search, date_column, _columns) in _DOCS.items():
        op.drop_index(f"ix_{table}_sync_state", table_name=table)
        op.create_index(f"ix_{table}_sync_state_date", table, ["sync_state", date_column])
        op.create_index(f"ix_{table}_total", table, ["total"])
        op.create_index(f"ix_{table}_currency", table, ["currency"])

    connection = op.get_bind()
    if not _has_trigram(connection):
        return
    for table, (search, _date, columns) in _DOCS.items():
        names = ", ".join([*columns, "supplier"])
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {search} USING fts5({names}, tokenize='trigram')")
        selected = ", ".join(f"d.{c}" for c in columns)
        connection.exec_driver_sql(
            f"INSERT INTO {search} (rowid, {names}) SELECT d.id, {selected}, s.name "
            f"FROM {table} AS d JOIN supplier AS s ON s.id = d.supplier_id")
    create_search_triggers(connection)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS supplier_search_rename")
        for search, _date, _columns in _DOCS.values():
            for event in ("insert", "delete", "update"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {search}_{event}")
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {search}")
    for table, (_search, _date, _columns) in _DOCS.items():
        op.drop_index(f"ix_{table}_currency", table_name=table)
        op.drop_index(f"ix_{table}_total", table_name=table)
        op.drop_index(f"ix_{table}_sync_state_date", table_name=table)
        op.create_index(f"ix_{table}_sync_state", table, ["sync_state"])
