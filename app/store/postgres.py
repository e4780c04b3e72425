"""What is PostgreSQL-specific about a team store (the counterpart of ``sqlite.py``)."""

from __future__ import annotations

import re

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app.errors import UserError

DRIVER = "psycopg"  # psycopg 3, installed with SyncDesk
_LOOKS_LIKE_PASSWORD = re.compile(r"([^/@:\s]+:)[^/@:\s]+@")


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def parse(url: str) -> URL:
    """A database address, or ``UserError`` in plain words saying what is wrong with it
    (never repeating a password)."""
    try:
        return make_url(url)
    except ArgumentError:
        raise UserError(f"{without_password(url)} is not a database address; a team "
                        "company's looks like postgresql://user@server/database") from None
    except ValueError:  # SQLAlchemy reads the port as a number
        raise UserError(f"the port in {without_password(url)} is not a number (an address "
                        "looks like postgresql://user@server:5432/database)") from None


def with_driver(url: str) -> str:
    """``postgresql://…`` as people write it, with the driver SyncDesk ships named; an
    address that names no database is refused in plain words."""
    parsed = parse(url)
    # "postgres://" is a common spelling (any case), and SQLAlchemy's default driver
    # differs by version: every PostgreSQL address goes through the driver SyncDesk ships.
    if parsed.drivername.split("+")[0].lower() in ("postgresql", "postgres"):
        parsed = parsed.set(drivername=f"postgresql+{DRIVER}")
        if not parsed.database:
            raise UserError(f"{without_password(url)} names no database: a team company's "
                            "address ends with its database, as in "
                            "postgresql://user@server/books")
    return parsed.render_as_string(hide_password=False)


def shown(url: str) -> str:
    """The URL as SyncDesk may show it: as people write it (no driver), any password
    replaced by ``***``."""
    shown_url = make_url(url).render_as_string(hide_password=True)
    return shown_url.replace(f"postgresql+{DRIVER}://", "postgresql://", 1)


def without_password(url: str) -> str:
    """``url`` with no password in it (a file's path comes back as it is; an address too
    broken to read has whatever sits between a ``user:`` and an ``@`` masked)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return _LOOKS_LIKE_PASSWORD.sub(r"\1***@", url)
    if not parsed.password:
        return url
    return URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port,
                      parsed.database, parsed.query).render_as_string()


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a team store's address (None when it is one)."""
    try:
        parsed = make_url(address.strip())
    except (ArgumentError, ValueError):
        return ("a team company's address looks like postgresql://user@server/database "
                f"(not {without_password(address.strip()) or 'nothing'})")
    if parsed.drivername.split("+")[0].lower() not in ("postgresql", "postgres"):
        return "a team company's address starts with postgresql://"
    if not parsed.database:
        return "the address names no database (…/database at its end)"
    return None


def _place(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


MIGRATIONS_LOCK = 0x5359_4E43_0001  # pg_advisory_xact_lock key: one schema upgrade at a time


SETUP_LOCK = 0x5359_4E43_0002  # … and one first-time setup (the default accounts)


def lock_for_migrations(connection: Connection) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATIONS_LOCK})


def lock_for_setup(connection: Connection) -> None:
    """Two teammates setting up a new team store at once: one fills it, the other waits
    until that is committed and finds it done."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})


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
    if "no password supplied" in said:
        return UserError(f"{where} asks for a password for the login {login} and none was "
                         "given: put it in your PostgreSQL password file (~/.pgpass; "
                         "%APPDATA%\\postgresql\\pgpass.conf on Windows), or in the "
                         "address. Nothing was changed.")
    if "authentication failed" in said or ("role" in said and "does not exist" in said):
        return UserError(f"{where} refused the login {login} (PostgreSQL says: {said}); "
                         "check the user name and password in the store's address")
    if isinstance(original, psycopg.OperationalError):
        return UserError(f"cannot reach {where} (PostgreSQL says: {said or 'no answer'}); "
                         "check that the server is running and that the address is right. "
                         "Nothing was changed.")
    return None
