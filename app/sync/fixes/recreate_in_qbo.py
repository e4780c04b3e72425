"""A synced document was deleted in QuickBooks (or its record there now holds another
document). Either SyncDesk creates it there again from its own copy, or it forgets the
record that is gone and marks the document not synced: it then stays out of syncing until
it is resent (or edited), so a document deleted there on purpose is not made again by
itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.states import SyncState
from app.sync.fixes import qbo_documents as qd
from app.sync.fixes.base import Change, Choices, FixContext, Option, Plan, Side, Target

FIX = "recreate_in_qbo"
RECREATE, UNLINK = "recreate", "unlink"


def _gone(target: Target) -> tuple[str, str | None]:
    """QuickBooks' entity and the id of the record that is gone."""
    facts = target.problem.facts
    return (str(facts.get("entity") or qd.entity(target.kind)),
            str(facts["qbo_id"]) if facts.get("qbo_id") else None)


def _record(ctx: FixContext, target: Target) -> str:
    """In words: the QuickBooks record, as it stands now."""
    name, qbo_id = _gone(target)
    words = qd.entity_words(target.kind)
    if qbo_id is None:
        return "none"
    if ctx.client is None:
        return f"{words} {qbo_id} (gone, as of the last sync)"
    found = qd.read_or_none(ctx.client, name, qbo_id)
    if found is None:
        return f"{words} {qbo_id}: deleted"
    return f"{words} {qbo_id}: now number {found.get('DocNumber') or '(none)'}"


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    names = ", ".join(qd.label(t.kind, t.number) for t in targets)
    record = tuple((qd.label(t.kind, t.number), _record(ctx, t)) for t in targets)
    return Choices(FIX, f"{names[:1].upper()}{names[1:]} "
                   f"{'is' if len(targets) == 1 else 'are'} no longer in QuickBooks: deleted "
                   "there after it synced. SyncDesk still has its copy.", (
                       Option(RECREATE, "Create it again in QuickBooks",
                              "SyncDesk makes a new record from its own copy and links the "
                              "document to it. Choose this when it was deleted by mistake.",
                              True),
                       Option(UNLINK, "Unlink it and mark it not synced",
                              "SyncDesk forgets the deleted record and makes nothing in "
                              "QuickBooks; the document stays out of syncing until you resend "
                              "it. Choose this when it was deleted on purpose.")), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    changes: list[Change] = []
    for target in targets:
        _, qbo_id = _gone(target)
        words = qd.entity_words(target.kind)
        what = qd.label(target.kind, target.number)
        old = f"{words} {qbo_id} (deleted)" if qbo_id else None
        if option.name == RECREATE:
            changes.append(Change(Side.QUICKBOOKS, f"{words.capitalize()} for {what}", old,
                                  "a new one, from SyncDesk's copy", target.number))
            changes.append(Change(Side.SYNCDESK, f"{what}'s record in QuickBooks", old,
                                  f"the new {words}", target.number))
        else:
            changes.append(Change(Side.SYNCDESK, f"{what}'s record in QuickBooks", old, None,
                                  target.number))
            changes.append(Change(Side.SYNCDESK, f"{what}'s sync state",
                                  qd.state_words(target.sync_state), "Not synced",
                                  target.number))
    if option.name == RECREATE:
        return Plan(FIX, option.name, targets, tuple(changes), dict(inputs),
                    tuple(t.ref for t in targets))
    return Plan(FIX, option.name, targets, tuple(changes), dict(inputs), (), {},
                "Nothing changes in QuickBooks. The document stays out of syncing until you "
                "resend it (or edit it): then SyncDesk creates it there anew.")


def apply(ctx: FixContext, plan: Plan) -> None:
    """Recreate: nothing beforehand (the resend forgets the deleted record and creates a new
    one). Unlink: the store forgets the record; a second run finds nothing left to do."""
    if plan.option != UNLINK:
        return
    with ctx.session() as s:
        for target in plan.targets:
            doc = qd.load(s, target)
            if doc.qbo_id is None and doc.sync_state == SyncState.NOT_SYNCED.value:
                continue
            if doc.qbo_id is not None and doc.qbo_id != _gone(target)[1]:
                continue  # linked to another record since: not the one that was deleted
            if doc.qbo_id is not None:
                qd.forget_qbo_copy(s, target.kind, doc)
            qd.clear_problem(doc, SyncState.NOT_SYNCED)
            s.add(doc)

