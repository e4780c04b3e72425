"""Insert-or-update for rows other writers may store at the same time (several syncs, or
several SyncDesks sharing one store): the database settles it, never a UNIQUE error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def upsert(session: Session, table: Table, values: dict[str, Any], keys: Sequence[str]) -> None:
    """Store ``values``; when a row with the same ``keys`` exists, update its other columns."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changed)
                    if changed else statement.on_conflict_do_nothing(index_elements=list(keys)))
