"""The company service: init, backup, restore (and the store's identity)."""

from __future__ import annotations

from app.store.database import Store


class CompanyService:
    def __init__(self, store: Store) -> None:
        self._store = store
