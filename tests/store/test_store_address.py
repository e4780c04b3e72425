"""What ``--db`` accepts: a file, or a team store's address however PostgreSQL users spell
it; an address with a slash missing is refused rather than taken for a file name."""

from __future__ import annotations

import pytest

from app.errors import UserError
from app.store.database import resolve_db_url, shown


@pytest.mark.parametrize("given", ["postgresql://ann@db/books", "postgres://ann@db/books",
                                   "postgresql+psycopg2://ann@db/books"])
def test_every_postgresql_spelling_goes_through_the_driver_syncdesk_ships(given):
    assert resolve_db_url(given) == "postgresql+psycopg://ann@db/books"


@pytest.mark.parametrize("given", ["postgresql:/ann@db/books", "postgresql:ann@db/books"])
def test_an_address_with_a_slash_missing_is_refused_not_made_a_file(given, tmp_path,
                                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match="slash missing"):
        resolve_db_url(given)
    assert list(tmp_path.iterdir()) == []


def test_a_windows_drive_is_a_path(tmp_path):
    assert resolve_db_url("C:/books/company.db").startswith("sqlite:///")


def test_an_address_is_shown_as_people_write_it_without_its_password():
    assert shown("postgresql+psycopg://ann:pw@db:5432/books") == \
        "postgresql://ann:***@db:5432/books"


def test_a_file_name_with_a_colon_is_a_file():
    assert resolve_db_url("notes:2026.db").startswith("sqlite:///")
