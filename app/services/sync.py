"""The sync service: sync, dry run, resend, resync failures, exclude and include,
the sync log, status and problem groups.

Long calls (``run``, ``resend``, ``resync_failures``) take ``on_progress`` and
``cancel`` (``app/work.py``) and return the engine's ``SyncReport``; a cancelled
run stops between documents, so nothing is left half-sent. They open the
company's QuickBooks client, which may need the encrypted keyring's passphrase:
``passphrase`` is asked only then (the command line passes its prompt, the
window a dialog). Another sync holding the store raises ``SyncBusy`` (a
``UserError``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import col, func, select

from app.connection.service import connection_status, open_client
from app.domain.roles import Permission
from app.domain.states import NEEDS_ATTENTION, DocKind, SyncState
from app.errors import KeyringLocked, UserError
from app.hints import Action, Hint
from app.operations.lookup import find_document
from app.qbo.client import QboClient
from app.qbo.errors import OAuthError
from app.qbo.keychain import NoKeychain, PassphraseNeeded
from app.services.team import Login, check, store_login
from app.store.database import Store
from app.store.models import (
    HistoryEvent,
    Invoice,
    PurchaseOrder,
    SyncLockRow,
    SyncLogEntry,
    TeamUser,
)
from app.store.queries import count_by, not_synced_by_status, problem_groups
from app.store.types import utcnow
from app.sync import actions
from app.sync.engine import Outcome, SyncEngine, SyncReport
from app.sync.lock import NAME as LOCK_NAME
from app.sync.lock import SyncBusy
from app.sync.lock import holders as lock_holders
from app.sync.pull import PullReport, list_ages
from app.work import OnProgress

__all__ = ["DocumentSyncState", "LogEntry", "LogQuery", "NotConnected", "Outcome",
           "Passphrase", "ProblemGroup", "PullReport", "SyncBusy", "SyncReport",
           "SyncService", "SyncStatus"]

#: Asks for the encrypted keyring's passphrase (None: not given).
Passphrase = Callable[[], str | None]


class NotConnected(UserError):
    """The company has no working QuickBooks connection: connect (again) first."""

    def __init__(self, reason: str, again: bool = False) -> None:
        said = reason.strip()
        said = said[:1].upper() + said[1:]
        said = said if said.endswith((".", "!", "?")) else f"{said}."
        words = "connect to QuickBooks again" if again else "connect to QuickBooks"
        super().__init__(f"{said} First {{0}}.", Hint.of(Action.CONNECT, words=words))
        self.reason = reason  # why, without what to do


@dataclass(frozen=True)
class DocumentSyncState:
    """Where one document stands after exclude or include."""

    kind: DocKind
    number: str
    sync_state: SyncState
    excluded_reason: str | None


@dataclass(frozen=True)
class LogQuery:
    """Which sync-log rows to show (newest first)."""

    failed: bool = False  # only failed or blocked attempts
    since: date | None = None  # from this day on (UTC)
    document: str | None = None  # only this document number
    limit: int | None = None


@dataclass(frozen=True)
class LogEntry:
    """One row of the sync log: an attempt on a document, or a pull."""

    at: datetime
    kind: str | None
    document: str | None
    operation: str
    result: str
    code: str | None
    message: str | None
    intuit_tid: str | None


@dataclass(frozen=True)
class StoreChanges:
    """A cheap look at whether the store changed, for a window showing it: ``marker``
    differs from an earlier one once anything was written since (a document added, an
    entry in a history or in the sync log, which every sync, resend, exclude, include,
    approve or fix writes); ``syncing``: a sync holds the store now (here or elsewhere);
    ``team``: how many are on the company's team and the acting user's role there ("" when
    not on it), which changes when a company admin changes the team elsewhere."""

    marker: tuple[int, ...]
    syncing: bool
    team: tuple[int, str] = (0, "")


@dataclass(frozen=True)
class ProblemGroup:
    """Documents needing attention that share one root cause (one supplier, one account…)."""

    key: str
    problem: str | None
    documents: tuple[str, ...]


@dataclass(frozen=True)
class SyncStatus:
    """Counts by sync state and problem, the connection, the lists' ages."""

    states: Mapping[DocKind, Mapping[SyncState, int]]  # every state, for each kind
    problems: Mapping[str, int]  # failed or blocked documents (both kinds) by problem
    not_synced: Mapping[DocKind, Mapping[str, int]]  # not synced, by their own status
    connection: Mapping[str, Any]  # state, environment, company, realm_id, warning…
    lists: Mapping[str, str]  # each QuickBooks list's "as of" time (ISO)
    problem_groups: tuple[ProblemGroup, ...]

    def count(self, state: SyncState, kind: DocKind | None = None) -> int:
        """Documents in ``state`` (of ``kind``, else of both kinds)."""
        kinds = list(DocKind) if kind is None else [kind]
        return sum(self.states[k][state] for k in kinds)

    def documents(self, kind: DocKind) -> int:
        return sum(self.states[kind].values())


