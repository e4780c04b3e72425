"""The sync engine: approved documents into QuickBooks, exactly once.

Use::

    engine = SyncEngine(store, client, on_progress=callback, cancel=event)
    report = engine.run()            # or run(dry_run=True): plan only, nothing changes

``on_progress`` is called after every document with a ``Progress`` (done,
total, current document, problems so far); ``cancel`` is checked between
documents, so a cancelled run never leaves a document half-sent. The caller
never needs to poll. Everything runs on the calling thread (the window runs
it on a worker thread).

Exactly once: every create carries a request id made of the store's own
random id, the document, its revision, its count of definite failures and a
random part, saved on the document (with the revision it sends) before it is
sent. QuickBooks answers a repeated request id with the first answer. A
document whose earlier create has an unknown outcome (a crash, a lost answer)
is first looked for in QuickBooks by DocNumber, vendor and SyncDesk's marker,
and adopted when found; a create whose answer is lost within a run is looked
for at once. No answer is believed unless it is the document that was sent
(its DocNumber and SyncDesk's marker): anything else fails the document, never
marks it synced.

One sync at a time on a SQLite store: ``run`` holds the store's sync lock
(``app.sync.lock``); a second run waits ``lock_wait`` seconds, then raises ``SyncBusy``.
On a team store (PostgreSQL) syncs run side by side: each holds the lock shared and
claims every document before it prepares or sends it (``app.sync.sharing``), so no
document goes twice and a dead sync's documents are finished by another.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.domain import request_ids
from app.domain.events import LogResult
from app.domain.problems import Kind, Problem
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.hints import Advice, HintText, plain
from app.operations.actor import current_actor
from app.qbo.client import QboClient
from app.qbo.errors import OAuthError, QboClientError, QboFault, TransportError
from app.qbo.query import quote
from app.qbo.transport import Transport
from app.store.claims import Claims, document_key
from app.store.database import Store
from app.store.identity import store_info
from app.store.models import Invoice, PurchaseOrder, SyncLogEntry
from app.store.types import utcnow
from app.sync import actions, records
from app.sync.batching import BATCH_MAX, BatchCreate, Ready, batchable, batching_kinds
from app.sync.documents import MARKER, SyncDoc, due_documents, load
from app.sync.lists import QboLists
from app.sync.lock import WAIT, SyncLock
from app.sync.mapping import bill_body, bill_update, linked_lines, purchase_order_body
from app.sync.outcome import Outcome, Stop, found_by
from app.sync.preflight import preflight
from app.sync.problems import changed_in_qbo, diagnose
from app.sync.pull import Puller, PullReport, follow_po_status, remember
from app.sync.sharing import SharedWork
from app.sync.vendors import VendorAnswer, resolve
from app.work import Progress

log = logging.getLogger(__name__)

#: Marks (in the sync log's "sent") a closed PO created Open so that its bills can link.
OPEN_FOR_BILLS = "open_for_bills"

#: Documents failing in a row on QuickBooks' side (after the transport's own retries)
#: that stop a run: QuickBooks is failing, the rest waits queued for a better moment.
FAILING_STREAK = 3


@dataclass
class SyncReport:
    outcomes: list[Outcome] = field(default_factory=list)
    new_vendors: list[str] = field(default_factory=list)
    cancelled: bool = False
    stopped: str | None = None  # why the run ended early (e.g. reconnect needed)
    stop_advice: Advice | None = None  # the same with the actions it points at, if any
    unsent: list[str] = field(default_factory=list)  # left queued when the run stopped early
    dry_run: bool = False
    pull: PullReport | None = None
    #: passed over: another SyncDesk was sending them when this run ended
    elsewhere: list[str] = field(default_factory=list)
    #: another SyncDesk sent (or tried) them while this run was going
    done_elsewhere: list[str] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for o in self.outcomes if o.sync_state == state)

    def elsewhere_words(self) -> str:
        """What other SyncDesks on the store did of this run's documents ("" if nothing)."""
        said = []
        if self.done_elsewhere:
            count = len(self.done_elsewhere)
            said.append(f"{_documents(count)} {'were' if count != 1 else 'was'} sent by "
                        "another SyncDesk while this sync ran.")
        if self.elsewhere:
            count = len(self.elsewhere)
            said.append(f"{_documents(count)} {'were' if count != 1 else 'was'} being sent by "
                        f"another SyncDesk, so this sync left {'them' if count != 1 else 'it'}"
                        f" to it: {_some(self.elsewhere)}.")
        return " ".join(said)

    def stopped_words(self, as_text: HintText = plain) -> str:
        """Why the run ended early ("" if it did not), its hints shown by ``as_text``."""
        return self.stop_advice.words(as_text) if self.stop_advice else self.stopped or ""

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "cancelled": self.cancelled, "stopped": self.stopped,
                "unsent": self.unsent, "new_vendors": self.new_vendors,
                "pull": self.pull.to_json() if self.pull else None,
                "elsewhere": self.elsewhere, "done_elsewhere": self.done_elsewhere,
                "documents": [o.to_json() for o in self.outcomes]}




