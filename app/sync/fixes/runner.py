"""Applying a fix's plan, then resending its documents and checking they synced.

Order: holding the sync lock (no sync sends the documents half-fixed), the plan is
checked against the documents as they are now: a document synced meanwhile, or whose
problem changed, is not fixed again (none left: a ``UserError``, nothing changed);
``apply`` makes the changes and says which it really made (a step found already done
is left out); each document's history records the fix (option, its changes old → new,
who), and a document a change names that is not a target (a PO backdated for its
invoice) records the change too; then the documents go again, POs before invoices,
through the sync engine (a document already Synced is not sent twice); last, each is
read back: Synced, or what is still wrong (the changes stay made either way).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlmodel import Session, col, select

from app.domain.events import Event
from app.domain.states import NEEDS_ATTENTION, DocKind, SyncState
from app.errors import UserError
from app.operations.history import record
from app.operations.lookup import find_document
from app.qbo.errors import QboClientError
from app.store.lock import SyncBusy, SyncLock
from app.store.models import HistoryEvent, Invoice, PurchaseOrder
from app.sync import actions
from app.sync.engine import SyncEngine, SyncReport
from app.sync.fixes import module_for
from app.sync.fixes.base import Change, FixContext, FixFailed, Plan, Target, problem_of
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
    made: tuple[Change, ...] = ()  # the changes really made (the plan's, less any found done)

    @property
    def fixed(self) -> bool:
        """Every document of the plan is Synced now."""
        return all(d.synced for d in self.documents)

    @property
    def sent(self) -> bool:
        """Whether documents went to QuickBooks again after the changes."""
        return self.report is not None

    @property
    def refused(self) -> list[DocumentResult]:
        """The documents QuickBooks did not take when they were sent again."""
        return [d for d in self.documents if not d.synced] if self.sent else []

    def kept_words(self) -> str:
        """When a resend was refused: that the changes stay made, and what to do next."""
        refused = self.refused
        if not refused:
            return ""
        names = _joined([d.number for d in refused])
        it = "them" if len(refused) > 1 else "it"
        made = ("The fix's changes were made and are kept, but" if self.made
                else "Nothing needed changing, but")
        return (f"{made} QuickBooks refused {names} when SyncDesk sent {it} again "
                f"(why is said above). Once that is sorted out, run the fix again or resend "
                f"{it}: nothing is changed twice.")

    def to_json(self) -> dict[str, Any]:
        return {"plan": self.plan.to_json(), "fixed": self.fixed,
                "changes_made": [c.to_json() for c in self.made],
                "sent_again": self.sent,
                "kept": self.kept_words() or None,
                "documents": [{"kind": d.kind.value, "number": d.number,
                               "sync_state": d.sync_state, "problem": d.problem}
                              for d in self.documents]}


def _joined(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def run_plan(ctx: FixContext, plan: Plan, on_progress: OnProgress | None = None) -> FixResult:
    """Apply ``plan``, resend its documents and verify them (see the module docstring)."""
    fix = module_for(plan.fix)
    lock = SyncLock(ctx.store)
    try:
        lock.acquire()
    except SyncBusy as exc:
        raise SyncBusy(f"Nothing was changed: {exc}") from None
    try:
        plan = _still_to_fix(ctx, plan)
        sending = bool(plan.resend)
        total = 3 if sending else 2  # apply, (resend,) verify

        def step(done: int, what: str) -> None:
            if on_progress is not None:
                on_progress(Progress(done, total, what))

        step(0, "Making the changes")
        try:
            returned = fix.apply(ctx, plan)
        except QboClientError as exc:
            why = diagnose(exc, "the fix").explanation
            _record_failure(ctx, plan, why)
            raise FixFailed(
                "QuickBooks refused a change of this fix, so it stopped there: "
                f"{why} Nothing was half-written; once that is sorted out, run the fix "
                "again and it carries on.") from None
        except FixFailed as exc:
            _record_failure(ctx, plan, str(exc))
            raise
        made = tuple(plan.changes if returned is None else returned)
        _record_fix(ctx, plan, made)
    finally:
        lock.release()
    if ctx.cancel.is_set():
        return FixResult(plan, _read_back(ctx, plan), None, made)
    report = None
    if sending:
        step(1, "Sending the documents to QuickBooks again")
        report = _resend(ctx, plan)
    step(total - 1, "Checking they synced" if sending else "Checking where they stand")
    result = FixResult(plan, _read_back(ctx, plan), report, made)
    step(total, "Done")
    return result


# --- the plan against the documents as they are now --------------------------------------

def _row(session: Session, kind: DocKind, doc_id: int) -> PurchaseOrder | Invoice | None:
    return session.get(PurchaseOrder if kind is DocKind.PO else Invoice, doc_id)


def _still_to_fix(ctx: FixContext, plan: Plan) -> Plan:
    """The plan for the targets that still have the problem it was made for; a
    ``UserError`` (nothing changed) when none has."""
    live: list[Target] = []
    gone: list[tuple[Target, str]] = []
    with ctx.session() as session:
        for target in plan.targets:
            row = _row(session, target.kind, target.id)
            if row is None:
                gone.append((target, f"{target.number} no longer exists"))
            elif row.sync_state == SyncState.SYNCED.value:
                gone.append((target, f"{target.number} is synced already"))
            elif row.sync_state not in {s.value for s in NEEDS_ATTENTION}:
                gone.append((target, f"{target.number} is "
                             f"{row.sync_state.replace('_', ' ')} now"))
            elif (problem_of(row.last_error_detail, row.problem).kind != target.problem.kind
                  and not _resent_by(session, target, plan)):
                gone.append((target, f"{target.number} has another problem now"))
            else:
                live.append(target)
    if not gone:
        return plan
    why = "; ".join(words for _, words in gone)
    if not live:
        raise UserError(f"Nothing to fix: {why}. Nothing was changed.")
    left = {t.number for t, _ in gone}
    if any(c.document in left for c in plan.changes):
        raise UserError(f"This fix was planned before the documents changed ({why}). "
                        "Nothing was changed; look at the fix again: it plans for the "
                        "documents still to fix.")
    refs = {t.ref for t, _ in gone}
    return replace(plan, targets=tuple(live),
                   resend=tuple(r for r in plan.resend if r not in refs))


def _last_fix(session: Session, kind: DocKind, doc_id: int) -> HistoryEvent | None:
    return session.exec(select(HistoryEvent).where(
        HistoryEvent.doc_kind == kind.value, HistoryEvent.doc_id == doc_id,
        HistoryEvent.action == Event.FIXED.value).order_by(col(HistoryEvent.id).desc())
        ).first()


def _resent_by(session: Session, target: Target, plan: Plan) -> bool:
    """Whether the document's problem is the one this very fix's resend met (its last fix
    was this plan's): running the plan again then finishes the job."""
    last = _last_fix(session, target.kind, target.id)
    detail = (last.detail or {}) if last is not None else {}
    return detail.get("fix") == plan.fix and detail.get("option") == plan.option


# --- history ------------------------------------------------------------------------------

def _words(changes: Sequence[Change]) -> str:
    words = "; ".join(f"{c.what}: {c.old or '(none)'} → {c.new or '(none)'}"
                      for c in changes[:3])
    more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
    return words + more


def _others(session: Session, plan: Plan, made: Sequence[Change]
            ) -> list[tuple[DocKind, int, str]]:
    """The documents a made change names that are not targets: (kind, id, number)."""
    numbers = {t.number for t in plan.targets}
    kinds = {number: kind for kind, number in plan.resend}
    found: list[tuple[DocKind, int, str]] = []
    for number in dict.fromkeys(c.document for c in made if c.document):
        if number in numbers:
            continue
        for kind in ([kinds[number]] if number in kinds else [DocKind.PO, DocKind.INVOICE]):
            try:
                doc = find_document(session, kind, number)
            except UserError:
                continue
            assert doc.id is not None
            found.append((kind, doc.id, doc.number))
            break
    return found


def _record_fix(ctx: FixContext, plan: Plan, made: Sequence[Change]) -> None:
    """Each target's history: the fix with its own changes (and those of no one document);
    each other document a change names: that change, made by the fix of the targets."""
    if not made and not plan.history:
        return  # nothing was changed by SyncDesk: no fix to record
    option = plan.option.replace("_", " ")
    base = {"fix": plan.fix, "option": plan.option, "inputs": dict(plan.inputs),
            "note": plan.note or None}
    with ctx.session() as session:
        others = _others(session, plan, made)
        for target in plan.targets:
            own = [c for c in made if c.document in (None, target.number)]
            elsewhere = [n for _, _, n in others]
            if plan.history:
                summary = plan.history
            elif own:
                summary = f"Fixed ({option}): {_words(own)}"
            else:
                summary = f"Fixed ({option})"
            if elsewhere and not plan.history:
                summary += ("; " if own else ": ") + "changed " + _joined(elsewhere)
            detail = base | {"changes": [c.to_json() for c in own],
                             "documents_changed": elsewhere or None}
            last = _last_fix(session, target.kind, target.id)
            if last is not None and last.detail == detail:
                continue  # the same plan run again to finish the job: recorded already
            record(session, target.kind, target.id, ctx.actor, Event.FIXED, summary, detail)
        fixed_for = _joined([t.number for t in plan.targets])
        for kind, doc_id, number in others:
            own = [c for c in made if c.document == number]
            detail = base | {"changes": [c.to_json() for c in own], "fixed_for": fixed_for}
            last = _last_fix(session, kind, doc_id)
            if last is not None and last.detail == detail:
                continue
            record(session, kind, doc_id, ctx.actor, Event.FIXED,
                   f"Changed by the fix of {fixed_for} ({option}): {_words(own)}", detail)


def _record_failure(ctx: FixContext, plan: Plan, why: str) -> None:
    with ctx.session() as session:
        for target in plan.targets:
            record(session, target.kind, target.id, ctx.actor, Event.FIX_FAILED,
                   f"The fix ({plan.option.replace('_', ' ')}) stopped: {why}",
                   {"fix": plan.fix, "option": plan.option, "why": why})


# --- resend and read back -----------------------------------------------------------------

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
                if find_document(session, kind, number).sync_state == SyncState.SYNCED.value:
                    continue  # in QuickBooks as it is: sending it again would change nothing
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
