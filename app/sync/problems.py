"""Problems: a named kind, a plain-words explanation, the raw Faults, and the fix.

Every failed or blocked document carries one. Transient kinds retry by
themselves; the others wait for a fix (the fix-it wizard named by ``fix``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.qbo.errors import OAuthError, QboClientError, QboFault, TransportError


class Kind(StrEnum):
    DUPLICATE_NAME = "duplicate_name"
    INACTIVE_VENDOR = "inactive_vendor"
    AP_AR_LINE_ACCOUNT = "ap_ar_line_account"
    BILL_BEFORE_PO = "bill_before_po"
    DUPLICATE_BILL_NUMBER = "duplicate_bill_number"
    STRING_TOO_LONG = "string_too_long"
    MISSING_REFERENCE = "missing_reference"
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    CLOSED_PERIOD = "closed_period"
    LINK_DROPPED = "link_dropped"
    WAITING_ON_PO = "waiting_on_po"
    DELETED_IN_QBO = "deleted_in_qbo"
    ANSWER_MISMATCH = "answer_mismatch"  # QuickBooks answered with another document
    CHANGED_IN_QBO = "changed_in_qbo"
    STALE_OBJECT = "stale_object"
    THROTTLED = "throttled"
    AUTH_NEEDED = "auth_needed"
    TRANSPORT = "transport"
    UNKNOWN = "unknown"


TRANSIENT = frozenset({Kind.THROTTLED, Kind.TRANSPORT, Kind.STALE_OBJECT})

# The fix-it wizard (and `syncdesk fix` option set) that repairs each kind.
FIXES: dict[Kind, str] = {
    Kind.DUPLICATE_NAME: "resolve_duplicate_name",
    Kind.INACTIVE_VENDOR: "reactivate_vendor",
    Kind.AP_AR_LINE_ACCOUNT: "change_line_account",
    Kind.BILL_BEFORE_PO: "fix_bill_date",
    Kind.DUPLICATE_BILL_NUMBER: "resolve_duplicate_bill_number",
    Kind.STRING_TOO_LONG: "shorten_field",
    Kind.MISSING_REFERENCE: "remap_reference",
    Kind.AMOUNT_MISMATCH: "fix_line_amount",
    Kind.CURRENCY_MISMATCH: "fix_currency",
    Kind.CLOSED_PERIOD: "move_out_of_closed_period",
    Kind.LINK_DROPPED: "relink_bill",
    Kind.WAITING_ON_PO: "sync_po_first",
    Kind.DELETED_IN_QBO: "recreate_in_qbo",
    Kind.ANSWER_MISMATCH: "retry",
    Kind.CHANGED_IN_QBO: "resolve_qbo_changes",
    Kind.STALE_OBJECT: "retry",
    Kind.THROTTLED: "retry",
    Kind.AUTH_NEEDED: "reconnect",
    Kind.TRANSPORT: "retry",
    Kind.UNKNOWN: "contact_support",
}


@dataclass
class Problem:
    kind: Kind
    explanation: str
    group: str | None = None  # documents sharing a root cause share this key
    faults: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # what a fix needs (ids, limits, …)

    @property
    def fix(self) -> str:
        return FIXES[self.kind]

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "explanation": self.explanation, "fix": self.fix,
                "group": self.group, "faults": self.faults, "facts": self.facts}


_MAX = re.compile(r"Max:\s*([\d,]+)")
_SUPPLIED = re.compile(r"Supplied length:\s*([\d,]+)")


def _number(pattern: re.Pattern[str], text: str) -> int | None:
    found = pattern.search(text)
    return int(found.group(1).replace(",", "")) if found else None


def diagnose(error: QboClientError, what: str) -> Problem:
    """Name the problem behind a failure of sending ``what`` (e.g. "PO PO-1001")."""
    if isinstance(error, OAuthError):
        return Problem(Kind.AUTH_NEEDED, "QuickBooks asked SyncDesk to sign in again; connect "
                       "again and the sync carries on.", group="connection")
    if isinstance(error, TransportError):
        return Problem(Kind.TRANSPORT, f"QuickBooks could not be reached for {what} "
                       f"({error.reason}).", group="connection",
                       faults=[{"reason": error.reason, "http_status": error.http_status,
                                "body_head": error.body_head}])
    assert isinstance(error, QboFault)
    faults = [e.to_json() for e in error.errors]
    first = error.first
    detail = first.detail
    text = f"{first.message} {detail}".lower()
    code = first.code

    def problem(kind: Kind, explanation: str, group: str | None = None, **facts: Any) -> Problem:
        return Problem(kind, explanation, group, faults, facts)

    if error.throttled:
        return problem(Kind.THROTTLED, "QuickBooks asked SyncDesk to slow down; it will try "
                       "again shortly.", "connection")
    if error.auth_failed:
        return problem(Kind.AUTH_NEEDED, "QuickBooks no longer accepts SyncDesk's sign-in; "
                       "connect again.", "connection")
    if code == "6240":
        return problem(Kind.DUPLICATE_NAME, f"QuickBooks refused {what}: the name is already "
                       "used by another customer, vendor or employee there.")
    if code == "6140":
        return problem(Kind.DUPLICATE_BILL_NUMBER, f"QuickBooks refused {what}: this supplier "
                       "already has a bill with the same number there.")
    if code == "2050":
        limit = _number(_MAX, detail)
        return problem(Kind.STRING_TOO_LONG, f"QuickBooks refused {what}: "
                       f"{first.element or 'a field'} is longer than "
                       f"{limit or 'QuickBooks allows'} characters.",
                       element=first.element, limit=limit,
                       supplied=_number(_SUPPLIED, detail))
    if code == "6070":
        return problem(Kind.AMOUNT_MISMATCH, f"QuickBooks refused {what}: a line's amount is "
                       "not its quantity times its unit price.")
    if code in ("6200", "6210"):
        return problem(Kind.CLOSED_PERIOD, f"QuickBooks refused {what}: its date is in a "
                       "period whose books are closed.", "closed_period")
    if code == "5010":
        return problem(Kind.STALE_OBJECT, f"Someone changed {what} in QuickBooks while "
                       "SyncDesk was sending; it will read it again and retry.")
    if code in ("610", "2500") and "inactive" in text:
        return problem(Kind.INACTIVE_VENDOR if "vendor" in text or "name" in text
                       else Kind.MISSING_REFERENCE,
                       f"QuickBooks refused {what}: something it uses (a vendor, account or "
                       "item) has been made inactive there.")
    if code == "610" and "deleted" in text:
        return problem(Kind.DELETED_IN_QBO, f"{what} was deleted in QuickBooks.")
    if code in ("610", "2500", "2020"):
        return problem(Kind.MISSING_REFERENCE, f"QuickBooks refused {what}: something it "
                       f"refers to is missing there ({first.plain_detail or first.message}).")
    if code == "6000":
        if "purchase order that was created before" in text:
            return problem(Kind.BILL_BEFORE_PO, f"QuickBooks refused {what}: it is dated "
                           "before the PO it bills.")
        if "accounts payable" in text or "accounts receivable" in text:
            return problem(Kind.AP_AR_LINE_ACCOUNT, f"QuickBooks refused {what}: a line uses an "
                           "Accounts Payable or Accounts Receivable account.")
        if "one name at a time" in text:
            return problem(Kind.TRANSPORT, "QuickBooks was busy changing another name; "
                           "SyncDesk will try again shortly.", "connection")
    if error.transient:
        return problem(Kind.TRANSPORT, f"QuickBooks had a problem on its side while taking "
                       f"{what}; SyncDesk will try again.", "connection")
    return problem(Kind.UNKNOWN, f"QuickBooks refused {what} with an error SyncDesk does not "
                   f"know: {code} {first.message}" + (f" ({first.plain_detail})"
                                                      if first.detail else "") + ".")