class _Push:
    """One run's push so far: what was tried, the streak of documents failing on
    QuickBooks' side, and how the run stops (its report's ``stopped`` and ``unsent``)."""

    def __init__(self, report: SyncReport, transport: Transport) -> None:
        self.report, self.transport = report, transport
        self.synced_pos: set[int] = set()
        self.tried_pos: set[int] = set()
        self.failing: list[Outcome] = []  # documents failing in a row on QuickBooks' side
        self.timed_out = 0  # … of them, those whose writes got no answer in time

    def stop(self, text: str, outcomes: list[Outcome], rest: list[SyncDoc]) -> None:
        self.report.outcomes.extend(outcomes)
        self.report.stopped = text
        self.report.unsent = [d.number for d in rest]

    def tally(self, doc: SyncDoc, outcome: Outcome, before: _Mark, rest: list[SyncDoc],
              dry_run: bool) -> bool:
        """Count one document's outcome; True when the run must stop."""
        report, transport = self.report, self.transport
        report.outcomes.append(outcome)
        if transport.throttled_out:  # QuickBooks held SyncDesk back past the budget
            return self._throttled(rest)
        after = _Mark.of(transport)
        # A document counts against QuickBooks when it failed on QuickBooks' side or
        # its last write got no answer (a create that timed out, even if the look-up
        # that followed found it); only a write that got its answer clears the streak.
        if (outcome.action == LogResult.FAILED and outcome.problem in _SERVER_TROUBLE) or (
                transport.last_write_unanswered and after.unanswered > before.unanswered):
            self.failing.append(outcome)
            self.timed_out += after.timeouts > before.timeouts
        elif after.answered > before.answered or (
                dry_run and outcome.action not in (LogResult.BLOCKED, "skip")):  # reads only
            self.failing, self.timed_out = [], 0
        if len(self.failing) >= FAILING_STREAK:
            return self._failing(rest)
        self._tried(doc, outcome)
        return False

    def tally_batch(self, docs: list[SyncDoc], outcomes: list[Outcome], before: _Mark,
                    rest: list[SyncDoc]) -> bool:
        """Count a batch's outcomes (one per document, in order); True to stop.

        A batch that got no answer counts each of its documents that failed against
        QuickBooks, as single creates would; when they all turned up in QuickBooks all the
        same it counts once (one write without an answer). One that got its answer and
        made any document clears the streak, as a single create that worked."""
        report, transport = self.report, self.transport
        report.outcomes.extend(outcomes)
        if transport.throttled_out:
            return self._throttled(rest)
        after = _Mark.of(transport)
        made = [o for o in outcomes if o.action in ("create", "adopt")]
        trouble = [o for o in outcomes if o.action == LogResult.FAILED
                   and o.problem in _SERVER_TROUBLE]
        if after.unanswered > before.unanswered and after.answered == before.answered:
            # its documents that did not turn up failed, each as a single create would;
            # found all the same, the batch counts once (one write without an answer)
            self.failing.extend(trouble or outcomes[:1])
            self.timed_out += len(trouble or outcomes[:1]) \
                if after.timeouts > before.timeouts else 0
        elif made:
            self.failing, self.timed_out = [], 0
        elif trouble:  # answered, but every document failed on QuickBooks' side
            self.failing.extend(trouble)
        if len(self.failing) >= FAILING_STREAK:
            return self._failing(rest)
        for doc, outcome in zip(docs, outcomes, strict=True):
            self._tried(doc, outcome)
        return False

    def _tried(self, doc: SyncDoc, outcome: Outcome) -> None:
        if doc.kind is DocKind.PO:
            self.tried_pos.add(doc.id)
            if outcome.sync_state == SyncState.SYNCED.value or \
                    outcome.action.startswith("would-"):
                self.synced_pos.add(doc.id)

    def _throttled(self, rest: list[SyncDoc]) -> bool:
        self.report.unsent = [d.number for d in rest]
        self.report.stopped = _quickbooks_throttling(self.transport.policy.throttle_budget,
                                                     self.report.unsent)
        return True

    def _failing(self, rest: list[SyncDoc]) -> bool:
        self.report.unsent = [d.number for d in rest]
        self.report.stopped = _quickbooks_slow(self.failing, self.report.unsent,
                                               self.transport.policy.timeout) \
            if self.timed_out == len(self.failing) else \
            _quickbooks_failing(self.failing, self.report.unsent)
        return True


def report_total(report: SyncReport, rest: list[SyncDoc]) -> int:
    """Documents of the run: those with an outcome and those still to go."""
    return len(report.outcomes) + len(rest)


class _CancelOrLost(threading.Event):
    """Set when the caller cancels or when the run's sync lock was taken over."""

    def __init__(self, cancel: threading.Event, lost: threading.Event) -> None:
        super().__init__()
        self._cancel, self._lost = cancel, lost

    def is_set(self) -> bool:
        return self._cancel.is_set() or self._lost.is_set()

    def set(self) -> None:
        self._cancel.set()


