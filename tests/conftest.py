"""Shared test setup: Qt offscreen, and no test ever touches the user's real store."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.cli import main
from app.operations.company import ensure_default_accounts
from app.store.database import Store, open_store
from app.store.models import Supplier


@pytest.fixture(autouse=True)
def _isolated_store_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the default store and the OS data folders into the test's own folder."""
    monkeypatch.setenv("SYNCDESK_DB", str(tmp_path / "default-store.db"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # the log file
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def _no_log_handlers_left_behind() -> Iterator[None]:
    """A test that configured SyncDesk's logging (the CLI, a window) leaves no handler
    writing to its temporary log file or to the stderr pytest captured for it."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "syncdesk", False)]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "company.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """A new store with the default chart of accounts and two suppliers."""
    opened = open_store(f"sqlite:///{db_path}")
    with opened.session() as session:
        ensure_default_accounts(session)
        session.add(Supplier(name="Acme Supply"))
        session.add(Supplier(name="O'Brien & Sons"))
    yield opened
    opened.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``syncdesk ARGS`` in-process; returns its exit code, stdout and stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
