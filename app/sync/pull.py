"""Bringing QuickBooks' side into SyncDesk: lists, payments, PO status, deletions, drift.

The first pull loads every list in full; later pulls ask change data capture
(CDC) for what changed since the last successful pull (within CDC's 30-day
window; beyond it, or when CDC's 1000-object cap is reached, a full load
again). What changed is applied to the local store: the lists and preferences
by ``app.sync.pull_lists``, SyncDesk's POs and bills by ``app.sync.pull_documents``
(drift, what QuickBooks changed in a synced document, by ``app.sync.drift``).

A pull goes step by step: each list, the preferences, then the POs and the bills.
A step is applied in one transaction together with its list's bookmark, so a pull
cancelled (or failing) between steps leaves the store whole: every bookmark says
how far its list was applied, never further, and the next pull asks again for what
the stopped one did not apply (what it did apply is seen again and passed over: its
SyncToken is known).

A full load streams, so that a large company (tens of thousands of vendors or
bills) is never held in memory whole. A list is read in QuickBooks' largest pages
(1000 records) and each page is applied as it arrives, in a transaction of its own;
the pull keeps only the ids it has seen. Deletions (a record the mirror holds that
the list no longer does) are found only after the last page, in the list's last
transaction, which also writes its bookmark (``full_at``). So a full load stopped
between pages leaves the pages it applied (each whole) and the list's bookmark
where it was: the list is not marked applied, nothing is deleted on the strength of
a partial read, and the next pull (a full load again, or CDC from the old
bookmark) reads the list again and passes over what it finds unchanged.
SyncDesk's POs and bills are read by id, a page of ids at a time (``ID_CHUNK``),
each page applied in its own transaction and the bookmark with the last: an id
asked for and not there was deleted in QuickBooks. (Between pages QuickBooks may
change; a page read by position can then shift, the reason documents are read by
id.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.qbo.client import PAGE, QboClient
from app.qbo.query import quote
from app.store.database import Store
from app.store.models import Invoice, PurchaseOrder, QboPull
from app.store.types import utcnow
from app.store.upsert import upsert
from app.sync import records
from app.sync.lists import ALL
from app.sync.pull_documents import DocumentEffects
from app.sync.pull_documents import follow_po_status as follow_po_status  # re-exported
from app.sync.pull_lists import ListEffects
from app.sync.pull_lists import remember as remember  # re-exported
from app.work import Cancelled, OnProgress, check_cancel, report_progress

LISTS = ("Vendor", "Customer", "Employee", "Account", "Item", "Term")
TRANSACTIONS = ("PurchaseOrder", "Bill")
CDC_WINDOW = timedelta(days=30) - timedelta(hours=1)
OVERLAP = timedelta(minutes=5)  # changes are asked for a little before the last pull
CDC_CAP = 1000
ID_CHUNK = 200  # documents asked for by id, per page of a full load
STEPS = len(LISTS) + 1 + len(TRANSACTIONS)  # each list, the preferences, POs and bills

_WORDS = {"Vendor": "vendors", "Customer": "customers", "Employee": "employees",
          "Account": "accounts", "Item": "items", "Term": "terms",
          "PurchaseOrder": "purchase orders", "Bill": "bills"}

Changes = dict[str, list[dict[str, Any]]]


@dataclass
class PullReport:
    mode: str  # "full" or "cdc"
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    as_of: datetime | None = None
    cancelled: bool = False  # stopped between steps: what was applied stands, nothing else

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "counts": self.counts, "notes": self.notes,
                "as_of": self.as_of.isoformat() if self.as_of else None}


_BOOKMARKS: Any = QboPull.__table__


def list_ages(session: Session) -> dict[str, str]:
    """Each list's "as of" time, for ``status``."""
    return {row.entity: row.as_of.isoformat() for row in session.exec(select(QboPull))}