class SyncService:
    def __init__(self, store: Store, actor: str | Login | None = None) -> None:
        self._store = store
        self._actor: Login = (lambda: actor) if isinstance(actor, str) \
            else actor or store_login(store)

    @property
    def actor(self) -> str:
        """Who acts (``app.operations.actor``): what the history records."""
        return self._actor()

    def _may(self, permission: Permission = Permission.WORK) -> None:
        check(self._store, permission, self.actor)

    # --- long work: each returns the engine's report ---------------------------------

    def run(self, *, dry_run: bool = False, pull: bool = True, push: bool = True,
            only: Sequence[tuple[DocKind, str]] | None = None,
            passphrase: Passphrase | None = None, on_progress: OnProgress | None = None,
            cancel: threading.Event | None = None, auto_retry: bool = False) -> SyncReport:
        """Pull QuickBooks' changes, then send what is due (``pull``/``push`` leave a side
        out; ``only`` sends just these documents, by number; ``dry_run`` changes nothing)."""
        self._may()
        targets = None if only is None else self._targets(only)
        return self._engine(passphrase, on_progress, cancel, auto_retry).run(
            dry_run=dry_run, only=targets, pull=pull, push=push)

    def resend(self, kind: DocKind, number: str, *, passphrase: Passphrase | None = None,
               on_progress: OnProgress | None = None,
               cancel: threading.Event | None = None) -> SyncReport:
        """Queue one document again, whatever state it was in, and send it now."""
        self._may()
        with self._store.session() as session:
            doc = actions.resend(session, kind, number, self.actor)
            target = [(kind, doc.id or 0)]
        return self._engine(passphrase, on_progress, cancel).run(only=target)

    def resync_failures(self, *, passphrase: Passphrase | None = None,
                        on_progress: OnProgress | None = None,
                        cancel: threading.Event | None = None) -> SyncReport:
        """Queue every failed or blocked document (not the excluded ones) and send them."""
        self._may()
        with self._store.session() as session:
            targets = actions.queue_failures(session, self.actor)
        if not targets:
            return SyncReport()
        return self._engine(passphrase, on_progress, cancel).run(only=targets)

    # --- quick changes ------------------------------------------------------------------

    def exclude(self, kind: DocKind, number: str, reason: str) -> DocumentSyncState:
        """Keep a document out of every sync until included; ``reason`` is required."""
        self._may()
        with self._store.session() as session:
            doc = actions.exclude(session, kind, number, reason, self.actor)
            return _state_of(kind, doc)

    def include(self, kind: DocKind, number: str, reason: str = "") -> DocumentSyncState:
        """Let an excluded document sync again (queued when it still has to go)."""
        self._may()
        with self._store.session() as session:
            doc = actions.include(session, kind, number, reason, self.actor)
            return _state_of(kind, doc)

    # --- reading ------------------------------------------------------------------------

    def log(self, query: LogQuery = LogQuery()) -> list[LogEntry]:
        """The sync log, newest first, filtered by ``query`` (a company admin's)."""
        self._may(Permission.SYNC_LOG)
        select_rows = select(SyncLogEntry).order_by(col(SyncLogEntry.id).desc())
        if query.failed:
            select_rows = select_rows.where(
                col(SyncLogEntry.result).in_([s.value for s in NEEDS_ATTENTION]))
        if query.since:
            since = datetime(query.since.year, query.since.month, query.since.day, tzinfo=UTC)
            select_rows = select_rows.where(col(SyncLogEntry.at) >= since)
        if query.document:
            select_rows = select_rows.where(SyncLogEntry.doc_number == query.document)
        if query.limit:
            select_rows = select_rows.limit(query.limit)
        with self._store.session() as session:
            return [LogEntry(r.at, r.doc_kind, r.doc_number, r.operation, r.result, r.code,
                             r.message, r.intuit_tid) for r in session.exec(select_rows)]

    def last_sync(self) -> datetime | None:
        """When the last sync attempt or pull was logged (anyone may know that much)."""
        with self._store.session() as session:
            return session.exec(select(func.max(col(SyncLogEntry.at)))).one()

    def status(self) -> SyncStatus:
        with self._store.session() as session:
            per_kind = {kind: count_by(session, kind, "sync_state") for kind in DocKind}
            by_problem: dict[str, int] = {}
            for kind in DocKind:
                for problem, n in count_by(session, kind, "problem").items():
                    by_problem[problem] = by_problem.get(problem, 0) + n
            not_synced = {kind: not_synced_by_status(session, kind) for kind in DocKind}
            lists = list_ages(session)
            groups = _groups(problem_groups(session))
        return SyncStatus(
            states={kind: {s: per_kind[kind].get(s.value, 0) for s in SyncState}
                    for kind in DocKind},
            problems=by_problem, not_synced=not_synced,
            connection=connection_status(self._store), lists=lists, problem_groups=groups)

    def changes(self) -> StoreChanges:
        """Whether the store changed since an earlier look (compare the ``marker``s), and
        whether a sync runs on it now; a few indexed lookups, cheap at any size."""
        return store_changes(self._store, self.actor)

    def problem_groups(self) -> tuple[ProblemGroup, ...]:
        """Failed or blocked documents sharing a root cause, two or more to a group."""
        with self._store.session() as session:
            return _groups(problem_groups(session))

    # --- helpers ------------------------------------------------------------------------

    def _targets(self, only: Sequence[tuple[DocKind, str]]) -> list[tuple[DocKind, int]]:
        with self._store.session() as session:
            return [(kind, find_document(session, kind, number).id or 0)
                    for kind, number in only]

    def _client(self, passphrase: Passphrase | None) -> QboClient:
        return qbo_client(self._store, passphrase)

    def _engine(self, passphrase: Passphrase | None, on_progress: OnProgress | None,
                cancel: threading.Event | None, auto_retry: bool = False) -> SyncEngine:
        return SyncEngine(self._store, self._client(passphrase), on_progress=on_progress,
                          cancel=cancel, actor=self.actor, auto_retry=auto_retry)


