"""Alembic migrations of the company store; run through ``app.store.database``."""
