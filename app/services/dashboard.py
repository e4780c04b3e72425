"""The dashboard service: counts by sync state and problem kind with their meanings, the
problems grouped by root cause with a plain title and what fixes them, sync results per
day, and the connection's health. Read only; each part is a method of its own, and
``overview`` gives them all at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, union_all
from sqlmodel import Session, col, select

from app.connection.service import connection_status
from app.domain.events import LogResult
from app.domain.problems import FIXES, Kind, meaning
from app.domain.states import NEEDS_ATTENTION, DocKind, SyncState
from app.domain.wording import STATE_MEANINGS
from app.services.dashboard_views import (
    Dashboard,
    DayResults,
    GroupDocument,
    ProblemCount,
    ProblemGroupView,
    StateCount,
    SyncHealth,
)
from app.services.sync_log import LogType
from app.store.database import Store
from app.store.models import Invoice, PurchaseOrder, Supplier, SyncLogEntry
from app.store.queries import count_by
from app.store.types import UTCDateTime, utcnow
from app.text import upper_first

__all__ = ["CHART_DAYS", "THROTTLE_DAYS", "DashboardService"]

CHART_DAYS = 30  # the sync results chart: this many UTC days, today the last
THROTTLE_DAYS = 7  # "throttling seen": throttled attempts over this many days

# The order ``status`` prints the states in.
STATE_ORDER = (SyncState.SYNCED, SyncState.QUEUED, SyncState.BLOCKED, SyncState.FAILED,
               SyncState.EXCLUDED, SyncState.NOT_SYNCED)
_CONNECTION_GROUP = "connection"  # transport, throttling and sign-in problems share it


class DashboardService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def overview(self, now: datetime | None = None) -> Dashboard:
        return Dashboard(self.states(), self.problems(), self.problem_groups(),
                         self.days(now=now), self.health(now=now))

    def states(self) -> tuple[StateCount, ...]:
        """Every sync state with its POs and invoices and its meaning."""
        with self._store.session() as session:
            per_kind = {kind: count_by(session, kind, "sync_state") for kind in DocKind}
        return tuple(StateCount(state, per_kind[DocKind.PO].get(state.value, 0),
                                per_kind[DocKind.INVOICE].get(state.value, 0),
                                STATE_MEANINGS[state]) for state in STATE_ORDER)

    def problems(self) -> tuple[ProblemCount, ...]:
        """Failed or blocked documents (both kinds) by problem kind, most first."""
        counts: dict[str, int] = {}
        with self._store.session() as session:
            for kind in DocKind:
                for problem, n in count_by(session, kind, "problem").items():
                    counts[problem] = counts.get(problem, 0) + n
        return tuple(ProblemCount(problem, n, meaning(problem), _fix(problem))
                     for problem, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def problem_groups(self) -> tuple[ProblemGroupView, ...]:
        """Failed or blocked documents by root cause, one document alone a group too;
        most documents first, then in the order the documents were made (POs first)."""
        with self._store.session() as session:
            found = list(_attention(session))
        keyed: dict[str, list[dict[str, Any]]] = {}
        order: list[tuple[str | None, list[dict[str, Any]]]] = []
        for doc in found:
            key = doc["group"]
            if key is None:
                order.append((None, [doc]))
            elif key in keyed:
                keyed[key].append(doc)
            else:
                keyed[key] = [doc]
                order.append((key, keyed[key]))
        groups = [_group_view(key, docs) for key, docs in order]
        ranked = sorted(enumerate(groups), key=lambda ig: (-ig[1].count, ig[0]))
        return tuple(group for _i, group in ranked)

    def days(self, count: int = CHART_DAYS, now: datetime | None = None
             ) -> tuple[DayResults, ...]:
        """Attempts on documents per UTC day over the last ``count`` days (today the last,
        days without attempts as zeros), by result, in one query."""
        today = (now or utcnow()).astimezone(UTC).date()
        first = today - timedelta(days=count - 1)
        days = [first + timedelta(days=i) for i in range(count)]
        bounds = union_all(*(
            select(literal(i).label("n"), literal(_start(day), UTCDateTime()).label("lo"),
                   literal(_start(day + timedelta(days=1)), UTCDateTime()).label("hi"))
            for i, day in enumerate(days))).cte("days")
        log = SyncLogEntry.__table__.c  # type: ignore[attr-defined]

        def counted(result: LogResult) -> Any:
            return func.coalesce(func.sum(case((log.result == result.value, 1), else_=0)), 0)

        query: Select[Any] = (
            select(bounds.c.n, counted(LogResult.SUCCESS), counted(LogResult.FAILED),
                   counted(LogResult.BLOCKED))
            .select_from(bounds.outerjoin(SyncLogEntry.__table__, and_(  # type: ignore[attr-defined]
                log.at >= bounds.c.lo, log.at < bounds.c.hi, log.doc_kind.is_not(None))))
            .group_by(bounds.c.n).order_by(bounds.c.n))
        with self._store.session() as session:
            rows = {n: (s, f, b) for n, s, f, b in session.execute(query)}
        return tuple(DayResults(day, *(int(v) for v in rows.get(i, (0, 0, 0))))
                     for i, day in enumerate(days))

    def health(self, now: datetime | None = None) -> SyncHealth:
        """The connection, the last successful sync and pull, when the sign-in ends, and
        how often QuickBooks throttled SyncDesk lately."""
        since = (now or utcnow()) - timedelta(days=THROTTLE_DAYS)
        with self._store.session() as session:
            last_success = session.exec(
                select(SyncLogEntry.at).where(
                    col(SyncLogEntry.result) == LogResult.SUCCESS.value,
                    col(SyncLogEntry.doc_kind).is_not(None))
                .order_by(col(SyncLogEntry.id).desc()).limit(1)).first()
            last_pull = session.exec(
                select(SyncLogEntry.at).where(
                    col(SyncLogEntry.doc_kind).is_(None),
                    col(SyncLogEntry.operation).startswith(LogType.PULL.value),
                    col(SyncLogEntry.result) == LogResult.SUCCESS.value)
                .order_by(col(SyncLogEntry.id).desc()).limit(1)).first()
            throttled = session.exec(
                select(func.count()).select_from(SyncLogEntry).where(
                    col(SyncLogEntry.problem) == Kind.THROTTLED.value,
                    col(SyncLogEntry.at) >= since)).one()
        status = connection_status(self._store)
        expires = status.get("refresh_token_expires_at")
        return SyncHealth(status["state"], status.get("environment"), status.get("company"),
                          last_success, last_pull,
                          datetime.fromisoformat(expires) if expires else None,
                          int(throttled), status.get("warning"))


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _fix(problem: str | None) -> str | None:
    try:
        return FIXES[Kind(problem)] if problem else None
    except ValueError:
        return None


def _attention(session: Session) -> Iterable[dict[str, Any]]:
    """Every failed or blocked document, POs first, each in the order they were made."""
    for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
        rows = session.execute(
            select(model.number, model.problem, model.last_error_detail, Supplier.name)
            .join(Supplier, col(Supplier.id) == model.supplier_id, isouter=True)
            .where(col(model.sync_state).in_([s.value for s in NEEDS_ATTENTION]))
            .order_by(col(model.id)))
        for number, problem, detail, supplier in rows:
            detail = detail if isinstance(detail, dict) else {}
            yield {"kind": kind, "number": number, "problem": problem or Kind.UNKNOWN.value,
                   "group": detail.get("group") or None, "facts": detail.get("facts") or {},
                   "supplier": supplier}


def _group_view(key: str | None, docs: list[dict[str, Any]]) -> ProblemGroupView:
    first = docs[0]
    fixes = {_fix(d["problem"]) for d in docs}
    cause = _cause(key, first) if key is not None else upper_first(meaning(first["problem"]))
    if key is not None and len({d["problem"] for d in docs}) > 1:
        cause = "QuickBooks could not be reached, was busy, or wants a new sign-in" \
            if key == _CONNECTION_GROUP else upper_first(meaning(first["problem"]))
    return ProblemGroupView(cause, first["problem"], fixes.pop() if len(fixes) == 1 else None,
                            key, tuple(GroupDocument(d["kind"], d["number"]) for d in docs))


def _cause(key: str, doc: Mapping[str, Any]) -> str:
    """A group's root cause in plain words, from its key and its first document's facts."""
    facts: Mapping[str, Any] = doc["facts"]
    supplier = facts.get("supplier") or doc["supplier"] or "of these documents"
    problem = doc["problem"]
    if problem == Kind.INACTIVE_VENDOR:
        return f"Vendor {supplier} is inactive in QuickBooks"
    if problem == Kind.DUPLICATE_NAME:
        holder = facts.get("holder_kind")
        return (f"The name {supplier} belongs to a QuickBooks {holder}" if holder
                else f"The name {supplier} is taken in QuickBooks")
    if problem == Kind.AP_AR_LINE_ACCOUNT:
        return "Lines on an Accounts Payable or Receivable account"
    if problem == Kind.MISSING_REFERENCE and ":" in key:
        what, name = key.split(":", 1)
        noun = "Item" if what == "item" else "Account"
        return f"{noun} {name} is missing or inactive in QuickBooks"
    if problem == Kind.DUPLICATE_BILL_NUMBER:
        number = facts.get("doc_number") or key.rsplit(":", 1)[-1]
        return f"Bill number {number} is already in QuickBooks for {supplier}"
    if problem == Kind.CLOSED_PERIOD:
        closing = facts.get("closing_date")
        return ("Dated in a period whose books are closed"
                + (f" (up to {closing})" if closing else ""))
    return upper_first(meaning(problem))
