"""0015: the shared connection's sealed columns come and go on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from app.store.database import alembic_config, make_engine, resolve_db_url, upgrade
from tests import postgres
from tests.conftest import need_postgres

COLUMNS = {"shared_key_id", "shared_tokens", "shared_client_secret"}


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database (no schema at all) on the test's backend."""
    if backend == "sqlite":
        yield resolve_db_url(str(tmp_path / "empty.db"))
        return
    with postgres.new_database(need_postgres(request), migrated=False) as url:
        yield resolve_db_url(url)


def columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("qbo_connection")}


def test_0015_adds_the_sealed_columns_and_takes_them_away_again(empty_url):
    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0012")
        assert not columns(engine) & COLUMNS
        upgrade(engine, "0015")
        assert columns(engine) >= COLUMNS
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0012")
        assert not columns(engine) & COLUMNS
        upgrade(engine, "0015")
        assert columns(engine) >= COLUMNS
    finally:
        engine.dispose()
