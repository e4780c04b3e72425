"""The people of a team in a test, signing in to its store on the test's backend (issue 17).

Who acts on a store is the OS user on SQLite (``LOGNAME``, which ``getpass.getuser``
reads first) and the database login on PostgreSQL. ``People`` (the ``people`` fixture of
``tests/conftest.py``) says both in the same words, so a test about roles reads the same
on either backend:

- ``people.login("bob")`` is bob's login: ``bob`` on SQLite; on PostgreSQL a LOGIN role
  made for this test with a team member's grants (``GRANTS``), ``sd_bob_<tag>``: roles
  are the whole server's and the tests run in parallel processes against one, so each
  test's are its own. A test that reads names in messages uses these.
- ``people.sign_in("bob")`` makes bob the acting user and returns the store's ``--db``
  address as bob: the same file with ``LOGNAME=bob`` (SQLite), the database's URL with
  bob's login (PostgreSQL).
- ``people.address("bob")`` is that address without signing in (on SQLite, everyone's is
  the one file: who acts is whoever is signed in).
- ``people.services("bob")`` signs in as bob and returns services acting as bob. On
  SQLite the OS user is the process's, so whoever signed in last acts, through any
  services: a test signs in right before acting as someone.

Afterwards (PostgreSQL) the company's database is dropped, closing whatever connection is
left (a window's), and then the logins.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.services import Services
from app.store.database import Store, open_store, resolve_db_url

#: What a team member's login needs on the company's database (as the README tells a team).
GRANTS = """
GRANT CONNECT ON DATABASE {db} TO {login};
GRANT USAGE ON SCHEMA public TO {login};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {login};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {login};
"""


def grant_member(owner_url: str, database: str, login: str) -> None:
    """Give ``login`` a team member's grants on ``database`` (as its owner at ``owner_url``)."""
    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        with owner.connect() as connection:
            for grant in GRANTS.format(db=database, login=login).split(";"):
                if grant.strip():
                    connection.execute(text(grant))
    finally:
        owner.dispose()


class People:
    """Signing in as the team's people on the test's store (``db``: as ``--db`` takes it;
    on PostgreSQL the URL of the database's owner). ``server``: the PostgreSQL server's URL,
    None on SQLite."""

    def __init__(self, db: Path | str, monkeypatch: pytest.MonkeyPatch,
                 server: str | None = None) -> None:
        self.db = db
        self._monkeypatch = monkeypatch
        self._server = server
        self._tag = secrets.token_hex(4)
        self._logins: dict[str, str] = {}
        self._stores: dict[str, Store] = {}

    @property
    def on_postgresql(self) -> bool:
        return self._server is not None

    @property
    def _database(self) -> str:
        return make_url(str(self.db)).database or ""

    def login(self, name: str) -> str:
        """``name``'s login (on PostgreSQL made, with a member's grants, when first asked)."""
        if self._server is None:
            return name
        if name not in self._logins:
            login = f"sd_{name}_{self._tag}"
            admin = create_engine(self._server, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as connection:
                    connection.execute(text(f"CREATE ROLE {login} LOGIN"))
            finally:
                admin.dispose()
            self._logins[name] = login
            grant_member(str(self.db), self._database, login)
        return self._logins[name]

    def logins(self, *names: str) -> tuple[str, ...]:
        return tuple(self.login(name) for name in names)

    def address(self, name: str) -> str:
        """The store as ``--db`` takes it, for ``name`` (signing nobody in)."""
        if self._server is None:
            return str(self.db)
        url = make_url(str(self.db)).set(username=self.login(name), password=None)
        return url.render_as_string(hide_password=False)

    def sign_in(self, name: str) -> str:
        """Make ``name`` the acting user; the store's ``--db`` address as them."""
        if self._server is None:
            self._monkeypatch.setenv("LOGNAME", name)
        return self.address(name)

    def store(self, name: str) -> Store:
        """The store opened as ``name`` (signed in; one per address, closed afterwards)."""
        address = self.sign_in(name)
        if address not in self._stores:
            self._stores[address] = open_store(resolve_db_url(address))
        return self._stores[address]

    def services(self, name: str) -> Services:
        """Services acting as ``name`` (signed in)."""
        return Services.for_store(self.store(name))

    def close_stores(self) -> None:
        """Close the stores ``store`` and ``services`` opened (asked again, they reopen)."""
        for store in self._stores.values():
            store.close()
        self._stores.clear()

    def close(self) -> None:
        """Close the stores opened; on PostgreSQL drop the database, then the logins."""
        self.close_stores()
        if self._server is None:
            return
        admin = create_engine(self._server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(
                    f'DROP DATABASE IF EXISTS "{self._database}" WITH (FORCE)'))
                for login in self._logins.values():
                    connection.execute(text(f"DROP ROLE IF EXISTS {login}"))
        finally:
            admin.dispose()
