"""Alembic environment: always runs on a connection handed over by ``app.store.database``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import app.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite alters tables by copying them; batch mode does that portably.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
