"""The sync log service: every attempt and pull, newest first, filtered and paged in SQL;
one row's details; what Resync Failures would send; the filtered log exported to CSV.

The window's Sync Log page (``syncLogTable``) reads it; ``SyncService.log`` keeps the
command line's simpler ``log``. Filters (``LogFilter``) all run in SQL, each on an index
at 100,000 rows (migration 0011): the date range on ``at``, the result on ``result``,
the document type on ``(doc_kind, doc_id)``, the problem kind on ``problem``, a document
number (its beginning, or exact) on ``doc_number``.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import col, select

from app.domain.events import LogResult
from app.domain.money import format_money
from app.domain.problems import FIXES, Kind, label, meaning
from app.domain.roles import Permission
from app.domain.states import NEEDS_ATTENTION, DocKind
from app.errors import UserError
from app.services.team import check
from app.store.database import Store
from app.store.models import Invoice, PurchaseOrder, SyncLogEntry
from app.work import Cancelled, OnProgress, check_cancel, report_progress

__all__ = ["CSV_HEADERS", "ExportReport", "LogDetail", "LogFilter", "LogPage", "LogRow",
           "LogType", "ResyncDocument", "ResyncPreview", "SyncLogService"]

EXPORT_BATCH = 1000  # rows read (and written) at a time by the CSV export
PAGE_SIZE = 100  # a page of the Sync Log page, unless asked otherwise


class LogType(StrEnum):
    """What a sync log row is about: a PO, an invoice, or a pull of QuickBooks' changes."""

    PO = DocKind.PO.value
    INVOICE = DocKind.INVOICE.value
    PULL = "pull"


@dataclass(frozen=True)
class LogFilter:
    """Which rows of the sync log to show; every field left None shows all.

    ``date_from``/``date_to``: UTC days, both included. ``result``: a ``LogResult``
    (success, failed, blocked). ``doc_type``: a ``LogType`` (po, invoice, pull).
    ``problem``: a problem kind. ``document``: a document number's beginning
    ("PO-10" finds PO-1001 … PO-1099; letters as written, case counts), or the whole
    number only with ``exact``.
    """

    date_from: date | None = None
    date_to: date | None = None
    result: str | None = None
    doc_type: str | None = None
    problem: str | None = None
    document: str | None = None
    exact: bool = False


@dataclass(frozen=True)
class LogRow:
    """One row of the sync log: an attempt on a document, or a pull."""

    id: int  # what ``details`` takes
    at: datetime
    kind: DocKind | None  # None: a pull (or another whole-company entry)
    document: str | None
    operation: str
    result: str
    problem: str | None  # the problem kind of a failed or blocked attempt
    code: str | None
    message: str | None
    intuit_tid: str | None

    @property
    def when(self) -> str:
        """The time as the command line prints it: "2026-12-01 09:30:12" (UTC)."""
        return self.at.strftime("%Y-%m-%d %H:%M:%S")

    @property
    def problem_label(self) -> str:
        """The problem in two or three words ("vendor inactive"); "" without one."""
        return label(self.problem) if self.problem else ""

    @property
    def type_text(self) -> str:
        """"PO", "Invoice", or "Pull" for a row about no document."""
        if self.kind is None:
            return "Pull" if self.operation.startswith(LogType.PULL.value) else ""
        return self.kind.label[:1].upper() + self.kind.label[1:]


