"""The demo company: a store filled with it, its QuickBooks side served in-process, connected.

``syncdesk gui --demo`` and the window's "Open the demo company" use this; the
demo never touches the user's own store (a temporary file unless a new file is
named). Closing the demo stops its sandbox and closes the store.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from app.domain.states import DocKind
from app.errors import UserError
from app.sandbox.server import SandboxServer
from app.services.connection import ConnectOptions
from app.services.opening import Services
from app.store.database import open_store, resolve_db_url
from app.store.postgres import shown
from app.store.sqlite import is_sqlite, sqlite_path
from app.work import OnProgress, check_cancel, report_progress

STEPS = 4


@dataclass
class DemoCompany:
    """An open demo company; ``close`` when done with it."""

    services: Services
    sandbox: SandboxServer
    location: Path | str  # the store file, or a server database's URL
    _temporary: Path | None = field(default=None, repr=False)

    @property
    def sandbox_url(self) -> str:
        return self.sandbox.base_url

    def close(self) -> None:
        self.services.close()
        self.sandbox.stop()
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)


def open_demo(db: str | None = None, *, on_progress: OnProgress | None = None,
              cancel: threading.Event | None = None) -> DemoCompany:
    """A new store filled with the demo company, connected to its sandbox.

    ``db`` names a new (or empty) store: a file, or a database on a PostgreSQL server;
    without it the store is a temporary file, removed when the demo closes. A store
    that already holds documents is refused: the demo company goes only into a store of
    its own.
    """
    temporary = None if db else Path(tempfile.mkdtemp(prefix="syncdesk-demo-"))
    url = resolve_db_url(db or str(temporary / "demo.db"))  # type: ignore[operator]
    path = sqlite_path(url) if is_sqlite(url) else None
    report_progress(on_progress, 0, STEPS, "creating the demo company's store")
    store = open_store(url, create=True, write=True)
    services = Services.for_store(store)
    sandbox: SandboxServer | None = None
    try:
        check_cancel(cancel)
        if any(services.documents.count(kind) for kind in DocKind):
            raise UserError(f"{path or shown(url)} already holds documents; the demo company goes "
                            "into a new store of its own")
        report_progress(on_progress, 1, STEPS, "filling in the demo company")
        services.company.init(demo_company=True)
        check_cancel(cancel)
        report_progress(on_progress, 2, STEPS, "starting the demo company's QuickBooks")
        sandbox = SandboxServer(seed="demo").start()
        check_cancel(cancel)
        report_progress(on_progress, 3, STEPS, "connecting to it")
        services.connection.connect(ConnectOptions("local", sandbox.base_url), cancel=cancel)
        report_progress(on_progress, STEPS, STEPS, "ready")
    except BaseException:
        services.close()
        if sandbox is not None:
            sandbox.stop()
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
        raise
    return DemoCompany(services, sandbox, path or url, temporary)
