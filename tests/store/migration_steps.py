"""Moving a test's SQLite store to one schema revision or back (the migration tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from app.store.database import alembic_config, make_engine, upgrade


def store_at(path: Path, revision: str) -> None:
    """A new store file at ``path`` with the schema of ``revision``."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, revision)
    engine.dispose()


def downgrade_to(path: Path, revision: str) -> None:
    """The store file at ``path`` migrated back to ``revision``."""
    config = alembic_config()
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    engine.dispose()
