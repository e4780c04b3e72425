"""Who is acting: the login a store knows its user by.

On a PostgreSQL store that is the database login of the connection (``session_user``:
each bookkeeper of a team signs in to the database as themselves); on SQLite, which has
no logins, the OS user. The history records this login, and the team's roles
(``app.operations.team``) are looked up by it.
"""

from __future__ import annotations

import getpass
import weakref

from sqlalchemy import Engine, text

_LOGINS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def current_actor() -> str:
    """The OS user (SQLite stores, and whatever runs without a store)."""
    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        return "unknown"


def engine_login(engine: Engine) -> str:
    """The login of whoever uses ``engine``: the database login where the database has
    logins (PostgreSQL), else the OS user. Asked once per engine (it cannot change)."""
    if engine.dialect.name == "sqlite":
        return current_actor()
    known = _LOGINS.get(engine)
    if known is None:
        with engine.connect() as connection:
            known = str(connection.execute(text("SELECT session_user")).scalar_one())
        _LOGINS[engine] = known
    return known
