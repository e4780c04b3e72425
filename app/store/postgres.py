"""What is PostgreSQL-specific about a team store (the counterpart of ``sqlite.py``)."""

from __future__ import annotations

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app.errors import UserError

DRIVER = "psycopg"  # psycopg 3, installed with SyncDesk


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def with_driver(url: str) -> str:
    """``postgresql://…`` as people write it, with the driver SyncDesk ships named."""
    parsed = make_url(url)
    # "postgres://" is a common spelling, and SQLAlchemy's default driver differs by
    # version: every PostgreSQL address goes through the driver SyncDesk ships.
    if parsed.drivername.split("+")[0] in ("postgresql", "postgres"):
        parsed = parsed.set(drivername=f"postgresql+{DRIVER}")
    return parsed.render_as_string(hide_password=False)


def shown(url: str) -> str:
    """The URL as SyncDesk may show it: as people write it (no driver), any password
    replaced by ``***``."""
    shown_url = make_url(url).render_as_string(hide_password=True)
    return shown_url.replace(f"postgresql+{DRIVER}://", "postgresql://", 1)


def without_password(url: str) -> str:
    """``url`` with no password in it (a file's path comes back as it is)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if not parsed.password:
        return url
    return URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port,
                      parsed.database, parsed.query).render_as_string()


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a team store's address (None when it is one)."""
    try:
        parsed = make_url(address.strip())
    except ArgumentError:
        return ("a team company's address looks like postgresql://user@server/database "
                f"(not {address.strip() or 'nothing'})")
    if parsed.get_backend_name() != "postgresql":
        return "a team company's address starts with postgresql://"
    if not parsed.database:
        return "the address names no database (…/database at its end)"
    return None


def _place(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


MIGRATIONS_LOCK = 0x5359_4E43_0001  # pg_advisory_xact_lock key: one schema upgrade at a time


def lock_for_migrations(connection: Connection) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATIONS_LOCK})


def not_allowed(exc: BaseException) -> bool:
    """Whether PostgreSQL refused for lack of a privilege (SQLSTATE 42501)."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None) == "42501"


def store_error(exc: BaseException, url: str) -> UserError | None:
    """Plain words for PostgreSQL refusing the store (server, login, database, grants);
    None when ``exc`` is something else."""
    original = getattr(exc, "orig", exc)
    if not isinstance(original, psycopg.Error):
        return None
    parsed = make_url(url)
    said = str(original).strip().splitlines()[0] if str(original).strip() else ""
    where = f"the PostgreSQL server at {_place(url)}"
    database, login = parsed.database or "?", parsed.username or "(your login)"
    if not_allowed(original):
        return UserError(f"your PostgreSQL login {login} may not use the team store "
                         f"{database} on {where} (PostgreSQL says: {said}); ask the "
                         "team's database administrator to grant it access. Nothing was "
                         "changed.")
    if "does not exist" in said and "database" in said:
        return UserError(f"there is no database {database} on {where}; ask the team's "
                         "database administrator to create it (an empty database: SyncDesk "
                         "sets it up the first time it opens it)")
    if "authentication failed" in said or ("role" in said and "does not exist" in said):
        return UserError(f"{where} refused the login {login} (PostgreSQL says: {said}); "
                         "check the user name and password in the store's address")
    if isinstance(original, psycopg.OperationalError):
        return UserError(f"cannot reach {where} (PostgreSQL says: {said or 'no answer'}); "
                         "check that the server is running and that the address is right. "
                         "Nothing was changed.")
    return None
