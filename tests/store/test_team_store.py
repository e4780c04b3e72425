"""Opening a team store on PostgreSQL: set up on first open (once, however many open it
at the same moment), plain words when the server, the database, the login or its grants
are wrong, and never a password in what SyncDesk says."""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from app.errors import UserError
from app.operations.company import DEFAULT_ACCOUNTS, ensure_default_accounts
from app.store.database import current_revision, head_revision, open_store, resolve_db_url
from app.store.models import Account
from tests import postgres
from tests.conftest import need_postgres


@pytest.fixture
def server(request) -> str:
    return need_postgres(request)


@pytest.fixture
def empty_db(server):
    with postgres.new_database(server, migrated=False) as url:
        yield url


def _as(url: str, user: str, password: str | None = None) -> str:
    return make_url(url).set(username=user, password=password).render_as_string(
        hide_password=False)


def test_postgresql_addresses_get_the_driver_syncdesk_ships():
    assert resolve_db_url("postgresql://ann@db/books") == "postgresql+psycopg://ann@db/books"


def test_a_new_team_store_opened_by_two_at_once_is_set_up_once(empty_db):
    children = [subprocess.Popen([sys.executable, "-m", "app", "--db", empty_db, "init"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    results = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], results
    engine = create_engine(empty_db)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_a_login_that_may_not_make_tables_is_told_to_ask_the_owner(empty_db, server):
    login = f"syncdesk_test_{secrets.token_hex(3)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN"))
    try:
        with pytest.raises(UserError, match="ask the database's owner"):
            open_store(_as(empty_db, login))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE {login}"))
        admin.dispose()


def test_plain_words_for_a_missing_database_login_or_server(server):
    missing = make_url(server).set(database="syncdesk_no_such_db").render_as_string(
        hide_password=False)
    with pytest.raises(UserError, match="there is no database syncdesk_no_such_db") as caught:
        open_store(missing)
    stranger = _as(server, "syncdesk_no_such_login", "hunter2-secret")
    with pytest.raises(UserError, match="refused the login syncdesk_no_such_login") as caught:
        open_store(stranger)
    assert "hunter2-secret" not in str(caught.value)
    nowhere = make_url(server).set(port=1, password="hunter2-secret").render_as_string(
        hide_password=False)
    with pytest.raises(UserError, match="cannot reach the PostgreSQL server") as caught:
        open_store(nowhere)
    assert "hunter2-secret" not in str(caught.value)


def test_the_command_line_never_shows_a_password(server, cli):
    with_password = make_url(server).set(database="syncdesk_no_such_db",
                                         password="hunter2-secret")
    result = cli("--db", with_password.render_as_string(hide_password=False), "status")
    assert result.code != 0
    assert "hunter2-secret" not in result.out + result.err
    assert "there is no database" in result.err


def test_two_first_setups_at_once_fill_the_default_accounts_once(empty_db):
    """The step after the schema: one teammate's setup adds the chart of accounts, the
    other's waits for it to be committed and adds nothing (no duplicate account)."""
    store = open_store(empty_db)
    try:
        with store.session() as first:
            assert ensure_default_accounts(first) > 0  # not committed yet
            outcome: list[int] = []

            def second() -> None:
                with store.session() as session:
                    outcome.append(ensure_default_accounts(session))

            racer = threading.Thread(target=second)
            racer.start()
            racer.join(timeout=1)
            assert racer.is_alive()  # waits for the first setup, rather than racing it
        racer.join(timeout=30)
        assert outcome == [0]
        with store.session() as session:
            names = session.exec(select(Account.name)).all()
        assert len(names) == len(set(names)) == len(DEFAULT_ACCOUNTS)
    finally:
        store.close()
