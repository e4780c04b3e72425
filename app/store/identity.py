"""Who a store is: its random id, its lineage, and the QuickBooks company it belongs to
(``StoreInfo``)."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from app.domain.qbo_limits import LINEAGE_LENGTH
from app.store.models import StoreInfo


def new_store_id() -> str:
    """8 random hex digits: short enough for QuickBooks' 50-character request ids
    (see ``app.domain.request_ids``)."""
    return secrets.token_hex(4)


def new_lineage() -> str:
    """A store's lineage: random, made once by ``init`` and kept by backups and restores."""
    return secrets.token_hex(LINEAGE_LENGTH // 2)


def store_info(session: Session) -> StoreInfo:
    """The store's one ``StoreInfo`` row (made here if a store somehow lacks it)."""
    row = session.get(StoreInfo, 1)
    if row is None:
        row = StoreInfo(id=1, store_id=new_store_id(), lineage=new_lineage())
        session.add(row)
        session.flush()
    elif not row.lineage:
        row.lineage = new_lineage()
        session.add(row)
        session.flush()
    return row


def renew_store_id(session: Session) -> str:
    """Give the store a new id (after a restore: the old one's requests were its own)."""
    row = store_info(session)
    row.store_id = new_store_id()
    session.add(row)
    return row.store_id