class SyncEngine:
    lock_wait: float = WAIT  # seconds to wait for another sync of the store to finish

    def __init__(self, store: Store, client: QboClient, *,
                 on_progress: Callable[[Progress], None] | None = None,
                 cancel: threading.Event | None = None, actor: str | None = None,
                 now: Callable[[], datetime] = utcnow, auto_retry: bool = False) -> None:
        """``auto_retry``: something (the window's scheduled sync) will retry transient
        failures at the time their problem names; the command line has no such thing."""
        self.store = store
        self.auto_retry = auto_retry
        self.client = client
        self.on_progress = on_progress
        self.cancel = cancel or threading.Event()
        self.actor = actor or current_actor()
        self.now = now
        self._vendors: dict[int, VendorAnswer] = {}
        self._shared = SharedWork(store, None)  # the run's claims (team stores)
        #: objects read for a whole batch at once, by (entity, id): see ``read``
        self.read_ahead: dict[tuple[str, str], dict[str, Any]] = {}

    # --- the run --------------------------------------------------------------------

    def run(self, dry_run: bool = False, only: list[tuple[DocKind, int]] | None = None,
            pull: bool = True, push: bool = True) -> SyncReport:
        """Pull QuickBooks' changes, then push what is due (either side may be left out).

        A dry run pulls nothing into the store: it reads QuickBooks' lists afresh and
        plans the push against them. A real run holds the store's sync lock; when
        another sync holds it past ``lock_wait`` seconds, ``SyncBusy`` is raised.
        """
        with self.store.session() as session:
            self._store_id = store_info(session).store_id
        self._shared = SharedWork(self.store, None)
        if dry_run:  # writes nothing: no lock needed
            return self._run(dry_run, only, pull, push)
        lock = SyncLock.for_sync(self.store)
        caller = self.cancel
        self.cancel = _CancelOrLost(caller, lock.lost)  # a lost lock stops between documents
        try:
            with lock.held(self.lock_wait):
                if lock.shared:  # syncs side by side: each document claimed first
                    self._shared = SharedWork(self.store, Claims(self.store, lock))
                report = self._run(dry_run, only, pull, push)
        finally:
            self.cancel = caller
            shared, self._shared = self._shared, SharedWork(self.store, None)
        report.elsewhere = [d.number for d in shared.passed_over()]
        report.done_elsewhere = shared.done_elsewhere
        if lock.lost.is_set() and not caller.is_set():
            report.cancelled = False
            report.stopped = ("another sync took this store over while this one was stalled; "
                              "this one stopped and the other carries on.")
        return report

    def _run(self, dry_run: bool, only: list[tuple[DocKind, int]] | None, pull: bool,
             push: bool) -> SyncReport:
        report = SyncReport(dry_run=dry_run)
        self._vendors = {}  # vendor answers hold for one run only
        transport = self.client.transport
        transport.fresh_start()  # full retries and the whole throttle budget for this run
        lists: QboLists | None = None
        try:
            if pull and not dry_run:
                self._progress(0, 0, "Reading changes from QuickBooks", report)
                # Pull alone reports its steps; a whole sync counts its documents only.
                steps = None if push else (
                    lambda p: self._progress(p.done, p.total, p.current, report))
                report.pull = Puller(self.store, self.client, self.actor, self.now).run(
                    steps, self.cancel)
                if report.pull.cancelled:  # stopped between steps: nothing half-applied
                    report.cancelled = True
                    if push:  # what was due stays queued, as after a cancel between documents
                        with self.store.session() as session:
                            report.unsent = [d.number for d in (
                                due_documents(session, self.now()) if only is None else
                                [load(session, kind, doc_id) for kind, doc_id in only])]
                    return report
                if push:  # a pull alone needs no picture of the lists (10,000 vendors…)
                    with self.store.session() as session:
                        lists = QboLists.from_mirror(session)
            if not push:
                return report
            if not dry_run and only is None:  # the connection works: what waited on it goes
                with self.store.session() as session:
                    actions.queue_after_sign_in(session, self.actor)
            with self.store.session() as session:
                docs = due_documents(session, self.now()) if only is None else [
                    load(session, kind, doc_id) for kind, doc_id in only]
            total = len(docs)
            self._progress(0, total, None, report)
            if not docs:
                return report
            if lists is None:
                lists = QboLists.pull(self.client)  # fresh, never an old picture
        except QboClientError as error:
            report.stop_advice = _reading_failed(error, transport)
            report.stopped = report.stop_advice.words()
            if not dry_run:
                with self.store.session() as session:
                    records.log_attempt(session, None, "pull", LogResult.FAILED.value,
                                        message=report.stopped)
            return report
        push = _Push(report, transport)
        stopped = self._push(docs, lists, push, total, dry_run)
        again = self._shared.passed_over()  # held by other syncs: free now, if they died
        if again and not stopped and not self.cancel.is_set():
            stopped = self._push(again, lists, push, total, dry_run)
        if not dry_run and report.stopped is None:
            self._close_after_bills(report)
        self._progress(len(report.outcomes), total, None, report)
        return report

    def _push(self, docs: list[SyncDoc], lists: QboLists, push: _Push, total: int,
              dry_run: bool) -> bool:
        """Send ``docs`` (new ones in batches where there are enough); True when the run
        stopped early (``push.report`` says why)."""
        report = push.report
        transport = push.transport
        batching = set() if dry_run else batching_kinds(docs)
        group: list[Ready] = []  # new documents ready to go together (one batch)
        stopped = False
        for index, listed in enumerate(docs):
            doc = listed if dry_run else self._shared.claim(
                listed, self.now(), docs[index:index + BATCH_MAX])
            if doc is None:  # another sync holds it, or dealt with it meanwhile
                continue
            groupable = doc.kind in batching and batchable(doc)
            if group and not self.cancel.is_set() and (
                    not groupable or group[0].doc.kind is not doc.kind
                    or len(group) == BATCH_MAX):
                stopped = self._flush(group, lists, push, docs[index:])
                group = []
                if stopped:
                    break
            self._progress(len(report.outcomes), total, doc.label, report)
            if self.cancel.is_set():
                report.cancelled = True
                report.unsent = [d.number for d in [r.doc for r in group] + docs[index:]]
                group = []  # left as they were: none of them was sent
                stopped = True
                break
            if doc.kind is DocKind.INVOICE and doc.po is not None and \
                    doc.po.id in push.synced_pos:
                if dry_run:  # plan as if the PO had gone, which it would have
                    doc.po.sync_state, doc.po.qbo_id = SyncState.SYNCED.value, \
                        doc.po.qbo_id or "(new)"
                    for line in doc.lines:
                        if line.po_line_no and not line.po_qbo_line_id:
                            line.po_qbo_line_id = "(new)"
                else:
                    with self.store.session() as session:
                        doc = load(session, DocKind.INVOICE, doc.id)  # its PO got its ids
            elif doc.kind is DocKind.INVOICE and doc.po is not None and not dry_run and \
                    doc.po.id in push.tried_pos:  # its PO was blocked or failed just now
                with self.store.session() as session:
                    doc = load(session, DocKind.INVOICE, doc.id)
            before = _Mark.of(transport)
            rest = [r.doc for r in group] + docs[index + 1:]  # not sent if this one stops
            try:
                ready = self._prepare(doc, lists, dry_run, report) if groupable else \
                    self._one(doc, lists, dry_run, report)
            except Stop as stop:
                push.stop(str(stop), [stop.outcome] if stop.outcome else [], rest)
                group = []
                stopped = True
                break
            if isinstance(ready, Ready):
                group.append(ready)
                continue
            self._shared.release(doc)
            if push.tally(doc, ready, before, rest, dry_run):
                group = []
                stopped = True
                break
        if group:
            stopped = self._flush(group, lists, push, []) or stopped
        return stopped

    def _flush(self, group: list[Ready], lists: QboLists, push: _Push,
               rest: list[SyncDoc]) -> bool:
        """Send a group of new documents as one batch; True when the run must stop."""
        report = push.report
        before = _Mark.of(push.transport)
        batch = BatchCreate(self, lists)
        outcomes = batch.send(group)
        if batch.stop is not None:  # QuickBooks wants a new sign-in
            push.stop(batch.stop, outcomes, rest)
            return True
        self._shared.release(*(ready.doc for ready in group))
        stop = push.tally_batch([ready.doc for ready in group], outcomes, before, rest)
        self._progress(len(report.outcomes), report_total(report, rest), None, report)
        return stop

    def _progress(self, done: int, total: int, current: str | None, report: SyncReport
                  ) -> None:
        if self.on_progress is not None:
            problems = sum(1 for o in report.outcomes if o.problem)
            done = min(total, done + self._shared.passed)  # passed over: done by another
            self.on_progress(Progress(done, total, current, problems))

    # --- one document ---------------------------------------------------------------

    def _vendor(self, doc: SyncDoc, lists: QboLists, create: bool, report: SyncReport
                ) -> VendorAnswer:
        """The supplier's vendor; with ``create`` a free name becomes a new vendor.

        A dry run (``report.dry_run``) writes nothing: no vendor, no supplier link.
        """
        cached = self._vendors.get(doc.supplier_id)
        if cached is not None and not (create and cached.would_create):
            return cached
        if create:  # another sync of the store may be making it: one at a time
            with self._shared.new_vendor(doc.supplier_id, lists) as linked:
                answer = self._resolve(doc, linked or doc.vendor_id, lists, True, report)
        else:
            answer = self._resolve(doc, doc.vendor_id, lists, False, report)
        if answer.problem is None or not (answer.problem.transient
                                           or answer.problem.kind is Kind.AUTH_NEEDED):
            self._vendors[doc.supplier_id] = answer  # a passing failure is not remembered
        return answer

    def _resolve(self, doc: SyncDoc, linked: str | None, lists: QboLists, create: bool,
                 report: SyncReport) -> VendorAnswer:
        """The supplier's vendor (see ``resolve``), remembered and linked when found or made."""
        answer = resolve(doc.supplier_id, doc.supplier, linked, lists,
                         self.client if create else None, store_id=self._store_id)
        if answer.created:
            report.new_vendors.append(doc.supplier)
            with self.store.session() as session:
                remember(session, "Vendor", lists.vendors[answer.vendor_id or ""])
        if answer.vendor_id and answer.linked and not report.dry_run:
            with self.store.session() as session:
                records.link_supplier(session, doc.supplier_id, answer.vendor_id)
        return answer

    def _one(self, doc: SyncDoc, lists: QboLists, dry_run: bool, report: SyncReport
             ) -> Outcome:
        ready = self._prepare(doc, lists, dry_run, report)
        return ready if isinstance(ready, Outcome) else self._send(ready, lists)

    def _prepare(self, doc: SyncDoc, lists: QboLists, dry_run: bool, report: SyncReport
                 ) -> Outcome | Ready:
        """The checks, the vendor (made when new) and the body: a document ready to send,
        or what became of it (blocked, or its vendor refused)."""
        if doc.kind is DocKind.PO and doc.status == PoStatus.CANCELLED.value and not doc.qbo_id:
            return self._nothing_to_send(doc, dry_run)
        # Checks first, creating nothing: a blocked document must not leave a new vendor behind.
        vendor = self._vendor(doc, lists, False, report)
        problems = ([vendor.problem] if vendor.problem else []) + preflight(doc, lists)
        if doc.qbo_id and doc.drift:
            problems.insert(0, changed_in_qbo(doc.label, doc.drift))
        if problems:
            return self._block(doc, problems, dry_run)
        if dry_run:
            if vendor.would_create and doc.supplier not in report.new_vendors:
                report.new_vendors.append(doc.supplier)
            if vendor.vendor_id and not doc.qbo_id:  # reads only: a clashing bill number
                try:
                    existing = self._find_existing(doc, vendor.vendor_id, lists)
                except QboClientError as error:
                    if isinstance(error, OAuthError):
                        raise Stop(diagnose(error, doc.label).explanation) from None
                    return self._fail(doc, diagnose(error, doc.label), "check", None, dry_run,
                                      definite=False)
                if isinstance(existing, Problem):
                    return self._block(doc, [existing], dry_run)
            action = ("would-update" if doc.qbo_id else "would-create")
            return Outcome(doc.kind.value, doc.number, action, doc.sync_state,
                           explanation=f"{doc.entity} for vendor "
                           + (vendor.vendor_id or f"'{doc.supplier}' (new)"))
        if vendor.would_create:
            vendor = self._vendor(doc, lists, True, report)
            if vendor.problem is not None:  # QuickBooks refused the new vendor
                failed = self._fail(doc, vendor.problem, "create-vendor", None, dry_run,
                                    definite=not vendor.problem.transient)
                if vendor.problem.kind is Kind.AUTH_NEEDED:
                    raise Stop(vendor.problem.explanation, failed)
                return failed
        vendor_id = vendor.vendor_id
        assert vendor_id is not None
        body = (purchase_order_body if doc.kind is DocKind.PO else bill_body)(doc, vendor_id,
                                                                             lists)
        return Ready(doc, vendor_id, body, _summary(doc, body))

    def _send(self, ready: Ready, lists: QboLists) -> Outcome:
        """Send one ready document: an update, an adoption of what it already made, or a
        create."""
        doc, vendor_id, body, summary = ready.doc, ready.vendor_id, ready.body, ready.summary
        try:
            if doc.qbo_id:
                return self._update(doc, body, summary)
            existing = self._find_existing(doc, vendor_id, lists)
            if isinstance(existing, Problem):
                return self._block(doc, [existing], False)
            if existing is not None:
                return self._finish(doc, existing, "adopt", summary, None, _sent_revision(doc))
            return self._create(doc, body, summary)
        except QboClientError as error:
            problem = diagnose(error, doc.label)
            definite = not problem.transient
            outcome = self._fail(doc, problem, "update" if doc.qbo_id else "create", summary,
                                 False, definite=definite,
                                 intuit_tid=getattr(error, "intuit_tid", None),
                                 exchange={"request": body, "answer": getattr(error, "raw", "")})
            if isinstance(error, OAuthError):
                raise Stop(problem.explanation, outcome) from None
            return outcome

    def _find_existing(self, doc: SyncDoc, vendor_id: str, lists: QboLists
                       ) -> dict[str, Any] | Problem | None:
        """An object this document already made (adopt it), or a clashing bill number."""
        if doc.kind is DocKind.PO and not doc.pending_request_id:
            return None  # nothing was ever in flight: the request id covers retries
        found, ours = self._look_up(doc, vendor_id)
        if ours is not None:
            return ours
        if doc.kind is DocKind.INVOICE and found and lists.warns_duplicate_bill_number:
            other = found[0]
            return Problem(
                Kind.DUPLICATE_BILL_NUMBER,
                f"{doc.supplier} already has bill {doc.doc_number} in QuickBooks (dated "
                f"{other.get('TxnDate')}, {other.get('TotalAmt')}), and the company warns about "
                "repeated bill numbers.", f"bill:{doc.supplier_id}:{doc.doc_number}",
                facts={"existing_bill_id": other.get("Id"), "doc_number": doc.doc_number,
                       "existing_date": other.get("TxnDate"),
                       "existing_total": str(other.get("TotalAmt"))})
        return None

    def _look_up(self, doc: SyncDoc, vendor_id: str
                 ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """QuickBooks' documents of this number and vendor, and the one this doc made: also
        under the number and vendor its create in flight sent (``pending_sent``), should
        the supplier or the bill number have been edited since."""
        found = self.client.query(
            f"select * from {doc.entity} where DocNumber = {quote(doc.doc_number)} "
            f"and VendorRef = {quote(vendor_id)}").get(doc.entity, [])
        sent = doc.pending_sent or {}
        earlier = (str(sent.get("DocNumber") or ""), str(sent.get("VendorRef") or ""))
        if all(earlier) and earlier != (doc.doc_number, vendor_id):
            found = found + self.client.query(
                f"select * from {doc.entity} where DocNumber = {quote(earlier[0])} "
                f"and VendorRef = {quote(earlier[1])}").get(doc.entity, [])
        return found, next((obj for obj in found if _is_ours(doc, obj)), None)

    def create_body(self, doc: SyncDoc, body: dict[str, Any], summary: dict[str, Any]
                    ) -> dict[str, Any]:
        """What a create sends: ``body``, except that a closed PO whose bills are still to
        go is sent Open (QuickBooks links no bill to a closed PO; ``_close_after_bills``
        closes it once they are in)."""
        if doc.kind is DocKind.PO and body.get("POStatus") == "Closed" and self._bills_to_link(doc):
            summary[OPEN_FOR_BILLS] = True
            return {**body, "POStatus": "Open"}
        return body

    def _create(self, doc: SyncDoc, body: dict[str, Any], summary: dict[str, Any]) -> Outcome:
        body = self.create_body(doc, body, summary)
        request_id = doc.pending_request_id or doc.request_id(self._store_id)
        # A replayed request id answers with what the revision it was made for created; an
        # id saved for a batch never went to QuickBooks, so it makes the revision sent now.
        replayed = doc.pending_request_id and not (doc.pending_sent or {}).get("batch")
        sent_revision = _sent_revision(doc) if replayed else doc.revision
        summary["request_id"] = request_id
        with self.store.session() as session:
            records.mark_pending(session, doc, request_id, sent_revision, found_by(body))
        try:
            created = self.client.create(doc.entity, body, request_id=request_id)
        except QboClientError as error:
            # The answer never came (or came broken): QuickBooks may hold it all the same.
            # Look now rather than leave it failed until a later run adopts it.
            if not _outcome_unknown(error):
                raise
            try:
                _, ours = self._look_up(doc, str(body["VendorRef"]["value"]))
            except QboClientError:
                ours = None
            if ours is None:
                raise error from None
            return self._finish(doc, ours, "adopt", summary, None, sent_revision)
        if _not_this_document(doc, created) is not None:
            # Not the document sent (e.g. a replayed answer): QuickBooks may hold this one
            # all the same. Look now; _finish keeps the outcome unknown if it is not there.
            try:
                _, ours = self._look_up(doc, str(body["VendorRef"]["value"]))
            except QboClientError:
                ours = None
            if ours is not None:
                return self._finish(doc, ours, "adopt", summary, None, sent_revision)
        return self._finish(doc, created, "create", summary, None, sent_revision)

    def _update(self, doc: SyncDoc, body: dict[str, Any], summary: dict[str, Any]) -> Outcome:
        assert doc.qbo_id is not None
        operation = "close" if doc.kind is DocKind.PO and body.get("POStatus") == "Closed" \
            else "update"

        def change(current: dict[str, Any]) -> dict[str, Any]:
            if not _still_this_document(doc, current):
                raise _NotThisDocument(current)
            # A Bill keeps every link QuickBooks holds, and gets back one it lost.
            sent = bill_update(doc, body, current) if doc.kind is DocKind.INVOICE else body
            return {**current, **sent}

        try:
            updated = self.client.update(doc.entity, doc.qbo_id, change,
                                         request_id=doc.update_request_id(self._store_id))
        except _NotThisDocument as other:
            return self._fail(doc, _held_by_another(doc, other.current), operation, summary,
                              False, definite=True)
        return self._finish(doc, updated, operation, summary, None, doc.revision)

    def _finish(self, doc: SyncDoc, obj: dict[str, Any], operation: str,
                summary: dict[str, Any], tid: str | None, sent_revision: int) -> Outcome:
        """Record what QuickBooks holds; it is "synced" only if it holds the latest revision."""
        wrong = _not_this_document(doc, obj)
        if wrong is not None:  # never believed: the document is not marked synced
            if operation not in ("create", "adopt"):
                return self._fail(doc, wrong, operation, summary, False, definite=True)
            # QuickBooks may hold the document all the same (its answer went astray): the
            # outcome is unknown. The next try looks it up first, and sends a new request
            # id (the old one would only replay the wrong answer).
            failed = self._fail(doc, wrong, operation, summary, False, definite=False)
            with self.store.session() as session:
                records.mark_pending(session, doc, request_ids.after_mismatch(
                    self._store_id, doc.kind, doc.id, doc.revision), None,
                    {"DocNumber": summary.get("DocNumber"),
                     "VendorRef": summary.get("VendorRef")})
            return failed
        dropped = self._dropped_links(doc, obj) if doc.kind is DocKind.INVOICE else []
        now = self.now()
        with self.store.session() as session:
            synced = records.record_success(session, doc, obj, operation, self.actor, now,
                                            summary, tid, sent_revision)
            if dropped:
                problem = Problem(
                    Kind.LINK_DROPPED,
                    f"QuickBooks took {doc.label} as Bill {obj['Id']} but left out its link to "
                    f"{doc.po.number if doc.po else 'the PO'} on line(s) "
                    f"{', '.join(str(n) for n in dropped)}.",
                    None, facts={"bill_id": obj["Id"], "lines": dropped})
                records.record_problem(session, doc, problem, SyncState.FAILED, "verify",
                                       self.actor, now, summary, definite=False)
                return Outcome(doc.kind.value, doc.number, operation, SyncState.FAILED.value,
                               problem.kind.value, problem.explanation, str(obj["Id"]))
        if doc.kind is DocKind.INVOICE and linked_lines(doc):
            self._follow_po(doc)
        state = SyncState.SYNCED.value if synced else SyncState.QUEUED.value
        return Outcome(doc.kind.value, doc.number, operation, state, qbo_id=str(obj["Id"]))

    def _follow_po(self, doc: SyncDoc) -> None:
        """A bill that links its PO may close it in QuickBooks (billed in full): read the PO
        now, so that SyncDesk shows it closed after this sync, not after the next one."""
        if doc.po is None or not doc.po.qbo_id:
            return
        try:
            obj = self.read("PurchaseOrder", doc.po.qbo_id)
        except QboClientError:
            return  # the next pull brings it
        with self.store.session() as session:
            po = session.get(PurchaseOrder, doc.po.id)
            if po is not None and po.qbo_id == doc.po.qbo_id and _still_this_po(po, obj):
                follow_po_status(session, po, obj, self.actor)
                po.qbo_sync_token = str(obj.get("SyncToken", po.qbo_sync_token))
                session.add(po)

    # --- closed POs sent open for their bills -------------------------------------------

    def _bills_to_link(self, doc: SyncDoc) -> bool:
        """Whether invoices billing PO ``doc`` are still to go to QuickBooks (linked to it)."""
        with self.store.session() as session:
            return session.exec(select(Invoice.id).where(
                Invoice.po_id == doc.id, col(Invoice.qbo_id).is_(None),
                col(Invoice.status).in_((InvoiceStatus.APPROVED.value,
                                         InvoiceStatus.READY_TO_PAY.value)),
                Invoice.sync_state != SyncState.EXCLUDED.value)).first() is not None

    def _close_after_bills(self, report: SyncReport) -> None:
        """Close the closed POs that went to QuickBooks open for their bills, once no bill
        of theirs is still to go (in this run, or a later one after a crash or a failure)."""
        with self.store.session() as session:
            ids = [po.id for po in session.exec(select(PurchaseOrder).where(
                PurchaseOrder.status == PoStatus.CLOSED.value,
                col(PurchaseOrder.qbo_id).is_not(None), PurchaseOrder.qbo_status == "Open",
                PurchaseOrder.sync_state == SyncState.SYNCED.value))
                if po.id is not None and _opened_for_bills(session, po.id)]
        for po_id in ids:
            if self.cancel.is_set():
                return
            key = document_key(DocKind.PO, po_id)
            if not self._shared.take(key):
                continue  # another sync is sending it: it closes it as well
            try:
                if not self._close_one(po_id, report):
                    return
            finally:
                self._shared.release_key(key)

    def _close_one(self, po_id: int, report: SyncReport) -> bool:
        """Close PO ``po_id`` in QuickBooks unless a bill of its is still to go (or another
        sync closed it meanwhile); False when the run must close no more (a sign-in)."""
        with self.store.session() as session:
            row = session.get(PurchaseOrder, po_id)
            if row is None or row.qbo_status != "Open" or \
                    row.sync_state != SyncState.SYNCED.value:
                return True
            doc = load(session, DocKind.PO, po_id)
        if doc.qbo_id is None or self._bills_to_link(doc):
            return True
        summary = {"entity": doc.entity, "DocNumber": doc.doc_number, "POStatus": "Closed"}

        def close(current: dict[str, Any], doc: SyncDoc = doc) -> dict[str, Any]:
            if not _still_this_document(doc, current):
                raise _NotThisDocument(current)
            return {**current, "POStatus": "Closed"}

        try:
            closed = self.client.update(
                doc.entity, doc.qbo_id, close,
                request_id=request_ids.close_after_bills(self._store_id, doc.id,
                                                         doc.revision))
            outcome = self._finish(doc, closed, "close", summary, None, doc.revision)
        except _NotThisDocument as other:
            outcome = self._fail(doc, _held_by_another(doc, other.current), "close",
                                 summary, False, definite=True)
        except QboClientError as error:
            if isinstance(error, OAuthError):
                return False
            outcome = self._fail(doc, diagnose(error, doc.label), "close", summary, False,
                                 definite=False)
        if outcome.sync_state != SyncState.SYNCED.value:
            report.outcomes = [o for o in report.outcomes
                               if (o.kind, o.number) != (outcome.kind, outcome.number)]
            report.outcomes.append(outcome)
        return True

    def _dropped_links(self, doc: SyncDoc, created: dict[str, Any]) -> list[int]:
        """Read the Bill back: QuickBooks can accept a Bill and silently drop a PO link."""
        wanted = linked_lines(doc)
        if not wanted or doc.po is None:
            return []
        bill = self.read("Bill", str(created["Id"]))
        linked_po_lines = {
            str(link.get("TxnLineId"))
            for line in bill.get("Line", []) for link in line.get("LinkedTxn", [])
            if link.get("TxnType") == "PurchaseOrder" and str(link.get("TxnId")) == doc.po.qbo_id
        }
        return [line.line_no for line in wanted if line.po_qbo_line_id not in linked_po_lines]

    def read(self, entity: str, obj_id: str) -> dict[str, Any]:
        """QuickBooks' object: read ahead for a whole batch (``read_ahead``), else now."""
        found = self.read_ahead.pop((entity, str(obj_id)), None)
        return found if found is not None else self.client.read(entity, obj_id)

    # --- outcomes without a send -------------------------------------------------------

    def _block(self, doc: SyncDoc, problems: list[Problem], dry_run: bool) -> Outcome:
        main = problems[0]
        if len(problems) > 1:
            main.facts["other_problems"] = [p.to_json() for p in problems[1:]]
        if not dry_run:
            with self.store.session() as session:
                records.record_problem(session, doc, main, SyncState.BLOCKED, "preflight",
                                       self.actor, self.now())
        return Outcome(doc.kind.value, doc.number, LogResult.BLOCKED.value, SyncState.BLOCKED.value,
                       main.kind.value, main.explanation)

    def _fail(self, doc: SyncDoc, problem: Problem, operation: str,
              summary: dict[str, Any] | None, dry_run: bool, definite: bool,
              intuit_tid: str | None = None, exchange: dict[str, Any] | None = None
              ) -> Outcome:
        text = problem.explanation
        if not dry_run:
            with self.store.session() as session:
                text = records.record_problem(session, doc, problem, SyncState.FAILED,
                                              operation, self.actor, self.now(), summary,
                                              definite=definite, intuit_tid=intuit_tid,
                                              auto_retry=self.auto_retry, exchange=exchange)
        return Outcome(doc.kind.value, doc.number, LogResult.FAILED.value, SyncState.FAILED.value,
                       problem.kind.value, text)

    def _nothing_to_send(self, doc: SyncDoc, dry_run: bool) -> Outcome:
        if not dry_run:
            with self.store.session() as session:
                row = records.row_of(session, doc)
                row.sync_state = SyncState.NOT_SYNCED.value
                row.problem = None
                session.add(row)
        return Outcome(doc.kind.value, doc.number, "skip", SyncState.NOT_SYNCED.value,
                       explanation="cancelled before it ever reached QuickBooks")


_SERVER_TROUBLE = (Kind.TRANSPORT.value, Kind.THROTTLED.value)


@dataclass(frozen=True)
class _Mark:
    """The transport's counters at one moment, to tell what one document's requests met."""

    answered: int
    unanswered: int
    timeouts: int

    @classmethod
    def of(cls, transport: Transport) -> _Mark:
        stats = transport.stats
        return cls(stats.writes_answered, stats.writes_unanswered, stats.timeouts)


def _quickbooks_failing(failing: list[Outcome], unsent: list[str]) -> str:
    names = ", ".join(o.number for o in failing)
    text = (f"QuickBooks is failing: {len(failing)} sends in a row got no good answer "
            f"({names}), so the sync stopped. ")
    return text + _made_anyway(failing) + _left_queued(unsent) + \
        "Sync again when QuickBooks is back."


def _made_anyway(failing: list[Outcome]) -> str:
    """Those of ``failing`` QuickBooks had made all the same (found and adopted)."""
    found = [o.number for o in failing if o.sync_state == SyncState.SYNCED.value]
    if not found:
        return ""
    names = ", ".join(found)
    return (f"QuickBooks had made {names} all the same: "
            f"{'they are' if len(found) > 1 else 'it is'} synced. ")


def _quickbooks_slow(failing: list[Outcome], unsent: list[str], timeout: float) -> str:
    names = ", ".join(o.number for o in failing)
    text = (f"QuickBooks is answering too slowly: it did not answer within "
            f"{_duration(timeout)} for {len(failing)} sends in a row ({names}), so the "
            "sync stopped. ")
    return text + _made_anyway(failing) + _left_queued(unsent) + \
        "Sync again later, when QuickBooks answers in time."


def _quickbooks_throttling(budget: float, unsent: list[str]) -> str:
    return (f"QuickBooks keeps asking SyncDesk to slow down: it turned SyncDesk's requests "
            f"away for {_duration(budget)} without taking one, so the sync stopped. "
            + _left_queued(unsent) + "Sync again in a few minutes.")


def _reading_failed(error: QboClientError, transport: Transport) -> Advice:
    """Why a run stopped before sending anything: QuickBooks' changes could not be read."""
    if transport.throttled_out:
        return Advice(_quickbooks_throttling(transport.policy.throttle_budget, []))
    problem = diagnose(error, "reading its changes and lists")
    said = problem.advice or Advice(problem.explanation)
    return Advice(said.text + (" The next sync tries again." if problem.transient else ""),
                  *said.hints)


def _documents(count: int) -> str:
    return f"{count} document{'s' if count != 1 else ''}"


def _some(numbers: list[str], shown: int = 10) -> str:
    more = len(numbers) - shown
    return ", ".join(numbers[:shown]) + (f" and {more} more" if more > 0 else "")


def _left_queued(unsent: list[str]) -> str:
    if not unsent:
        return ""
    shown = ", ".join(unsent[:10]) + (f" and {len(unsent) - 10} more"
                                      if len(unsent) > 10 else "")
    return (f"{len(unsent)} document{'s' if len(unsent) != 1 else ''} not sent "
            f"{'stay' if len(unsent) != 1 else 'stays'} queued: {shown}. ")


def _duration(seconds: float) -> str:
    if seconds >= 60:
        minutes = seconds / 60
        return f"{minutes:g} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


def _sent_revision(doc: SyncDoc) -> int:
    """The revision the pending request of ``doc`` sent (its current one if unknown)."""
    return doc.pending_revision if doc.pending_revision is not None else doc.revision


def _outcome_unknown(error: QboClientError) -> bool:
    """Whether QuickBooks may have done the work although SyncDesk got no good answer."""
    if isinstance(error, TransportError):
        return True
    return isinstance(error, QboFault) and error.http_status >= 500 and not error.throttled


def _not_this_document(doc: SyncDoc, obj: dict[str, Any]) -> Problem | None:
    """A problem when QuickBooks' answer is not ``doc`` (its number, SyncDesk's marker, and
    for an update its id): e.g. a request id another store used first."""
    number = str(obj.get("DocNumber", ""))
    same_id = doc.qbo_id is None or str(obj.get("Id")) == doc.qbo_id
    if number == doc.doc_number and _is_ours(doc, obj) and same_id:
        return None
    return Problem(
        Kind.ANSWER_MISMATCH,
        f"QuickBooks answered SyncDesk's request for {doc.label} with another document "
        f"({doc.entity} {obj.get('Id')}, number {number or 'none'}"
        + (f", note '{str(obj.get('PrivateNote'))[:60]}'" if obj.get("PrivateNote") else "")
        + "), so SyncDesk did not take it as sent and marked nothing synced. Resend sends "
        "it again as a new request.", None,
        facts={"answered_id": obj.get("Id"), "answered_number": number,
               "expected_number": doc.doc_number})


def _opened_for_bills(session: Session, po_id: int) -> bool:
    """Whether the last write of PO ``po_id`` to QuickBooks sent it open for its bills."""
    last = session.exec(select(SyncLogEntry).where(
        SyncLogEntry.doc_kind == DocKind.PO.value, SyncLogEntry.doc_id == po_id,
        SyncLogEntry.result == LogResult.SUCCESS.value,
    ).order_by(col(SyncLogEntry.id).desc())).first()
    sent = ((last.detail or {}).get("sent") or {}) if last is not None else {}
    return bool(sent.get(OPEN_FOR_BILLS))


def _is_ours(doc: SyncDoc, obj: dict[str, Any]) -> bool:
    """Whether ``obj`` is what this document made: its marker with this store's lineage."""
    return doc.made(obj)


class _NotThisDocument(Exception):
    """The QuickBooks record a document is linked to now holds another document."""

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__("not this document")
        self.current = current


def _still_this_document(doc: SyncDoc, current: dict[str, Any]) -> bool:
    """Whether the record ``doc`` is linked to still holds it: its marker, or (the marker
    removed in QuickBooks) no SyncDesk marker and its number."""
    if _is_ours(doc, current):
        return True
    if str(current.get("PrivateNote") or "").startswith(MARKER + " "):
        return False  # another document's, or another store's
    return str(current.get("DocNumber", "")) == doc.doc_number


def _held_by_another(doc: SyncDoc, current: dict[str, Any]) -> Problem:
    number = current.get("DocNumber") or "no number"
    return Problem(
        Kind.DELETED_IN_QBO,
        f"The QuickBooks record {doc.entity} {current.get('Id')} that {doc.label} was linked "
        f"to now holds another document ({number}), so SyncDesk did not write to it: "
        f"{doc.label} is no longer in QuickBooks.", None,
        facts={"qbo_id": current.get("Id"), "entity": doc.entity, "held_number": number})


def _summary(doc: SyncDoc, body: dict[str, Any]) -> dict[str, Any]:
    """What was sent, in short (no secrets ever travel in a body)."""
    return {"entity": doc.entity, "DocNumber": body.get("DocNumber"),
            "VendorRef": body.get("VendorRef", {}).get("value"),
            "TxnDate": body.get("TxnDate"), "lines": len(body.get("Line", [])),
            "total": str(doc.total)}


def _still_this_po(po: PurchaseOrder, obj: dict[str, Any]) -> bool:
    """Whether QuickBooks' ``obj`` is still the PO ``po`` (its number)."""
    return str(obj.get("DocNumber", "")) == po.number
