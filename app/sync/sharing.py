"""One sync's part of the work when several syncs of a team store run side by side.

Each document is claimed (``app.store.claims``) before it is prepared or sent; a
document another live sync holds is passed over, kept aside and tried once more at the
end of the run (its holder may have died meanwhile: its claim is then taken over). A
claimed document is read again from the store, and passed over when it is no longer
due: another sync sent it (or just tried it) meanwhile. So no document is sent by two
syncs, and a dead sync's documents are finished by the next one to reach them.

A new vendor is made under a claim of its supplier: a second sync that needs the same
vendor waits for the first, then takes the vendor the first made.

On a SQLite store (one sync at a time) nothing is claimed: ``SharedWork(store, None)``
lets every document through as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlmodel import select

from app.domain.states import DocKind, SyncState
from app.store.claims import Claims, document_key, supplier_key
from app.store.database import Store
from app.store.models import QboObject, Supplier
from app.sync.documents import SyncDoc, is_due, reload
from app.sync.lists import QboLists

#: Seconds a sync waits for another one making the vendor it needs.
VENDOR_WAIT = 30.0


class SharedWork:
    def __init__(self, store: Store, claims: Claims | None) -> None:
        self.store, self.claims = store, claims
        self.elsewhere: dict[str, SyncDoc] = {}  # passed over: another sync holds them
        self.done_elsewhere: list[str] = []  # another sync sent (or tried) them meanwhile
        self._done: set[str] = set()  # … by key
        self._ready: dict[str, SyncDoc] = {}  # claimed ahead, read again, still to go

    @property
    def active(self) -> bool:
        return self.claims is not None

    @property
    def passed(self) -> int:
        """How many documents this run has passed over so far (another sync's)."""
        return len(self.elsewhere) + len(self.done_elsewhere)

    def claim(self, doc: SyncDoc, now: datetime, ahead: list[SyncDoc]) -> SyncDoc | None:
        """``doc`` as it stands now, claimed by this sync; None when it is not this sync's
        to send (another holds it, or it is no longer due). ``ahead`` (``doc`` and those
        after it) are claimed with it, in one go, when ``doc`` is not claimed yet."""
        if self.claims is None:
            return doc
        key = document_key(doc.kind, doc.id)
        if not self._seen(key):
            self._claim_ahead([d for d in ahead if not self._seen(document_key(d.kind, d.id))],
                              now)
        return self._ready.pop(key, None)

    def _seen(self, key: str) -> bool:
        """Whether this run claimed ``key`` already, or found it not its own to send."""
        return key in self._ready or key in self.elsewhere or key in self._done

    def _claim_ahead(self, docs: list[SyncDoc], now: datetime) -> None:
        assert self.claims is not None
        holders = self.claims.take_many([document_key(d.kind, d.id) for d in docs])
        ours = [d for d in docs if holders[document_key(d.kind, d.id)] is None]
        for doc in docs:
            if holders[document_key(doc.kind, doc.id)] is not None:
                self.elsewhere[document_key(doc.kind, doc.id)] = doc
        with self.store.session() as session:
            fresh = reload(session, ours)
        back: list[str] = []
        for before, now_ in zip(ours, fresh, strict=True):
            key = document_key(before.kind, before.id)
            if now_ is None or _moved_on(before, now_, now):
                back.append(key)
                self._done.add(key)
                self.done_elsewhere.append(before.number)
            elif now_.kind is DocKind.INVOICE and now_.po is not None and not now_.po.qbo_id \
                    and self.claims.holder(document_key(DocKind.PO, now_.po.id)) is not None:
                back.append(key)  # its PO is on its way by another sync: after it
                self.elsewhere[key] = before
            else:
                self._ready[key] = now_
        self.claims.release(*back)

    def take(self, key: str) -> bool:
        """Claim ``key`` (True: this sync's now; always True without claims)."""
        return self.claims is None or self.claims.take(key) is None

    def release(self, *docs: SyncDoc) -> None:
        if self.claims is not None:
            self.claims.release(*(document_key(doc.kind, doc.id) for doc in docs))

    def release_key(self, key: str) -> None:
        if self.claims is not None:
            self.claims.release(key)

    def passed_over(self) -> list[SyncDoc]:
        """The documents passed over so far because another sync held them, in order
        (POs first); they are no longer counted as passed over until claimed again."""
        docs = sorted(self.elsewhere.values(), key=lambda d: (d.kind is not DocKind.PO, d.id))
        self.elsewhere, self._ready = {}, {}
        return docs

    @contextmanager
    def new_vendor(self, supplier_id: int, lists: QboLists) -> Iterator[str | None]:
        """Hold the supplier while its vendor is made; yields the vendor id another sync
        linked it to meanwhile (now in ``lists``), or None."""
        if self.claims is None:
            yield None
            return
        key = supplier_key(supplier_id)
        holder = self.claims.wait_for(key, VENDOR_WAIT)
        try:
            yield self._linked_meanwhile(supplier_id, lists)
        finally:
            if holder is None:
                self.claims.release(key)

    def _linked_meanwhile(self, supplier_id: int, lists: QboLists) -> str | None:
        with self.store.session() as session:
            supplier = session.get(Supplier, supplier_id)
            vendor_id = supplier.qbo_vendor_id if supplier is not None else None
            if not vendor_id:
                return None
            data: dict[str, Any] | None = session.exec(select(QboObject.data).where(
                QboObject.entity == "Vendor", QboObject.qbo_id == vendor_id)).first()
        if data is None:
            return None
        lists.add_vendor(data)
        return vendor_id


def _moved_on(before: SyncDoc, now_: SyncDoc, now: datetime) -> bool:
    """Whether another sync dealt with the document since ``before`` was read: it is no
    longer due, or another sync just tried it and failed (its retry count went up)."""
    if not is_due(before, now):
        return False  # sent on request (a resend) whatever its state: nothing to compare
    if not is_due(now_, now):
        return True
    return now_.sync_state == SyncState.FAILED.value and now_.auto_retries > before.auto_retries
