"""What ``--db`` accepts: a file, or a team store's address however PostgreSQL users spell
it; an address written wrong (a slash or the colon missing, a port that is not a number,
no database) is refused in plain words, never taken for a file name, and never repeats a
password."""

from __future__ import annotations

import pytest

from app.errors import UserError
from app.store.database import resolve_db_url, shown
from app.store.postgres import address_problem


@pytest.mark.parametrize("given", ["postgresql://ann@db/books", "postgres://ann@db/books",
                                   "postgresql+psycopg2://ann@db/books",
                                   "PostgreSQL://ann@db/books"])
def test_every_postgresql_spelling_goes_through_the_driver_syncdesk_ships(given):
    assert resolve_db_url(given) == "postgresql+psycopg://ann@db/books"


@pytest.mark.parametrize("given, words", [
    ("postgresql:/ann:Sekrit-97@db/books", "written wrong"),
    ("postgresql:ann:Sekrit-97@db/books", "written wrong"),
    ("postgresql//ann:Sekrit-97@db/books", "written wrong"),  # the colon missing
    ("postgresql://ann:Sekrit-97@db:5432books", "port"),
    ("postgresql://ann:Sekrit-97@db:5432/", "names no database"),
])
def test_an_address_written_wrong_is_refused_not_made_a_file(given, words, tmp_path,
                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match=words) as refused:
        resolve_db_url(given)
    assert "Sekrit-97" not in str(refused.value) and "ann" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_named_postgresql_is_a_folder():
    assert resolve_db_url("postgresql/books.db").startswith("sqlite:///")


@pytest.mark.parametrize("given", ["postgresql//ann:Sekrit-97@db/books",
                                   "postgresql://ann:Sekrit-97@db:54x/books", "books"])
def test_the_window_says_what_is_wrong_with_an_address_without_its_password(given):
    problem = address_problem(given)
    assert problem is not None and "postgresql://" in problem and "Sekrit-97" not in problem


def test_a_windows_drive_is_a_path(tmp_path):
    assert resolve_db_url("C:/books/company.db").startswith("sqlite:///")


def test_an_address_is_shown_as_people_write_it_without_its_password():
    assert shown("postgresql+psycopg://ann:pw@db:5432/books") == \
        "postgresql://ann:***@db:5432/books"


def test_a_file_name_with_a_colon_is_a_file():
    assert resolve_db_url("notes:2026.db").startswith("sqlite:///")


def test_a_missing_password_is_a_login_problem_not_an_unreachable_server():
    """What libpq says when the server asks for a password and ~/.pgpass has none."""
    import psycopg

    from app.store.postgres import store_error

    said = psycopg.OperationalError('connection to server at "127.0.0.1", port 5432 '
                                    "failed: fe_sendauth: no password supplied")
    error = store_error(said, "postgresql+psycopg://ann@db:5432/books")
    assert error is not None
    words = str(error)
    assert "password" in words and "ann" in words and ".pgpass" in words
    assert "cannot reach" not in words
