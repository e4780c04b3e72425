"""Services over a real store file and a real sandbox server, without the command line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.services import Services
from app.store.database import Store
from tests.qbo.conftest import memory_keyring, sandbox  # noqa: F401  (fixtures)
from tests.sync.conftest import bill_po, make_po  # noqa: F401  (helpers for arranging data)


@pytest.fixture
def services(store: Store) -> Iterator[Services]:
    """The services of the test's store (created and migrated by the ``store`` fixture)."""
    yield Services.for_store(store)
