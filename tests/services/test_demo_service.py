"""The demo company service: a store of its own, its sandbox in-process, connected."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import pytest

from app.domain.states import DocKind
from app.errors import UserError
from app.services.demo import open_demo
from app.services.documents_views import ListQuery
from app.services.opening import open_company
from app.store.database import resolve_db_url, shown
from app.work import Cancelled
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)


def test_the_demo_opens_filled_and_connected_and_leaves_nothing_behind():
    demo = open_demo()
    try:
        where = demo.location
        assert where.exists()
        assert demo.services.documents.count(DocKind.PO) > 0
        assert demo.services.connection.health().connected
        blocked = demo.services.documents.list(DocKind.PO, ListQuery(sync_state="blocked"))
        assert blocked == []  # nothing synced yet: the demo's problems show at the first sync
    finally:
        demo.close()
    assert not where.exists()  # a temporary store goes with the demo


def test_a_named_new_store_is_kept(db_path):
    demo = open_demo(str(db_path))
    demo.close()
    if isinstance(db_path, Path):
        assert db_path.exists()
    with open_company(str(db_path)) as services:  # the demo company stays in it
        assert services.documents.count(DocKind.PO) > 0


def test_a_store_with_documents_is_refused(db_path):
    open_demo(str(db_path)).close()
    with pytest.raises(UserError, match="already holds documents") as caught:
        open_demo(str(db_path))
    where = str(db_path) if isinstance(db_path, Path) else shown(resolve_db_url(db_path))
    assert str(caught.value).startswith(f"{where} already holds documents")


def test_a_cancelled_demo_leaves_nothing(tmp_path):
    cancel = threading.Event()
    steps: list[str] = []

    def progress(p):
        steps.append(p.current)
        if p.done == 2:
            cancel.set()

    before = set(Path(tempfile.gettempdir()).glob("syncdesk-demo-*"))
    with pytest.raises(Cancelled):
        open_demo(on_progress=progress, cancel=cancel)
    assert steps[-1] == "starting the demo company's QuickBooks"
    assert set(Path(tempfile.gettempdir()).glob("syncdesk-demo-*")) == before
