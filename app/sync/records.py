"""Writing a sync attempt's outcome: the document's state, its history, the sync log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlmodel import Session, select

from app.domain.events import Event, LogResult
from app.domain.problems import Problem
from app.domain.states import DocKind, SyncState
from app.logs import redact, redact_all
from app.operations.history import record
from app.store.models import Invoice, InvoiceLine, PoLine, PurchaseOrder, Supplier, SyncLogEntry
from app.sync.documents import SyncDoc


class DocRef(Protocol):
    """Which document: a ``SyncDoc`` or a ``Ref``."""

    kind: DocKind
    id: int
    number: str


@dataclass(frozen=True)
class Ref:
    kind: DocKind
    id: int
    number: str


MAX_AUTO_RETRIES = 5
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
                timedelta(hours=1), timedelta(hours=4))


def row_of(session: Session, doc: DocRef) -> PurchaseOrder | Invoice:
    model = PurchaseOrder if doc.kind is DocKind.PO else Invoice
    row = session.get(model, doc.id)
    assert row is not None
    return row


def log_attempt(session: Session, doc: DocRef | None, operation: str, result: str,
                *, code: str | None = None, message: str | None = None,
                intuit_tid: str | None = None, detail: dict[str, Any] | None = None) -> None:
    session.add(SyncLogEntry(
        doc_kind=doc.kind.value if doc else None, doc_id=doc.id if doc else None,
        doc_number=doc.number if doc else None, operation=operation, result=result, code=code,
        message=redact(message) if message else message, intuit_tid=intuit_tid,
        detail=redact_all(detail) if detail else detail,  # QuickBooks' words: no secrets
        problem=((detail or {}).get("problem") or {}).get("kind")))


def mark_pending(session: Session, doc: DocRef, request_id: str,
                 revision: int | None = None, sent: dict[str, Any] | None = None) -> None:
    """Remember a create is in flight, which revision it sends and what it can be found
    by (``sent``: its DocNumber and VendorRef), before it is sent."""
    row = row_of(session, doc)
    row.pending_request_id = request_id
    row.pending_revision = revision
    row.pending_sent = sent
    session.add(row)


def link_supplier(session: Session, supplier_id: int, vendor_id: str) -> None:
    supplier = session.get(Supplier, supplier_id)
    if supplier is not None and supplier.qbo_vendor_id != vendor_id:
        supplier.qbo_vendor_id = vendor_id
        session.add(supplier)


def record_success(session: Session, doc: SyncDoc, obj: dict[str, Any], operation: str,
                   actor: str, now: datetime, summary: dict[str, Any],
                   intuit_tid: str | None = None, sent_revision: int | None = None) -> bool:
    """Store QuickBooks' id, SyncToken, status and line ids; True when the doc is now synced.

    QuickBooks may hold an older revision than the store (an edit made while it was
    being sent, or an adopted/replayed create of an earlier revision): the document
    then stays queued and its latest revision goes next, as an update.
    """
    row = row_of(session, doc)
    row.qbo_id = str(obj["Id"])
    row.qbo_sync_token = str(obj.get("SyncToken", ""))
    row.qbo_status = qbo_status(doc, obj)
    row.pending_request_id = row.pending_revision = row.pending_sent = None
    row.auto_retries = 0
    row.next_attempt_at = None
    row.last_error_code = row.last_error_message = None
    row.last_error_detail = None
    row.synced_at = now
    current = row.revision == (doc.revision if sent_revision is None else sent_revision)
    if current:
        row.sync_state = SyncState.SYNCED.value
        row.problem = None
    _store_line_ids(session, doc, obj)
    session.add(row)
    verb = {"create": "Created", "update": "Updated", "adopt": "Found", "close": "Closed"}
    text = (f"{verb.get(operation, operation)} in QuickBooks as {doc.entity} {row.qbo_id}"
            + ("" if current else " (edited meanwhile: queued again)"))
    record(session, doc.kind, doc.id, actor, Event.SYNC, text,
           {"operation": operation, "outcome": SyncState.SYNCED.value, "qbo_id": row.qbo_id,
            "intuit_tid": intuit_tid, "sent": summary})
    log_attempt(session, doc, operation, LogResult.SUCCESS.value, intuit_tid=intuit_tid,
                message=text, detail={"sent": summary, "qbo_id": row.qbo_id})
    return current


def qbo_status(doc: SyncDoc, obj: dict[str, Any]) -> str | None:
    if doc.kind is DocKind.PO:
        return obj.get("POStatus")
    balance = obj.get("Balance")
    if balance is None:
        return None
    return "Paid" if str(balance) in ("0", "0.0", "0.00") else "Open"


def _store_line_ids(session: Session, doc: SyncDoc, obj: dict[str, Any]) -> None:
    qbo_lines = [line for line in obj.get("Line", []) if line.get("Id") and
                 line.get("DetailType") != "SubTotalLineDetail"]
    model = PoLine if doc.kind is DocKind.PO else InvoiceLine
    parent = PoLine.po_id if doc.kind is DocKind.PO else InvoiceLine.invoice_id
    rows = session.exec(select(model).where(parent == doc.id)).all()
    by_no = {row.line_no: row for row in rows}
    for line, qbo_line in zip(doc.lines, qbo_lines, strict=False):
        row = by_no.get(line.line_no)
        if row is not None:
            row.qbo_line_id = str(qbo_line["Id"])
            session.add(row)


def record_problem(session: Session, doc: DocRef, problem: Problem, state: SyncState,
                   operation: str, actor: str, now: datetime,
                   summary: dict[str, Any] | None = None, definite: bool = True,
                   intuit_tid: str | None = None, auto_retry: bool = False,
                   exchange: dict[str, Any] | None = None) -> str:
    """Mark the document blocked or failed with its problem; returns the text shown.

    A transient failure goes again by itself: with ``auto_retry`` (something, such
    as the window's scheduled sync, will run at the time given) the text names that
    time; without it (the command line) it goes with the next sync, and says so.
    """
    row = row_of(session, doc)
    row.sync_state = state.value
    row.problem = problem.kind.value
    detail = redact_all(problem.to_json())  # QuickBooks' words may echo a secret
    explanation = redact(problem.explanation)
    if problem.transient and state is SyncState.FAILED:
        if row.auto_retries < MAX_AUTO_RETRIES:
            row.auto_retries += 1
            if auto_retry:
                when = now + RETRY_DELAYS[min(row.auto_retries - 1, len(RETRY_DELAYS) - 1)]
                row.next_attempt_at = when
                explanation += f" Next automatic try: {when:%Y-%m-%d %H:%M} UTC."
            else:
                row.next_attempt_at = now  # due at the next sync, whenever that is run
                explanation += (" The next sync tries it again; Resend or resync-failures "
                                "sends it now.")
        else:
            row.next_attempt_at = None
            explanation += (" It gave up after several tries; use Resend or resync-failures "
                            "when QuickBooks is back.")
    else:
        row.next_attempt_at = None
        if definite and state is SyncState.FAILED:
            row.attempt += 1  # the next try is a new request, not a replay of this one
            row.pending_request_id = row.pending_revision = row.pending_sent = None
    detail["explanation"] = explanation
    first = problem.faults[0] if problem.faults else {}
    row.last_error_code = first.get("code") or None
    row.last_error_message = explanation
    row.last_error_detail = detail
    session.add(row)
    blocked = state is SyncState.BLOCKED
    outcome = SyncState.BLOCKED if blocked else SyncState.FAILED  # the history's word
    result = LogResult.BLOCKED if blocked else LogResult.FAILED  # the sync log's
    record(session, doc.kind, doc.id, actor, Event.SYNC,
           ("Not sent: " if blocked else "QuickBooks did not take it: ")
           + explanation,
           {"operation": operation, "outcome": outcome.value, "problem": problem.kind.value,
            "code": row.last_error_code, "intuit_tid": intuit_tid, "sent": summary})
    log_detail: dict[str, Any] = {"problem": problem.to_json(), "sent": summary}
    if exchange:  # the body posted and QuickBooks' raw answer, secrets removed (support files)
        log_detail["request"] = json.loads(redact(json.dumps(exchange.get("request"),
                                                             default=str)))
        log_detail["answer"] = redact(str(exchange.get("answer") or ""))
    log_attempt(session, doc, operation, result.value, code=row.last_error_code,
                message=explanation, intuit_tid=intuit_tid, detail=log_detail)
    return explanation
