"""The demo company after its first sync, for tests that start from there (the fix
wizards, the window's detail pane, sync log, dashboard).

A sync of the demo takes seconds: it runs once per test process (again only if the day has
changed since, UTC, so that "today" stays the day of its log), and each test gets a copy
on its own backend (a file, or a PostgreSQL database holding the template's rows) with
its own sandbox serving the template's QuickBooks side. ``synced_demo(...)`` is that
copy; open a window on ``demo.location`` and close it before the demo.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import keyring
import pytest
from sqlmodel import select

from app.sandbox.server import SandboxServer
from app.services.demo import DemoCompany, open_demo
from app.services.opening import Services
from app.store.database import open_store, resolve_db_url
from app.store.models import QboConnection
from tests import postgres
from tests.qbo.conftest import MemoryKeyring


@dataclass(frozen=True)
class _Template:
    day: date  # (UTC) when its sync began
    store_file: Path
    qbo_state: dict[str, Any]
    base_url: str
    secrets: dict[tuple[str, str], str]


_TEMPLATE: list[_Template] = []
# Every address of the connection that names its sandbox: the API's, and OAuth's (a
# refresh goes there once the template's access token, an hour old, has expired).
_URL_COLUMNS = ("api_base", "base_url", "authorization_endpoint", "token_endpoint",
                "revocation_endpoint")


def _template(tmp_path_factory: pytest.TempPathFactory) -> _Template:
    today = datetime.now(UTC).date()
    if _TEMPLATE and _TEMPLATE[0].day == today:
        return _TEMPLATE[0]
    _TEMPLATE.clear()
    folder = tmp_path_factory.mktemp("synced-demo")
    backend, previous = MemoryKeyring(), keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        company = open_demo(str(folder / "demo.db"))
        try:
            company.services.sync.run()
            with company.sandbox.company.lock:
                state = copy.deepcopy(company.sandbox.company.to_json())
            base_url = company.sandbox.base_url
        finally:
            company.close()
    finally:
        keyring.set_keyring(previous)
    _TEMPLATE.append(_Template(today, folder / "demo.db", state, base_url,
                               dict(backend.items)))
    return _TEMPLATE[0]


@contextmanager
def synced_demo(db: Path | str, folder: Path, tmp_path_factory: pytest.TempPathFactory,
                secrets: MemoryKeyring, throttle: str | None = None) -> Iterator[DemoCompany]:
    """A copy of the synced demo company in ``db`` (a new file, or the URL of a migrated,
    empty database), its sandbox started (QuickBooks' limits as the demo's, or
    ``throttle``), its connection's secrets put in ``secrets``."""
    template = _template(tmp_path_factory)
    postgres.copy_store(template.store_file, db)
    state_file = folder / "qbo-state.json"
    state_file.write_text(json.dumps(template.qbo_state), encoding="utf-8")
    limits = {} if throttle is None else {"throttle": throttle}
    sandbox = SandboxServer(seed="demo", state_file=state_file, **limits).start()
    sandbox.company.state_file = None  # kept in memory from here on
    secrets.items.update(template.secrets)
    store = open_store(resolve_db_url(str(db)))
    try:
        with store.session() as session:
            for row in session.exec(select(QboConnection)):
                for column in _URL_COLUMNS:  # the template's sandbox is long gone
                    url = getattr(row, column)
                    if url:
                        setattr(row, column, url.replace(template.base_url, sandbox.base_url))
                session.add(row)
    except BaseException:
        store.close()
        sandbox.stop()
        raise
    company = DemoCompany(Services.for_store(store), sandbox, db)
    try:
        yield company
    finally:
        company.close()
