"""The settings service: the company settings."""

from __future__ import annotations

from app.store.database import Store


class SettingsService:
    def __init__(self, store: Store) -> None:
        self._store = store
