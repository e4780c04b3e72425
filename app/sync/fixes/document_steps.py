"""Steps the document fixes share (dates, lines, fields of one PO or invoice).

Store changes go through the editing operations (their history says old → new);
an approved PO that an edit sends back to pending is approved again by an
approval override (recorded in its history), so a fix ends with the document
approved and ready to send. QuickBooks writes read the record first and skip
what is already done, so running a fix again after a failure finishes the job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from app.domain.roles import Permission
from app.domain.states import DocKind, PoStatus
from app.errors import UserError
from app.operations.editing import edit_invoice, edit_po
from app.operations.lookup import find_document
from app.operations.settings import get_setting, set_setting
from app.operations.team import require
from app.operations.workflow_steps import change_po_status
from app.qbo.client import QboClient
from app.store.models import Account, Invoice, PurchaseOrder
from app.sync.fixes.base import Change, FixContext, Input, InputError, Side, Target
from app.sync.fixes.qbo_documents import entity

Document = PurchaseOrder | Invoice

REAPPROVAL = "require_reapproval_after_edit"


def one_target(targets: tuple[Target, ...]) -> Target:
    """The one document of a fix made for one document at a time."""
    if len(targets) != 1:
        raise UserError("This fix repairs one document at a time; fix them one by one.")
    return targets[0]


def account_name(session: Session, account_id: int | None) -> str | None:
    account = session.get(Account, account_id) if account_id else None
    return account.name if account else None


def doc_date(kind: DocKind, doc: Document) -> date:
    """The date QuickBooks gets for the document."""
    return doc.txn_date if isinstance(doc, PurchaseOrder) else doc.issue_date


def parse_date_input(key: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError({key: f"'{text.strip()}' is not a date; write it as YYYY-MM-DD "
                               "(e.g. 2026-10-31)"}) from None


def closed_books(ctx: FixContext, when: date) -> date | None:
    """QuickBooks' closing date when ``when`` falls in the closed books, else None."""
    closing = ctx.lists().closing_date
    return closing if closing is not None and when <= closing else None


APPROVAL = " approval"  # the end of what a change of a document's approval is called


def approval_what(number: str) -> str:
    """What a plan calls a change of the document ``number``'s approval."""
    return f"{number}{APPROVAL}"


def permissions_needed(changes: Sequence[Change]) -> set[Permission]:
    """What a plan's changes need beyond a member's everyday work: an approval override
    (a PO approved again after the fix's edit), a company setting turned on."""
    needed: set[Permission] = set()
    for change in changes:
        if change.side is Side.SYNCDESK and change.what == PO_DATES_CHANGE:
            needed.add(Permission.SETTINGS)
        elif change.side is Side.SYNCDESK and change.what.endswith(APPROVAL):
            needed.add(Permission.OVERRIDE_APPROVAL)
    return needed


def reapproval_change(session: Session, kind: DocKind, doc: Document) -> Change | None:
    """What editing this document does to its approval, when it needs an override."""
    if kind is not DocKind.PO or doc.status != PoStatus.APPROVED.value or \
            not get_setting(session, REAPPROVAL):
        return None
    # the company asks for re-approval after edits: the fix approves by override
    return Change(Side.SYNCDESK, approval_what(doc.number), "approved",
                  "approved again (approval override)", doc.number)


def edit(session: Session, kind: DocKind, number: str, pairs: Sequence[tuple[str, str]],
         actor: str) -> None:
    """Edit a document through the editing operations; an approved PO the edit sent back
    to pending is approved again by an approval override (history records both)."""
    before = find_document(session, kind, number).status
    if kind is DocKind.PO:
        edit_po(session, number, pairs, actor)
        po = find_document(session, kind, number)
        if before == PoStatus.APPROVED.value and po.status == PoStatus.PENDING.value:
            change_po_status(session, number, "override", actor)
    else:
        edit_invoice(session, number, pairs, actor)


def qbo_record(ctx: FixContext, kind: DocKind, doc: Document) -> dict[str, Any] | None:
    """QuickBooks' copy of a document (None when it has none or SyncDesk is not connected)."""
    if not doc.qbo_id or ctx.client is None:
        return None
    return ctx.client.read(entity(kind), doc.qbo_id)


def set_qbo_date(client: QboClient, kind: DocKind, qbo_id: str, when: date) -> bool:
    """Date a QuickBooks document ``when`` (read first, sent with its current SyncToken,
    only the date changed); False when it already has that date."""
    current = client.read(entity(kind), qbo_id)
    if str(current.get("TxnDate", ""))[:10] == when.isoformat():
        return False
    client.update(entity(kind), qbo_id, lambda obj: {**obj, "TxnDate": when.isoformat()})
    return True


# --- PO dates: a company setting, turned on only with the user's yes -----------------------

PO_DATES = "enable_po_date_editing"  # the setting's key: never shown to a bookkeeper
PO_DATES_CHANGE = "PO-date editing (company setting)"
YES, NO = "yes", "no"
CONSENT = "turn_on_po_dates"


def po_dates_on(ctx: FixContext) -> bool:
    with ctx.session() as session:
        return bool(get_setting(session, PO_DATES))


def po_dates_input(suggest: str = NO) -> Input:
    """Asks to turn PO-date editing on. The suggestion is no, but where moving the date is
    the recommended way (the option says it turns the setting on, and the preview lists
    the setting's change before anything is written)."""
    return Input(CONSENT, "Turn on PO-date editing for the company", suggest, (YES, NO),
                 help=f"Setting a PO's date needs {PO_DATES_CHANGE} on; answer yes to "
                      "turn it on (it stays on).")


def po_dates_consent(inputs: Mapping[str, str], errors: dict[str, str]) -> Change:
    """The setting change a PO date needs; an error at the field without a yes."""
    if inputs.get(CONSENT, NO).strip().lower() != YES:
        errors[CONSENT] = ("a PO's date can change only with PO-date editing on for the "
                           "company; answer yes to turn it on")
    return Change(Side.SYNCDESK, PO_DATES_CHANGE, "off", "on")


def turn_on_po_dates(session: Session, actor: str) -> bool:
    """Turn PO-date editing on (a company admin's change); False when it was on already."""
    if get_setting(session, PO_DATES):
        return False
    require(session, actor, Permission.SETTINGS)
    set_setting(session, PO_DATES, "on")
    return True
