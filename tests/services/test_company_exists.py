"""Whether a company store is there: the window's first run offers a start without one."""

from __future__ import annotations

from pathlib import Path

from app.services.opening import company_exists, open_services


def test_a_missing_store_is_not_there_and_asking_creates_nothing(tmp_path):
    path = tmp_path / "none" / "company.db"
    assert company_exists(str(path)) is False
    assert not path.parent.exists()


def test_a_created_store_is_there(db_path):
    open_services(str(db_path), create=True).close()
    assert company_exists(str(db_path)) is True
    if isinstance(db_path, Path):  # a store file is there by its URL too
        assert company_exists(f"sqlite:///{db_path}") is True


def test_the_environment_names_the_default_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNCDESK_DB", str(tmp_path / "elsewhere.db"))
    assert company_exists(None) is False
