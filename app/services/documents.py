"""The documents service: POs, invoices, suppliers, accounts and items (listing, detail,
history, edits, workflow steps, CSV import)."""

from __future__ import annotations

from app.store.database import Store


class DocumentService:
    def __init__(self, store: Store) -> None:
        self._store = store
