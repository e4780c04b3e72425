"""Applying a fix's plan, then resending its documents and checking they synced.

Order: the plan is checked against the documents as they are now (a document
fixed meanwhile is not fixed twice); ``apply`` runs holding the sync lock (no
sync sends the documents half-fixed); each document's history records the fix
(option, every change old → new, who); then the documents go again, POs before
invoices, through the sync engine; last, each is read back: Synced, or what is
still wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.domain.events import Event
from app.domain.states import DocKind, SyncState
from app.errors import UserError
from app.operations.history import record
from app.operations.lookup import find_document
from app.qbo.errors import QboClientError
from app.store.lock import SyncLock
from app.sync import actions
from app.sync.engine import SyncEngine, SyncReport
from app.sync.fixes import module_for
from app.sync.fixes.base import FixContext, FixFailed, Plan
from app.sync.problems import diagnose
from app.work import OnProgress, Progress


@dataclass(frozen=True)
class DocumentResult:
    """Where one document stands after the fix and its resend."""

    kind: DocKind
    number: str
    sync_state: str
    problem: str | None  # what is still wrong, in plain words (None once synced)

    @property
    def synced(self) -> bool:
        return self.sync_state == SyncState.SYNCED.value


@dataclass
class FixResult:
    plan: Plan
    documents: list[DocumentResult] = field(default_factory=list)
    report: SyncReport | None = None

    @property
    def fixed(self) -> bool:
        """Every document of the plan is Synced now."""
        return all(d.synced for d in self.documents)

    def to_json(self) -> dict[str, Any]:
        return {"plan": self.plan.to_json(), "fixed": self.fixed,
                "documents": [{"kind": d.kind.value, "number": d.number,
                               "sync_state": d.sync_state, "problem": d.problem}
                              for d in self.documents]}


STEPS = 3  # apply, resend, verify


def run_plan(ctx: FixContext, plan: Plan, on_progress: OnProgress | None = None) -> FixResult:
    """Apply ``plan``, resend its documents and verify them (see the module docstring)."""
    def step(done: int, what: str) -> None:
        if on_progress is not None:
            on_progress(Progress(done, STEPS, what))

    fix = module_for(plan.fix)
    step(0, "Making the changes")
    with SyncLock(ctx.store).held():
        try:
            fix.apply(ctx, plan)
        except QboClientError as exc:
            _record_failure(ctx, plan, diagnose(exc, "the fix").explanation)
            raise FixFailed(
                "QuickBooks refused a change of this fix, so it stopped there: "
                f"{diagnose(exc, 'the fix').explanation} Nothing was half-written; once "
                "that is sorted out, run the fix again and it carries on.") from None
        except FixFailed as exc:
            _record_failure(ctx, plan, str(exc))
            raise
        if plan.changes:  # a plan that changes nothing (ask an admin) is no fix to record
            _record_fix(ctx, plan)
    if ctx.cancel.is_set():
        return FixResult(plan, _read_back(ctx, plan))
    step(1, "Sending the documents to QuickBooks again")
    report = _resend(ctx, plan)
    step(2, "Checking they synced")
    result = FixResult(plan, _read_back(ctx, plan), report)
    step(3, "Done")
    return result


def _record_fix(ctx: FixContext, plan: Plan) -> None:
    detail = {"fix": plan.fix, "option": plan.option, "inputs": dict(plan.inputs),
              "changes": [c.to_json() for c in plan.changes], "note": plan.note or None}
    words = "; ".join(f"{c.what}: {c.old or '(none)'} → {c.new or '(none)'}"
                      for c in plan.changes[:3])
    more = f" and {len(plan.changes) - 3} more" if len(plan.changes) > 3 else ""
    with ctx.session() as session:
        for target in plan.targets:
            record(session, target.kind, target.id, ctx.actor, Event.FIXED,
                   f"Fixed ({plan.option.replace('_', ' ')}): {words}{more}" if words
                   else f"Fixed ({plan.option.replace('_', ' ')})", detail)


def _record_failure(ctx: FixContext, plan: Plan, why: str) -> None:
    with ctx.session() as session:
        for target in plan.targets:
            record(session, target.kind, target.id, ctx.actor, Event.FIX_FAILED,
                   f"The fix ({plan.option.replace('_', ' ')}) stopped: {why}",
                   {"fix": plan.fix, "option": plan.option, "why": why})


def _ordered(plan: Plan) -> list[tuple[DocKind, str]]:
    """The documents to send, POs before invoices, each once."""
    seen: list[tuple[DocKind, str]] = []
    for ref in plan.resend:
        if ref not in seen:
            seen.append(ref)
    return sorted(seen, key=lambda ref: ref[0] is not DocKind.PO)


def _resend(ctx: FixContext, plan: Plan) -> SyncReport | None:
    refs = _ordered(plan)
    if not refs:
        return None
    targets: list[tuple[DocKind, int]] = []
    with ctx.session() as session:
        for kind, number in refs:
            try:
                doc = actions.resend(session, kind, number, ctx.actor)
            except UserError:
                continue  # not sendable (a draft, excluded…): the read-back says where it is
            targets.append((kind, doc.id or 0))
    if not targets:
        return None
    engine = SyncEngine(ctx.store, ctx.need_client(), cancel=ctx.cancel, actor=ctx.actor)
    return engine.run(only=targets)


def _read_back(ctx: FixContext, plan: Plan) -> list[DocumentResult]:
    refs = _ordered(plan) or [t.ref for t in plan.targets]
    for target in plan.targets:
        if target.ref not in refs:
            refs.append(target.ref)
    out: list[DocumentResult] = []
    with ctx.session() as session:
        for kind, number in refs:
            doc = find_document(session, kind, number)
            still = None
            if doc.sync_state != SyncState.SYNCED.value:
                still = doc.last_error_message or doc.sync_state.replace("_", " ")
            out.append(DocumentResult(kind, doc.number, doc.sync_state, still))
    return out
