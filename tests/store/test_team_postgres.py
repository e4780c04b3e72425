"""Team mode on PostgreSQL (issue 17): each bookkeeper signs in to the database with a
login of their own; SyncDesk knows them by it, their role follows it, and the history
records it. Also 0013 up and down on PostgreSQL.

Needs the tests' PostgreSQL server (``tests/postgres.py``: skipped without one, except
under CI). The test makes its own database and two logins, and drops them afterwards.

What a team member's login needs on the company's database (``GRANTS`` of
``tests/team_people.py``): ``CONNECT`` on the database, ``USAGE`` on its schema,
``SELECT, INSERT, UPDATE, DELETE`` on its tables and ``USAGE, SELECT, UPDATE`` on its
sequences (``UPDATE``: for restores). Creating the store and upgrading its schema needs
the owner (or a superuser).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.domain.roles import Role
from app.domain.states import DocKind, PoStatus
from app.errors import NotAllowed
from app.services import Services
from app.store.database import alembic_config, open_store, upgrade
from tests.conftest import need_postgres
from tests.sync.conftest import make_po
from tests.team_people import grant_member

SERVER = ""  # the tests' server, set by the ``company`` fixture


@pytest.fixture(autouse=True)
def _server(request: pytest.FixtureRequest) -> None:
    global SERVER
    SERVER = need_postgres(request)


def _url(database: str, login: str | None = None) -> str:
    url = make_url(SERVER).set(drivername="postgresql+psycopg", database=database)
    if login is not None:
        url = url.set(username=login, password=None)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def company() -> Iterator[tuple[str, str, str]]:
    """A new company database (schema at head) and two logins with a member's grants:
    (database, ann's login, bob's login)."""
    tag = secrets.token_hex(4)
    database, ann, bob = f"sd_team_{tag}", f"sd_ann_{tag}", f"sd_bob_{tag}"
    admin = create_engine(_url(make_url(SERVER).database or "postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {database}"))
        for login in (ann, bob):
            connection.execute(text(f"CREATE ROLE {login} LOGIN"))
    try:
        store = open_store(_url(database))  # the owner makes the schema
        store.close()
        for login in (ann, bob):
            grant_member(_url(database), database, login)
        yield database, ann, bob
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            for login in (ann, bob):
                connection.execute(text(f"DROP ROLE IF EXISTS {login}"))
        admin.dispose()


def test_two_logins_are_two_users_and_the_history_names_each(company):
    database, ann, bob = company
    ann_store, bob_store = open_store(_url(database, ann)), open_store(_url(database, bob))
    try:
        as_ann, as_bob = Services.for_store(ann_store), Services.for_store(bob_store)
        assert as_ann.team.login == ann and as_bob.team.login == bob
        as_ann.company.init()
        as_ann.documents.create_supplier({"name": "Acme Supply"})
        as_ann.team.add(bob, Role.STANDARD, "Bob")
        assert {m.login: m.role for m in as_bob.team.members()} == {
            ann: Role.ADMIN, bob: Role.STANDARD}
        assert as_bob.permissions().role is Role.STANDARD

        make_po(ann_store, "PO-1", status=PoStatus.PENDING)
        as_bob.documents.edit(DocKind.PO, "PO-1", {"memo": "for the shop"})
        with pytest.raises(NotAllowed, match=f"signed in as {bob} \\(standard user\\)"):
            as_bob.documents.override("PO-1")
        with pytest.raises(NotAllowed, match="change the company settings"):
            as_bob.settings.set("auto_sync_minutes", 5)
        as_ann.documents.override("PO-1")
        as_ann.settings.set("auto_sync_minutes", 5)

        history = [(e.actor, e.action) for e in as_ann.documents.history(DocKind.PO, "PO-1")]
        assert (bob, "edited") in history
        assert (ann, "approval_override") in history
        assert {actor for actor, _ in history} <= {"ann", ann, bob}  # make_po writes "ann"
    finally:
        ann_store.close()
        bob_store.close()


def test_0013_goes_down_and_up_again_on_postgresql(company):
    database, _, _ = company
    engine = create_engine(_url(database))
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0012")
        assert "team_user" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert "team_user" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_command_line_refuses_by_the_database_login(company, cli):
    """bob signs in to PostgreSQL as himself: the command line knows him and refuses him
    an admin's work and the approval override; ann's login may do both."""
    database, ann, bob = company
    as_ann, as_bob = _url(database, ann), _url(database, bob)
    assert cli("--db", as_ann, "init").code == 0  # the default accounts
    assert cli("--db", as_ann, "users", "add", bob, "--role", "standard").code == 0
    make_store = open_store(as_ann)
    try:
        Services.for_store(make_store).documents.create_supplier({"name": "Acme Supply"})
        make_po(make_store, "PO-1", status=PoStatus.PENDING)
    finally:
        make_store.close()
    listing = cli("--db", as_bob, "users")
    assert listing.code == 0 and f"signed in as {bob}" in listing.out
    refused = cli("--db", as_bob, "settings", "--set", "auto_sync_minutes=5")
    assert refused.code == 1 and f"signed in as {bob} (standard user)" in refused.err
    override = cli("--db", as_bob, "override", "po", "PO-1")
    assert override.code == 1 and "finance user or a company admin" in override.err
    assert cli("--db", as_ann, "override", "po", "PO-1").code == 0
    history = cli("--db", as_ann, "history", "po", "PO-1")
    assert ann in history.out


def test_a_company_admin_restores_with_a_members_grants(company, cli, tmp_path):
    """The grants the README gives the team are enough for its company admin to back the
    company up and restore it; a standard user may do neither."""
    database, ann, bob = company
    as_ann, as_bob = _url(database, ann), _url(database, bob)
    assert cli("--db", as_ann, "init").code == 0
    assert cli("--db", as_ann, "users", "add", bob, "--role", "standard").code == 0
    backup = tmp_path / "team.db"
    assert cli("--db", as_ann, "backup", backup).code == 0
    assert cli("--db", as_bob, "restore", backup).code == 1
    restored = cli("--db", as_ann, "restore", backup)
    assert restored.code == 0, restored.err
    assert ann in cli("--db", as_ann, "users").out
