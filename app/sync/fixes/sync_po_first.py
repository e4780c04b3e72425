"""An invoice waits on the PO it bills: the PO goes to QuickBooks first, then the invoice
(every invoice waiting on that PO, when fixing the group at once).

Approving the PO is not this fix's business: when the PO cannot go (a draft, pending,
excluded, or blocked by a problem of its own), the plan says what has to happen first and
changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.money import format_money
from app.domain.problems import TRANSIENT, Kind, meaning
from app.domain.states import DocKind, PoStatus, SyncState
from app.errors import UserError
from app.store.models import Invoice, PurchaseOrder
from app.sync.fixes import qbo_documents as qd
from app.sync.fixes.base import (
    Change,
    Choices,
    FixContext,
    FixFailed,
    Option,
    Plan,
    Side,
    Target,
)

FIX = "sync_po_first"
SEND = "send_po_first"
SENDABLE = (PoStatus.APPROVED.value, PoStatus.CLOSED.value, PoStatus.CANCELLED.value)


def _po(ctx: FixContext, targets: tuple[Target, ...]) -> dict[str, Any]:
    with ctx.session() as s:
        invoices = [qd.load(s, t) for t in targets]
        po_ids = {inv.po_id for inv in invoices if isinstance(inv, Invoice)}
        if len(po_ids) != 1 or None in po_ids:
            raise UserError("These invoices do not all bill the same PO; fix them one at a "
                            "time.")
        po = s.get(PurchaseOrder, po_ids.pop())
        assert po is not None
        return {"number": po.number, "label": qd.label(DocKind.PO, po.number),
                "status": po.status, "sync_state": po.sync_state, "problem": po.problem,
                "qbo_id": po.qbo_id, "total": po.total, "reason": po.excluded_reason,
                "invoices": [(inv.number, inv.reference or inv.number) for inv in invoices
                             if isinstance(inv, Invoice)]}


def _blocker(po: dict[str, Any]) -> str | None:
    """What has to happen before the PO can go, or None when it can go now."""
    name = po["label"]
    if po["status"] in (PoStatus.DRAFT.value, PoStatus.PENDING.value):
        return (f"{name} is {po['status']}: it has to be approved first (approving it is up "
                "to whoever approves POs). Then run this fix again, or just sync.")
    if po["status"] == PoStatus.CANCELLED.value and not po["qbo_id"]:
        return (f"{name} was cancelled before it reached QuickBooks: bill another PO, or "
                "keep this invoice out of syncing.")
    if po["status"] not in SENDABLE:
        return f"{name} is {po['status']} and cannot go to QuickBooks."
    if po["sync_state"] == SyncState.EXCLUDED.value:
        return (f"{name} is excluded from syncing ({po['reason'] or 'no reason given'}): "
                "include it again first, or keep this invoice out too.")
    problem = po["problem"]
    passing = {k.value for k in TRANSIENT} | {Kind.AUTH_NEEDED.value}
    if po["sync_state"] in (SyncState.BLOCKED.value, SyncState.FAILED.value) and problem and \
            problem not in passing:
        return (f"{name} has a problem of its own ({meaning(problem)}): fix {name} first "
                "(its own Fix it), then this invoice goes with the next sync.")
    return None


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    po = _po(ctx, targets)
    blocker = _blocker(po)
    invoices = ", ".join(number for number, _ in po["invoices"])
    in_qbo = po["qbo_id"] and po["sync_state"] == SyncState.SYNCED.value
    record = (("PO", po["number"]), ("Its status", po["status"]),
              ("Where it stands", qd.state_words(po["sync_state"])
               + (f" ({meaning(po['problem'])})" if po["problem"] else "")),
              ("In QuickBooks", f"purchase order {po['qbo_id']}" if po["qbo_id"] else "not yet"))
    why = blocker or (f"{po['label']} is in QuickBooks already: the invoice goes now."
                      if in_qbo else f"{po['label']} goes to QuickBooks first, then "
                      "the invoice, linked to it.")
    option = Option(SEND, f"Send {po['label']}, then the invoice", why, True)
    return Choices(FIX, f"Invoice {invoices} bills {po['label']}, and a bill can only link a "
                   "PO QuickBooks already has." + (f" {blocker}" if blocker else ""),
                   (option,), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    po = _po(ctx, targets)
    blocker = _blocker(po)
    if blocker is not None:
        return Plan(FIX, option.name, targets, (), dict(inputs), (), {"cannot_go": blocker},
                    f"Nothing can change yet. {blocker}")
    changes: list[Change] = []
    resend: list[tuple[DocKind, str]] = []
    if not (po["qbo_id"] and po["sync_state"] == SyncState.SYNCED.value):
        changes.append(Change(
            Side.QUICKBOOKS, f"Purchase order {po['number']}",
            f"purchase order {po['qbo_id']} (older copy)" if po["qbo_id"] else None,
            f"SyncDesk's copy, total {format_money(po['total'])}", po["number"]))
        changes.append(Change(Side.SYNCDESK, f"{po['label']}'s sync state",
                              qd.state_words(po["sync_state"]), "Synced", po["number"]))
        resend.append((DocKind.PO, po["number"]))
    for (number, reference), target in zip(po["invoices"], targets, strict=True):
        changes.append(Change(Side.QUICKBOOKS, f"Bill {reference} (invoice {number})", None,
                              f"a new bill linked to {po['label']}", number))
        changes.append(Change(Side.SYNCDESK, f"Invoice {number}'s sync state",
                              qd.state_words(target.sync_state), "Synced", number))
        resend.append((DocKind.INVOICE, number))
    return Plan(FIX, option.name, targets, tuple(changes), dict(inputs), tuple(resend))


def apply(ctx: FixContext, plan: Plan) -> None:
    """Nothing to change beforehand: the runner sends the PO first, then the invoices. A
    plan whose PO cannot go stops here, saying why (history records it, nothing else)."""
    if plan.data.get("cannot_go"):
        raise FixFailed(str(plan.data["cannot_go"]))