def store_changes(store: Store, actor: str | None = None) -> StoreChanges:
    """See ``SyncService.changes`` (``actor``: whose role to look at)."""
    newest = [select(func.max(col(table.id))) for table in (  # type: ignore[attr-defined]
        HistoryEvent, SyncLogEntry, PurchaseOrder, Invoice)]
    now = utcnow()
    with store.session() as session:
        marker = tuple(session.exec(q).one() or 0 for q in newest)
        holders = session.exec(select(SyncLockRow).where(lock_holders(LOCK_NAME))).all()
        syncing = any(_as_utc(row.expires_at) > now for row in holders)
        members = session.exec(select(func.count()).select_from(TeamUser)).one()
        role = session.exec(select(TeamUser.role).where(TeamUser.login == actor)).first() \
            if actor is not None and members else None
    return StoreChanges(marker, syncing, (members, role or ""))


def _as_utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def qbo_client(store: Store, passphrase: Passphrase | None = None) -> QboClient:
    """The company's QuickBooks client; ``NotConnected`` when there is no working connection."""
    try:
        return open_client(store, passphrase=passphrase)
    except OAuthError as exc:
        raise NotConnected(exc.description or str(exc),
                           again=exc.error != "not_connected") from None
    except PassphraseNeeded as exc:
        raise KeyringLocked.of(exc) from None
    except NoKeychain as exc:
        raise UserError.of(exc) from None


def _state_of(kind: DocKind, doc: Any) -> DocumentSyncState:
    return DocumentSyncState(kind, doc.number, SyncState(doc.sync_state), doc.excluded_reason)


def _groups(found: Mapping[str, Mapping[str, Any]]) -> tuple[ProblemGroup, ...]:
    return tuple(ProblemGroup(key, group["problem"], tuple(group["documents"]))
                 for key, group in found.items())
