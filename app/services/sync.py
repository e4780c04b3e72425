"""The sync service: sync, dry run, resend, resync failures, exclude and include,
the sync log, status and problem groups."""

from __future__ import annotations

from app.store.database import Store


class SyncService:
    def __init__(self, store: Store) -> None:
        self._store = store
