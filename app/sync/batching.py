"""New documents sent to QuickBooks in batches: up to 30 creates in one request.

QuickBooks takes 500 requests a minute per company, and besides them 40 batch requests a
minute of up to 30 operations each (shared/qbo/API.md §5, §6): one create per request
caps a push near 500 documents a minute, batches lift it to 1,200. A run batches the new
POs, then the new bills, when there are at least ``BATCH_FROM`` of a kind (fewer go one
by one, as fast either way; ``$SYNCDESK_BATCH_FROM`` changes the number, "off" means
never). Vendors are made before, one at a time, since an item of a batch cannot use
what another item of it creates; bills go after their POs (a bill needs its PO's id and
line ids). Updates, and documents whose last create has an unknown outcome, go one by
one: they need a read or a look-up first.

Exactly once, as for a single create:

- each document of a batch is marked in flight (its own request id and the revision it
  sends saved on it) before the batch goes, and its body carries SyncDesk's marker;
- the batch carries a request id of its own: the transport's retries after a lost answer
  send it again, and QuickBooks answers them with its first answer, creating nothing;
- when no answer comes at all, or an item's answer is missing or unreadable, the
  documents are looked up in QuickBooks (one query for the batch) and those found are
  adopted; the rest stay marked in flight, so the next sync looks for them again before
  it sends them (never a second create);
- an answer that is not the document sent is never believed (as for a single create).

Each item's Fault is its own document's problem, diagnosed as a single create's would
be: one bad document never fails its batch. A batch QuickBooks refuses as a whole (not
a throttle, not an outage) is sent again one document at a time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.domain import request_ids
from app.domain.states import DocKind, PoStatus
from app.qbo.client import BatchItem, BatchResult
from app.qbo.errors import OAuthError, QboClientError, QboFault, TransportError
from app.qbo.query import quote
from app.sync import records
from app.sync.documents import SyncDoc, load
from app.sync.lists import QboLists
from app.sync.mapping import linked_lines
from app.sync.outcome import Outcome, Stop, found_by
from app.sync.problems import diagnose

if TYPE_CHECKING:
    from app.sync.engine import SyncEngine


BATCH_MAX = 30  # QuickBooks' most operations in one batch request
BATCH_FROM = 10  # fewer new documents of a kind than this go one by one
#: Overrides ``BATCH_FROM`` (a number; "off" sends every document on its own), e.g. to
#: rule batches out while a QuickBooks incident concerns its batch endpoint.
BATCH_FROM_VARIABLE = "SYNCDESK_BATCH_FROM"


def batch_from() -> int | None:
    """From how many new documents of a kind a run batches them (None: never)."""
    value = os.environ.get(BATCH_FROM_VARIABLE, "").strip().lower()
    if value in ("off", "never", "0"):
        return None
    return max(1, int(value)) if value.isdigit() else BATCH_FROM


@dataclass
class Ready:
    """A document past its checks, with its vendor and the body to send."""

    doc: SyncDoc
    vendor_id: str
    body: dict[str, Any]
    summary: dict[str, Any]


def batchable(doc: SyncDoc) -> bool:
    """Whether ``doc`` can go in a batch: a create with nothing of it possibly in
    QuickBooks already (no create of unknown outcome), not a cancelled PO."""
    if doc.qbo_id or doc.pending_request_id:
        return False
    return not (doc.kind is DocKind.PO and doc.status == PoStatus.CANCELLED.value)


def batching_kinds(docs: Iterable[SyncDoc]) -> set[DocKind]:
    """The kinds with enough new documents in this run to send them in batches."""
    least = batch_from()
    if least is None:
        return set()
    counts: dict[DocKind, int] = {}
    for doc in docs:
        if batchable(doc):
            counts[doc.kind] = counts.get(doc.kind, 0) + 1
    return {kind for kind, count in counts.items() if count >= least}


@dataclass
class _Sent:
    ready: Ready
    body: dict[str, Any]
    bid: str
    error: QboClientError | None = None  # why its outcome is unknown, when it is
    answered_with: dict[str, Any] | None = None  # another document QuickBooks answered with


class BatchCreate:
    """One batch of new documents of one kind, sent through ``engine``'s client; each
    document's outcome recorded through the engine as a single create's would be.

    ``stop`` says why the run must stop after this batch (QuickBooks wants a new sign-in),
    else None."""

    def __init__(self, engine: SyncEngine, lists: QboLists) -> None:
        self.engine, self.lists = engine, lists
        self.stop: str | None = None

    def send(self, group: list[Ready]) -> list[Outcome]:
        """The outcome of each document of ``group`` (at most 30), in order."""
        assert 0 < len(group) <= BATCH_MAX
        outcomes: dict[int, Outcome] = {}
        to_send, later = group, []
        try:
            if group[0].doc.kind is DocKind.INVOICE:  # a bill number may be there already
                to_send, later = self._checked(group, outcomes)
            if to_send:
                self._create(to_send, outcomes)
        finally:
            self.engine.read_ahead.clear()  # never kept past its batch: it would go stale
        for ready in later:  # after the batch: a number repeated in it, checked again
            outcomes[id(ready)] = self._alone(ready)
        return [outcomes[id(ready)] for ready in group]

    # --- before: bills already in QuickBooks ---------------------------------------------

    def _checked(self, group: list[Ready], outcomes: dict[int, Outcome]
                 ) -> tuple[list[Ready], list[Ready]]:
        """The bills to create in the batch, and those to send alone after it (a number
        repeated within the batch, where the company warns about repeats: the second is
        then checked against the first, as one by one). Those QuickBooks holds already are
        adopted (made by this document before) or blocked (another bill of that number, where
        the company warns), as a single create's look-up does."""
        warns = self.lists.warns_duplicate_bill_number
        try:
            found = self._look_up([ready.doc for ready in group])
        except QboClientError:
            found = None  # sent as they are: the markers still tell them apart
        to_send: list[Ready] = []
        later: list[Ready] = []
        numbers: set[tuple[str, str]] = set()
        for ready in group:
            doc = ready.doc
            key = (doc.doc_number, ready.vendor_id)
            same = found.get(key, []) if found is not None else []
            ours = next((obj for obj in same if doc.made(obj)), None)
            if ours is not None:
                outcomes[id(ready)] = self._finish(ready, ours, "adopt")
            elif warns and (same or key in numbers):
                later.append(ready)  # alone: blocked with what QuickBooks holds, or sent
            else:
                numbers.add(key)
                to_send.append(ready)
        return to_send, later

    def _alone(self, ready: Ready) -> Outcome:
        """``ready`` sent on its own, as it stands in the store now."""
        engine = self.engine
        with engine.store.session() as session:
            doc = load(session, ready.doc.kind, ready.doc.id)
        try:
            return engine._send(Ready(doc, ready.vendor_id, ready.body, ready.summary),
                                self.lists)
        except Stop as stop:  # QuickBooks wants a new sign-in: the run stops after this
            self.stop = str(stop)
            assert stop.outcome is not None
            return stop.outcome

    def _look_up(self, docs: list[SyncDoc]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """QuickBooks' documents with these documents' numbers, by (number, vendor id)."""
        entity = docs[0].entity
        numbers = sorted({doc.doc_number for doc in docs})
        where = "DocNumber in (" + ", ".join(quote(n) for n in numbers) + ")"
        found: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for obj in self.engine.client.query_all(entity, where):
            vendor = str((obj.get("VendorRef") or {}).get("value", ""))
            found.setdefault((str(obj.get("DocNumber", "")), vendor), []).append(obj)
        return found

    # --- the batch -------------------------------------------------------------------

    def _create(self, group: list[Ready], outcomes: dict[int, Outcome]) -> None:
        engine = self.engine
        batch_id = request_ids.document_batch(engine._store_id)
        sent: list[_Sent] = []
        with engine.store.session() as session:
            for n, ready in enumerate(group):
                doc = ready.doc
                body = engine.create_body(doc, ready.body, ready.summary)
                request_id = doc.request_id(engine._store_id)
                ready.summary.update(request_id=request_id, batch=batch_id, bId=str(n))
                records.mark_pending(session, doc, request_id, doc.revision,
                                     found_by(body, batch=batch_id))
                sent.append(_Sent(ready, body, str(n)))
        items = [BatchItem(s.bid, s.ready.doc.entity, "create", s.body) for s in sent]
        retries = engine.client.transport.stats.retries
        try:
            results = engine.client.batch(items, request_id=batch_id)
        except OAuthError as error:
            self._all_failed(sent, error, outcomes)
            self.stop = diagnose(error, "the batch").explanation
            return
        except (TransportError, QboFault) as error:
            tried_again = engine.client.transport.stats.retries > retries
            if isinstance(error, QboFault) and error.throttled:
                self._all_failed(sent, error, outcomes)  # refused untaken: the next sync
            elif isinstance(error, QboFault) and not error.transient and not tried_again:
                for s in sent:  # the batch as a whole was refused, at its first try
                    outcomes[id(s.ready)] = self._alone(s.ready)
            else:  # no answer, or a refusal of a retry: an earlier try may have been made
                for s in sent:
                    s.error = error
                self._unknown(sent, outcomes)
            return
        by_bid = {result.bid: result for result in results}
        unknown: list[_Sent] = []
        made: list[tuple[_Sent, dict[str, Any]]] = []
        for s in sent:
            result = by_bid.get(s.bid)
            if result is None or not result.answered:
                unknown.append(s)
            elif result.fault is not None:
                if result.fault.transient:  # QuickBooks' own trouble: it may have made it
                    s.error = result.fault
                    unknown.append(s)
                else:
                    outcomes[id(s.ready)] = self._item_failed(s, result)
            elif not s.ready.doc.made(result.data) or \
                    str(result.data.get("DocNumber", "")) != s.ready.doc.doc_number:
                s.answered_with = result.data  # not the document sent: is it there anyway?
                unknown.append(s)
            else:
                made.append((s, result.data))
        self._read_ahead([obj for _, obj in made], [s.ready.doc for s, _ in made])
        for s, obj in made:
            outcomes[id(s.ready)] = self._finish(s.ready, obj, "create")
        if unknown:
            self._unknown(unknown, outcomes)

    def _finish(self, ready: Ready, obj: dict[str, Any], operation: str) -> Outcome:
        """Record what QuickBooks made of ``ready``; what finishing reads (the bill's PO
        links) failing leaves it an unknown outcome, as for a single create: the next sync
        looks it up and adopts it."""
        try:
            return self.engine._finish(ready.doc, obj, operation, ready.summary, None,
                                       ready.doc.revision)
        except QboClientError as error:
            if isinstance(error, OAuthError):
                self.stop = diagnose(error, ready.doc.label).explanation
            return self.engine._fail(ready.doc, diagnose(error, ready.doc.label), "verify",
                                     ready.summary, False, definite=False,
                                     intuit_tid=getattr(error, "intuit_tid", None))

    def _item_failed(self, s: _Sent, result: BatchResult) -> Outcome:
        fault = result.fault
        assert fault is not None
        doc = s.ready.doc
        problem = diagnose(fault, doc.label)
        return self.engine._fail(doc, problem, "create", s.ready.summary, False,
                                 definite=not problem.transient, intuit_tid=fault.intuit_tid,
                                 exchange={"request": s.body, "answer": fault.raw})

    def _all_failed(self, sent: list[_Sent], error: QboClientError,
                    outcomes: dict[int, Outcome]) -> None:
        """None of them was taken (a sign-in needed, a throttle outlasted): each failed,
        still marked in flight, so the next try looks first."""
        for s in sent:
            doc = s.ready.doc
            outcomes[id(s.ready)] = self.engine._fail(
                doc, diagnose(error, doc.label), "create", s.ready.summary, False,
                definite=False, intuit_tid=getattr(error, "intuit_tid", None))

    def _unknown(self, sent: list[_Sent], outcomes: dict[int, Outcome]) -> None:
        """Documents whose fate is unknown: adopted when QuickBooks holds them; else failed,
        still marked in flight (the next sync looks again before it sends)."""
        engine = self.engine
        try:
            found = self._look_up([s.ready.doc for s in sent])
        except QboClientError:
            found = None
        adopted: list[tuple[_Sent, dict[str, Any]]] = []
        for s in sent:
            doc = s.ready.doc
            same = found.get((doc.doc_number, s.ready.vendor_id), []) if found else []
            ours = next((obj for obj in same if doc.made(obj)), None)
            if ours is not None:
                adopted.append((s, ours))
            elif s.answered_with is not None:  # another document came back, not this one
                outcomes[id(s.ready)] = self._finish(s.ready, s.answered_with, "create")
            else:
                why = s.error or TransportError("QuickBooks' answer to the batch said nothing "
                                                f"readable about {doc.label}", 200)
                outcomes[id(s.ready)] = engine._fail(
                    doc, diagnose(why, doc.label), "create", s.ready.summary, False,
                    definite=False, intuit_tid=getattr(why, "intuit_tid", None))
        self._read_ahead([obj for _, obj in adopted], [s.ready.doc for s, _ in adopted])
        for s, obj in adopted:
            outcomes[id(s.ready)] = self._finish(s.ready, obj, "adopt")

    def _read_ahead(self, objs: list[dict[str, Any]], docs: list[SyncDoc]) -> None:
        """What finishing these bills reads (each bill, to check its PO links; each PO, to
        follow its status), in two queries for the batch instead of two reads a bill."""
        bills = [str(obj["Id"]) for obj, doc in zip(objs, docs, strict=True)
                 if doc.kind is DocKind.INVOICE and linked_lines(doc) and doc.po is not None]
        pos = sorted({doc.po.qbo_id for doc in docs if doc.kind is DocKind.INVOICE
                      and doc.po is not None and doc.po.qbo_id and linked_lines(doc)})
        for entity, ids in (("Bill", bills), ("PurchaseOrder", pos)):
            for start in range(0, len(ids), BATCH_MAX):
                chunk = ids[start:start + BATCH_MAX]
                where = "Id in (" + ", ".join(quote(i) for i in chunk) + ")"
                try:
                    for obj in self.engine.client.query_all(entity, where):
                        self.engine.read_ahead[(entity, str(obj["Id"]))] = obj
                except QboClientError:
                    return  # each is read on its own instead