class Puller:
    def __init__(self, store: Store, client: QboClient, actor: str,
                 now: Callable[[], datetime] = utcnow) -> None:
        self.store, self.client, self.actor, self.now = store, client, actor, now

    def run(self, on_progress: OnProgress | None = None,
            cancel: threading.Event | None = None) -> PullReport:
        """Pull QuickBooks' changes, step by step (see the module's words); ``cancel``
        stops it between steps, and the report says so (``cancelled``)."""
        started = self.now()
        with self.store.session() as session:
            bookmarks = {row.entity: row for row in session.exec(select(QboPull))}
        wanted = (*LISTS, *TRANSACTIONS)
        since = min((bookmarks[e].as_of for e in wanted if e in bookmarks), default=None)
        full = any(e not in bookmarks for e in wanted) or since is None or \
            started - since > CDC_WINDOW
        report = PullReport("full" if full else "cdc", as_of=started)
        step = _Step(report, bookmarks, started, on_progress, cancel)
        try:
            changes: Changes | None = None
            if not full:
                assert since is not None
                step.begin(0, "Reading what changed in QuickBooks")
                changes = self.client.cdc(list(wanted), since - OVERLAP)
                if sum(len(v) for v in changes.values()) >= CDC_CAP:
                    changes = None  # too much changed: CDC would leave some out
                    report.mode = "full"
            full = changes is None
            for done, entity in enumerate(LISTS):
                what = f"Reading {_WORDS[entity]} from QuickBooks"
                step.begin(done, what)
                if changes is None:
                    self._load_list(entity, step, done, what)
                    continue
                found = changes.get(entity, [])
                with self.store.session() as session:
                    ListEffects(session, self.actor, started, report).apply(entity, found, False)
                    step.bookmark(session, entity, len(found), False)
            step.begin(len(LISTS), "Reading the company's preferences")
            preferences = self.client.preferences()
            with self.store.session() as session:
                ListEffects(session, self.actor, started, report).preferences(preferences)
            for done, entity in enumerate(TRANSACTIONS, start=len(LISTS) + 1):
                what = f"Reading {_WORDS[entity]} from QuickBooks"
                step.begin(done, what)
                pages = [(changes.get(entity, []), True)] if changes is not None else \
                    self._known(entity, step, done, what)
                count = 0
                for page, last in pages:
                    count += len(page)
                    with self.store.session() as session:
                        DocumentEffects(session, self.actor, started, report).apply(entity, page)
                        if last:
                            step.bookmark(session, entity, count, full)
        except Cancelled:
            report.cancelled = True
            return report
        with self.store.session() as session:
            records.log_attempt(session, None, f"pull-{report.mode}", "success",
                                message=f"Read QuickBooks ({report.mode}): "
                                + ", ".join(f"{n} {e}" for e, n in report.counts.items() if n),
                                detail=report.to_json())
        report_progress(on_progress, STEPS, STEPS)
        return report

    def _load_list(self, entity: str, step: _Step, done: int, what: str) -> None:
        """A full load of list ``entity``: each page applied as it arrives, in a transaction
        of its own (cancel is heard between pages); after the last, what the list no longer
        holds is deleted, in one transaction with the list's bookmark. Only the ids seen are
        kept meanwhile, never the records."""
        seen: set[str] = set()
        for page in self.client.query_pages(entity, ALL, page_size=PAGE):
            with self.store.session() as session:
                seen |= self._list_effects(session, step).page(entity, page)
            if len(page) == PAGE:  # another page to read
                step.begin(done, f"{what} ({len(seen):,} so far)")
        with self.store.session() as session:
            self._list_effects(session, step).gone(entity, seen)
            step.bookmark(session, entity, len(seen), True)

    def _list_effects(self, session: Session, step: _Step) -> ListEffects:
        return ListEffects(session, self.actor, step.started, step.report)

    def _known(self, entity: str, step: _Step, done: int, what: str
               ) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        """SyncDesk's documents in QuickBooks, read by id, a page at a time (with whether it
        is the last): an id asked for and not there was deleted in QuickBooks."""
        model = PurchaseOrder if entity == "PurchaseOrder" else Invoice
        with self.store.session() as session:
            ids = [i for i in session.exec(select(model.qbo_id).where(
                col(model.qbo_id).is_not(None)).order_by(col(model.id))) if i]
        chunks = [ids[start:start + ID_CHUNK] for start in range(0, len(ids), ID_CHUNK)]
        if not chunks:
            yield [], True
        for n, chunk in enumerate(chunks, start=1):
            if n > 1:
                step.begin(done, f"{what} (page {n} of {len(chunks)})")
            where = "Id in (" + ", ".join(quote(i) for i in chunk) + ")"
            found = {str(obj["Id"]): obj for obj in self.client.query_all(entity, where)}
            yield list(found.values()) + [{"Id": i, "status": "Deleted"}
                                          for i in chunk if i not in found], n == len(chunks)


class _Step:
    """One pull's safe points: progress and cancel before each step, and the bookmarks."""

    def __init__(self, report: PullReport, bookmarks: dict[str, QboPull],
                 started: datetime, on_progress: OnProgress | None,
                 cancel: threading.Event | None) -> None:
        self.report, self.bookmarks, self.started = report, bookmarks, started
        self.on_progress, self.cancel = on_progress, cancel

    def check(self) -> None:
        check_cancel(self.cancel)

    def begin(self, done: int, what: str) -> None:
        check_cancel(self.cancel)
        report_progress(self.on_progress, done, STEPS, what)

    def bookmark(self, session: Session, entity: str, count: int, full: bool) -> None:
        """List ``entity`` is applied as of the pull's start (in the step's transaction)."""
        known = self.bookmarks.get(entity)
        upsert(session, _BOOKMARKS, {
            "entity": entity, "as_of": self.started,
            "full_at": self.started if full or known is None else known.full_at,
            "count": count}, ("entity",))
