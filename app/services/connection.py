"""The connection service: connect, disconnect, health."""

from __future__ import annotations

from app.store.database import Store


class ConnectionService:
    def __init__(self, store: Store) -> None:
        self._store = store
