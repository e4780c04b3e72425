"""Read models of the dashboard: frozen dataclasses the window turns into tiles, a chart
and a list of problems to fix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.domain.problems import label
from app.domain.states import DocKind, SyncState
from app.domain.wording import state_name
from app.text import count_of


@dataclass(frozen=True)
class StateCount:
    """How many POs and invoices are in one sync state, and what the state means."""

    state: SyncState
    pos: int
    invoices: int
    meaning: str  # "approved, waiting for the next sync"

    @property
    def total(self) -> int:
        return self.pos + self.invoices

    @property
    def name(self) -> str:
        """"not synced", "failed"."""
        return state_name(self.state)

    @property
    def text(self) -> str:
        """As ``status`` prints it: "2 queued: approved, waiting for the next sync"."""
        return f"{self.total} {self.name}: {self.meaning}"


@dataclass(frozen=True)
class ProblemCount:
    """How many failed or blocked documents (both kinds) have one problem kind."""

    kind: str
    count: int
    meaning: str  # "the supplier's vendor is inactive in QuickBooks"
    fix: str | None  # the fix-it wizard's id

    @property
    def label(self) -> str:
        return label(self.kind)

    @property
    def text(self) -> str:
        """As ``status`` prints it: "1 document: the supplier's vendor is inactive …"."""
        return f"{count_of(self.count, 'document')}: {self.meaning}"


@dataclass(frozen=True)
class GroupDocument:
    kind: DocKind
    number: str


@dataclass(frozen=True)
class ProblemGroupView:
    """Failed or blocked documents sharing one root cause (one document is a group too).

    ``key`` is what ``FixService.group_choices`` takes; a document whose problem has no
    root cause shared with others has none: fix it by ``document`` (kind and number)
    with ``FixService.choices``.
    """

    cause: str  # "Vendor Harbor Freight Lines is inactive in QuickBooks"
    problem: str  # the problem kind (of the first document)
    fix: str | None  # the fix-it wizard's id; None when the documents need different fixes
    key: str | None
    documents: tuple[GroupDocument, ...]

    @property
    def count(self) -> int:
        return len(self.documents)

    @property
    def title(self) -> str:
        """"Vendor Harbor Freight Lines is inactive in QuickBooks: 1 document" (every group
        alike; its documents' numbers are listed with it)."""
        return f"{self.cause}: {count_of(self.count, 'document')}"

    @property
    def document(self) -> GroupDocument | None:
        """The one document of a group without a key (None otherwise)."""
        return self.documents[0] if self.key is None else None

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(d.number for d in self.documents)


@dataclass(frozen=True)
class DayResults:
    """Attempts on documents during one UTC day, by how they ended."""

    day: date
    success: int
    failed: int
    blocked: int

    @property
    def total(self) -> int:
        return self.success + self.failed + self.blocked


@dataclass(frozen=True)
class SyncHealth:
    """The connection's health, as the dashboard shows it (never a token)."""

    state: str  # disconnected | connected | needs_reconnect
    environment: str | None
    company: str | None
    last_success_at: datetime | None  # the last attempt QuickBooks took
    last_pull_at: datetime | None  # the last time QuickBooks' changes were read
    refresh_token_expires_at: datetime | None  # when the sign-in ends, unless renewed
    throttled_recently: int  # attempts QuickBooks throttled in the last THROTTLE_DAYS days
    warning: str | None = None  # e.g. the sign-in ends soon

    @property
    def connected(self) -> bool:
        return self.state == "connected"


@dataclass(frozen=True)
class Dashboard:
    states: tuple[StateCount, ...]  # every sync state, in the order ``status`` prints them
    problems: tuple[ProblemCount, ...]  # by problem kind, most documents first
    groups: tuple[ProblemGroupView, ...]  # by root cause, most documents first
    days: tuple[DayResults, ...]  # the last 30 UTC days, oldest first, today last
    health: SyncHealth

    def state(self, state: SyncState) -> StateCount:
        return next(s for s in self.states if s.state is state)
