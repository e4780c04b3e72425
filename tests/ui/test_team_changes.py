"""Teammates' changes show in an open window without a restart (issue 17): the window asks
the store every few seconds whether it changed, on a team store as on a store file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app.domain.states import DocKind
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.sync.conftest import make_po
from tests.ui.window_driving import window_on_store
from ui.window import store_label

WAIT = 20_000


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_a_po_a_teammate_adds_appears_in_the_open_window(qtbot, store, db_path, settings,
                                                         memory_keyring):  # noqa: F811
    make_po(store, "PO-1")
    window = window_on_store(qtbot, db_path, settings)
    window.store_poll.setInterval(200)
    model = window.views[DocKind.PO].model
    qtbot.waitUntil(lambda: model.position("PO-1") is not None, timeout=WAIT)
    make_po(store, "PO-2")  # another SyncDesk (here: another connection) adds one
    qtbot.waitUntil(lambda: model.position("PO-2") is not None, timeout=WAIT)
    window.close()


def test_recent_companies_never_keep_a_password(qtbot, store, db_path, settings, backend,
                                                memory_keyring):  # noqa: F811
    window = window_on_store(qtbot, db_path, settings)
    window.remember("postgresql+psycopg://ann:s3cret@books.example.com:5432/company")
    assert "s3cret" not in " ".join(window.recent())
    assert store_label(window.recent()[0]) == "postgresql://ann@books.example.com:5432/company"
    window.close()
