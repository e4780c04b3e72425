"""The shape every fix-it repair shares: choices → plan → apply (then the runner resends
and verifies).

A fix module (one per fix id, ``app/sync/fixes/<fix id>.py``) has three functions:

- ``choices(ctx, targets) -> Choices``: what went wrong, the QuickBooks record
  involved, and the options, the recommended one first (with why). Reads only.
- ``plan(ctx, targets, option, inputs) -> Plan``: the exact changes on both
  sides, old → new, and what ``apply`` will do (``Plan.data``). No side effects.
  Bad inputs raise ``InputError`` naming the input, so a form can show the
  message beside the field.
- ``apply(ctx, plan) -> Sequence[Change] | None``: makes the changes (and returns those
  really made, None meaning all of the plan's), QuickBooks first (every write
  idempotent: it checks QuickBooks' current record before writing, so a second run
  after a failure finishes the job), then the store in one transaction.

``targets`` are the documents being fixed: one, or several sharing one root cause
(a problem group). The runner (``app.sync.fixes.runner``) records the fix in each
document's history, resends the plan's documents and verifies they synced.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from sqlmodel import Session

from app.domain.problems import Kind, Problem
from app.domain.states import DocKind
from app.errors import UserError
from app.qbo.client import QboClient
from app.store.database import Store
from app.sync.lists import QboLists


class Side(StrEnum):
    """Where a change is made."""

    SYNCDESK = "SyncDesk"
    QUICKBOOKS = "QuickBooks"


@dataclass(frozen=True)
class Target:
    """One document to fix, with the problem it carries now."""

    kind: DocKind
    id: int
    number: str
    problem: Problem
    supplier_id: int
    supplier: str
    sync_state: str

    @property
    def ref(self) -> tuple[DocKind, str]:
        return self.kind, self.number


@dataclass(frozen=True)
class Input:
    """A value an option needs from the user (prefilled with ``suggested``)."""

    key: str
    label: str
    suggested: str = ""
    choices: tuple[str, ...] = ()  # when given, the value is one of these
    help: str = ""  # a short hint shown under the field (a limit, a format)


@dataclass(frozen=True)
class Option:
    """One way to fix the problem."""

    name: str  # stable, for ``syncdesk fix --option NAME``
    title: str  # a few words: "Rename the supplier"
    why: str  # when and why to choose it, in plain words
    recommended: bool = False
    inputs: tuple[Input, ...] = ()


@dataclass(frozen=True)
class Choices:
    """What went wrong and the ways to fix it (the recommended option first)."""

    fix: str
    summary: str  # what went wrong, in plain words
    options: tuple[Option, ...]
    record: tuple[tuple[str, str], ...] = ()  # the QuickBooks record involved: (label, value)

    def option(self, name: str | None) -> Option:
        """The named option, or the recommended one (the first) for ``None``."""
        if name is None:
            return self.options[0]
        for option in self.options:
            if option.name == name:
                return option
        raise UserError(f"'{name}' is not a way to fix this; choose one of: "
                        + ", ".join(o.name for o in self.options))


@dataclass(frozen=True)
class Change:
    """One change a plan makes: on which side, to what, old → new."""

    side: Side
    what: str  # "Supplier name", "Vendor 'Harbor Freight Lines' in QuickBooks", "Line 2 account"
    old: str | None
    new: str | None
    # The document it belongs to (its number), when it is one document's: the runner
    # writes each change into that document's history (None: every target's, e.g. a vendor).
    document: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"side": self.side.value, "what": self.what, "old": self.old, "new": self.new,
                "document": self.document}


@dataclass(frozen=True)
class Plan:
    """The exact changes of one option, and what ``apply`` needs to make them."""

    fix: str
    option: str
    targets: tuple[Target, ...]
    changes: tuple[Change, ...]
    inputs: Mapping[str, str] = field(default_factory=dict)
    resend: tuple[tuple[DocKind, str], ...] = ()  # sent after apply; the runner orders them
    data: Mapping[str, Any] = field(default_factory=dict)  # for the fix's ``apply`` only
    note: str = ""  # anything the user must know or do besides (plain words)
    # What the targets' history says of it when "Fixed (option): changes" would not fit
    # (a support file saved fixes nothing): e.g. "Support file saved: PATH".
    history: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"fix": self.fix, "option": self.option, "inputs": dict(self.inputs),
                "documents": [{"kind": t.kind.value, "number": t.number} for t in self.targets],
                "changes": [c.to_json() for c in self.changes],
                "resend": [{"kind": k.value, "number": n} for k, n in self.resend],
                "note": self.note}


class InputError(UserError):
    """An input a plan cannot use: ``errors`` maps the input's key to what is wrong."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {text}" for key, text in self.errors.items()))


class FixFailed(UserError):
    """A fix stopped part-way; both sides are consistent and running it again finishes."""


@dataclass
class FixContext:
    """What a fix works with: the store, QuickBooks (``None`` when not connected: choices
    and plans that need QuickBooks then say so), who is fixing, and cancel."""

    store: Store
    client: QboClient | None
    actor: str
    cancel: threading.Event = field(default_factory=threading.Event)
    _lists: QboLists | None = None

    def session(self) -> Session:
        return self.store.session()

    def need_client(self) -> QboClient:
        if self.client is None:
            raise UserError("This fix needs the QuickBooks connection; connect first.")
        return self.client

    def lists(self) -> QboLists:
        """QuickBooks' lists (vendors, accounts, items, preferences) as of now, read once."""
        if self._lists is None:
            if self.client is not None:
                self._lists = QboLists.pull(self.client)
            else:
                with self.session() as session:
                    self._lists = QboLists.from_mirror(session)
        return self._lists

    def forget_lists(self) -> None:
        self._lists = None


class Fix(Protocol):
    """A fix module (``app.sync.fixes.<fix id>``)."""

    def choices(self, ctx: FixContext, targets: tuple[Target, ...]) -> Choices: ...

    def plan(self, ctx: FixContext, targets: tuple[Target, ...], option: Option,
             inputs: Mapping[str, str]) -> Plan: ...

    def apply(self, ctx: FixContext, plan: Plan) -> Sequence[Change] | None:
        """Make the plan's changes; returns the changes really made (a step found already
        done in QuickBooks is left out), or None for all of ``plan.changes``."""
        ...


def problem_of(detail: Mapping[str, Any] | None, kind: str | None) -> Problem:
    """The problem a document carries, rebuilt from its stored detail."""
    detail = detail or {}
    return Problem(Kind(detail.get("kind") or kind or Kind.UNKNOWN.value),
                   str(detail.get("explanation") or ""), detail.get("group"),
                   list(detail.get("faults") or []), dict(detail.get("facts") or {}))