@dataclass(frozen=True)
class LogPage:
    """One page of the filtered log, newest first, and how many rows match in all."""

    rows: tuple[LogRow, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


@dataclass(frozen=True)
class LogDetail:
    """One row in full: what was sent, and QuickBooks' answer."""

    row: LogRow
    sent: Mapping[str, Any] | None  # entity, DocNumber, VendorRef, TxnDate, lines, total
    request_id: str | None  # the idempotent requestid the create went with
    qbo_id: str | None  # the QuickBooks id it got (success)
    explanation: str | None  # SyncDesk's words for what happened
    code: str | None  # QuickBooks' error code
    message: str | None  # QuickBooks' own message (its first error's)
    detail: str | None  # QuickBooks' Fault detail ("Detail" of its first error)
    element: str | None  # the field QuickBooks named, if it named one
    intuit_tid: str | None  # QuickBooks' transaction id, for Intuit support
    problem: str | None
    meaning: str | None  # the problem kind in a few plain words
    fix: str | None  # the fix-it wizard's id
    faults: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    @property
    def total_sent(self) -> Decimal | None:
        return _money((self.sent or {}).get("total"))


@dataclass(frozen=True)
class ResyncDocument:
    kind: DocKind
    number: str
    sync_state: str
    problem: str | None

    @property
    def problem_label(self) -> str:
        return label(self.problem) if self.problem else ""


@dataclass(frozen=True)
class ResyncPreview:
    """What Resync Failures would send: every failed or blocked document (excluded ones
    stay out), POs first, in the order they were made."""

    documents: tuple[ResyncDocument, ...]

    @property
    def count(self) -> int:
        return len(self.documents)

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(d.number for d in self.documents)


@dataclass(frozen=True)
class ExportReport:
    path: Path
    rows: int


CSV_HEADERS = ("When (UTC)", "Type", "Document", "Operation", "Result", "Problem", "Code",
               "Message", "QuickBooks transaction id", "Request id", "Total sent")


class SyncLogService:
    """The sync log, a company admin's to read (``NotAllowed`` for anyone else); the
    Resync Failures preview is everyone's."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def page(self, where: LogFilter = LogFilter(), offset: int = 0,
             limit: int = PAGE_SIZE) -> LogPage:
        """Rows ``offset`` to ``offset + limit`` of the filtered log, newest first, with
        the number of rows that match."""
        if offset < 0 or limit < 1:
            raise ValueError("offset must be 0 or more and limit 1 or more")
        check(self._store, Permission.SYNC_LOG)
        conditions = _conditions(where)
        query = (select(SyncLogEntry).where(*conditions)
                 .order_by(col(SyncLogEntry.id).desc()).offset(offset).limit(limit))
        counting = select(func.count()).select_from(SyncLogEntry).where(*conditions)
        with self._store.session() as session:
            rows = tuple(_row(r) for r in session.exec(query))
            total = session.exec(counting).one()
        return LogPage(rows, int(total), offset, limit)

    def count(self, where: LogFilter = LogFilter()) -> int:
        check(self._store, Permission.SYNC_LOG)
        with self._store.session() as session:
            return int(session.exec(select(func.count()).select_from(SyncLogEntry)
                                    .where(*_conditions(where))).one())

    def details(self, entry_id: int) -> LogDetail:
        """One row in full (``LogRow.id``)."""
        check(self._store, Permission.SYNC_LOG)
        with self._store.session() as session:
            entry = session.get(SyncLogEntry, entry_id)
            if entry is None:
                raise UserError("That sync log entry is not there any more (the store was "
                                "restored or made again).")
            return _detail(entry)

    def resync_preview(self) -> ResyncPreview:
        """The documents Resync Failures would queue and send, for its confirmation."""
        found: list[ResyncDocument] = []
        with self._store.session() as session:
            for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
                rows = session.execute(
                    select(model.number, model.sync_state, model.problem)
                    .where(col(model.sync_state).in_([s.value for s in NEEDS_ATTENTION]))
                    .order_by(col(model.id)))
                found += [ResyncDocument(kind, number, state, problem)
                          for number, state, problem in rows]
        return ResyncPreview(tuple(found))

    def export_csv(self, path: str | os.PathLike[str], where: LogFilter = LogFilter(), *,
                   on_progress: OnProgress | None = None,
                   cancel: threading.Event | None = None) -> ExportReport:
        """Write the filtered log, newest first, to a CSV file at ``path`` (UTF-8 with a
        byte order mark, which spreadsheet programs read right), in batches.

        All or nothing: the rows go to a temporary file next to ``path``, which replaces
        ``path`` only once complete; a cancel (``Cancelled``) or an error leaves no file
        behind (and an earlier file at ``path`` as it was)."""
        target = Path(path)
        conditions = _conditions(where)
        total = self.count(where)
        folder = target.parent if str(target.parent) else Path(".")
        try:
            handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                               dir=folder)
        except OSError as exc:
            raise UserError(f"SyncDesk cannot write in {folder}: {exc.strerror or exc}.") \
                from None
        written = 0
        try:
            with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(CSV_HEADERS)
                report_progress(on_progress, 0, total, "exporting the sync log")
                for batch in self._batches(conditions):
                    check_cancel(cancel)
                    writer.writerows(_csv_row(entry) for entry in batch)
                    written += len(batch)
                    report_progress(on_progress, written, max(total, written),
                                    "exporting the sync log")
                check_cancel(cancel)
            os.replace(partial, target)
        except Cancelled:
            _remove(partial)
            raise
        except OSError as exc:
            _remove(partial)
            raise UserError(f"The sync log could not be saved to {target}: "
                            f"{exc.strerror or exc}.") from None
        except BaseException:
            _remove(partial)
            raise
        return ExportReport(target, written)

    def _batches(self, conditions: list[ColumnElement[bool]]) -> Iterator[list[Any]]:
        """The matching rows, newest first, ``EXPORT_BATCH`` at a time (by id, so rows
        logged meanwhile neither shift nor repeat a batch)."""
        before: int | None = None
        while True:
            query = select(SyncLogEntry).where(*conditions)
            if before is not None:
                query = query.where(col(SyncLogEntry.id) < before)
            query = query.order_by(col(SyncLogEntry.id).desc()).limit(EXPORT_BATCH)
            with self._store.session() as session:
                batch = [(_row(e), _detail(e)) for e in session.exec(query)]
            if not batch:
                return
            yield batch
            before = batch[-1][0].id
            if len(batch) < EXPORT_BATCH:
                return


def _conditions(where: LogFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if where.date_from and where.date_to and where.date_from > where.date_to:
        raise UserError(f"The date range ends ({where.date_to}) before it starts "
                        f"({where.date_from}).")
    if where.date_from:
        found.append(col(SyncLogEntry.at) >= _day_start(where.date_from))
    if where.date_to:
        found.append(col(SyncLogEntry.at) < _day_start(where.date_to + timedelta(days=1)))
    if where.result:
        results = [r.value for r in LogResult]
        if where.result not in results:
            raise UserError(f"'{where.result}' is not a sync result (one of: "
                            f"{', '.join(results)}).")
        found.append(col(SyncLogEntry.result) == where.result)
    if where.doc_type:
        types = [t.value for t in LogType]
        if where.doc_type not in types:
            raise UserError(f"'{where.doc_type}' is not a kind of sync log row (one of: "
                            f"{', '.join(types)}).")
        if where.doc_type == LogType.PULL:
            found.append(and_(col(SyncLogEntry.doc_kind).is_(None),
                              col(SyncLogEntry.operation).startswith(LogType.PULL.value)))
        else:
            found.append(col(SyncLogEntry.doc_kind) == where.doc_type)
    if where.problem:
        try:
            Kind(where.problem)
        except ValueError:
            raise UserError(f"'{where.problem}' is not a problem SyncDesk knows.") from None
        found.append(col(SyncLogEntry.problem) == where.problem)
    number = (where.document or "").strip()
    if number:
        if where.exact:
            found.append(col(SyncLogEntry.doc_number) == number)
        else:  # a range, so that the index on doc_number serves it (LIKE would not)
            found.append(and_(col(SyncLogEntry.doc_number) >= number,
                              col(SyncLogEntry.doc_number) < number + "\U0010ffff"))
    return found


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _row(entry: SyncLogEntry) -> LogRow:
    assert entry.id is not None
    kind = DocKind(entry.doc_kind) if entry.doc_kind else None
    return LogRow(entry.id, entry.at, kind, entry.doc_number, entry.operation, entry.result,
                  entry.problem, entry.code, entry.message, entry.intuit_tid)


def _detail(entry: SyncLogEntry) -> LogDetail:
    data = entry.detail if isinstance(entry.detail, dict) else {}
    sent = data.get("sent") if isinstance(data.get("sent"), dict) else None
    problem = data.get("problem") if isinstance(data.get("problem"), dict) else {}
    faults = tuple(f for f in problem.get("faults") or [] if isinstance(f, dict))
    first = faults[0] if faults else {}
    kind = entry.problem or problem.get("kind")
    try:
        fix = FIXES[Kind(kind)] if kind else None
    except ValueError:
        fix = None
    return LogDetail(
        _row(entry), sent, (sent or {}).get("request_id"), data.get("qbo_id"), entry.message,
        entry.code or first.get("code") or None, first.get("message") or None,
        first.get("detail") or None, first.get("element") or None,
        entry.intuit_tid or first.get("intuit_tid") or None, kind,
        meaning(kind) if kind else None, fix, faults)


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _csv_row(pair: tuple[LogRow, LogDetail]) -> list[str]:
    row, detail = pair
    total = detail.total_sent
    return [row.when, row.type_text, row.document or "", row.operation, row.result,
            row.problem_label, row.code or "", row.message or "", row.intuit_tid or "",
            detail.request_id or "", format_money(total) if total is not None else ""]


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
