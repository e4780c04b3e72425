"""Problems: a named kind, a plain-words explanation, the raw Faults, and the fix.

Every failed or blocked document carries one. Transient kinds go again with
the next sync (``records.record_problem`` says when, and only what is true:
the command line has no scheduler); the others wait for a fix (the fix-it
wizard named by ``fix``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.hints import Advice, HintText, plain


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


# What each fix repairs, in a few words: the fix-it wizard's title ("Fix: …") and the
# command line's plan.
FIX_TITLES: dict[str, str] = {
    "resolve_duplicate_name": "supplier name taken in QuickBooks",
    "reactivate_vendor": "supplier's vendor inactive in QuickBooks",
    "change_line_account": "line on an Accounts Payable or Receivable account",
    "fix_bill_date": "invoice dated before its PO",
    "resolve_duplicate_bill_number": "bill number already used in QuickBooks",
    "shorten_field": "text too long for QuickBooks",
    "remap_reference": "account or item missing in QuickBooks",
    "fix_line_amount": "line amount that does not add up",
    "fix_currency": "currency QuickBooks does not take",
    "move_out_of_closed_period": "date in a closed period",
    "relink_bill": "bill that lost its PO link",
    "sync_po_first": "invoice waiting on its PO",
    "recreate_in_qbo": "document deleted in QuickBooks",
    "resolve_qbo_changes": "document changed in QuickBooks",
    "reconnect": "QuickBooks connection",
    "contact_support": "error SyncDesk does not know",
}


# What each kind means, in a few words (``status`` prints these beside the counts).
MEANINGS: dict[Kind, str] = {
    Kind.DUPLICATE_NAME: "the supplier's name belongs to a QuickBooks customer or employee",
    Kind.INACTIVE_VENDOR: "the supplier's vendor is inactive in QuickBooks",
    Kind.AP_AR_LINE_ACCOUNT: "a line uses an Accounts Payable or Receivable account",
    Kind.BILL_BEFORE_PO: "the invoice is dated before the PO it bills",
    Kind.DUPLICATE_BILL_NUMBER: "the supplier already has a bill with this number",
    Kind.STRING_TOO_LONG: "a field is longer than QuickBooks allows",
    Kind.MISSING_REFERENCE: "an account or item is missing or inactive in QuickBooks",
    Kind.AMOUNT_MISMATCH: "a line's amount is not quantity times unit price",
    Kind.CURRENCY_MISMATCH: "the currency is not the QuickBooks company's",
    Kind.CLOSED_PERIOD: "dated in a period whose books are closed",
    Kind.ANSWER_MISMATCH: "QuickBooks answered with another document; nothing was marked "
    "synced",
    Kind.LINK_DROPPED: "QuickBooks took the bill but not its link to the PO",
    Kind.WAITING_ON_PO: "the PO it bills has to be synced first",
    Kind.DELETED_IN_QBO: "deleted in QuickBooks after it synced",
    Kind.CHANGED_IN_QBO: "changed in QuickBooks after it synced",
    Kind.STALE_OBJECT: "someone else was changing it in QuickBooks",
    Kind.THROTTLED: "QuickBooks asked SyncDesk to slow down",
    Kind.AUTH_NEEDED: "QuickBooks wants SyncDesk to connect again",
    Kind.TRANSPORT: "QuickBooks could not be reached, or failed on its side",
    Kind.UNKNOWN: "an error SyncDesk does not know",
}


# The same, shorter still: the QuickBooks column of a listing ("Blocked: vendor inactive").
LABELS: dict[Kind, str] = {
    Kind.DUPLICATE_NAME: "name taken in QuickBooks",
    Kind.INACTIVE_VENDOR: "vendor inactive",
    Kind.AP_AR_LINE_ACCOUNT: "A/P or A/R account",
    Kind.BILL_BEFORE_PO: "dated before its PO",
    Kind.DUPLICATE_BILL_NUMBER: "bill number in use",
    Kind.STRING_TOO_LONG: "field too long",
    Kind.MISSING_REFERENCE: "account or item missing",
    Kind.AMOUNT_MISMATCH: "line amount wrong",
    Kind.CURRENCY_MISMATCH: "wrong currency",
    Kind.CLOSED_PERIOD: "closed period",
    Kind.ANSWER_MISMATCH: "wrong answer",
    Kind.LINK_DROPPED: "PO link dropped",
    Kind.WAITING_ON_PO: "waiting on its PO",
    Kind.DELETED_IN_QBO: "deleted in QuickBooks",
    Kind.CHANGED_IN_QBO: "changed in QuickBooks",
    Kind.STALE_OBJECT: "changed while sending",
    Kind.THROTTLED: "QuickBooks busy",
    Kind.AUTH_NEEDED: "sign-in needed",
    Kind.TRANSPORT: "QuickBooks trouble",
    Kind.UNKNOWN: "unknown error",
}


@dataclass
class Problem:
    kind: Kind
    explanation: str
    group: str | None = None  # documents sharing a root cause share this key
    faults: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # what a fix needs (ids, limits, …)
    # The explanation with the actions it points at, where it points at one (``explanation``
    # is then its plain words, the text that is stored and that the window shows).
    advice: Advice | None = field(default=None, compare=False)

    @classmethod
    def advised(cls, kind: Kind, advice: Advice, group: str | None = None,
                faults: list[dict[str, Any]] | None = None,
                facts: dict[str, Any] | None = None) -> Problem:
        """A problem whose explanation points at something the user can do."""
        return cls(kind, advice.words(), group, faults or [], facts or {}, advice)

    def words(self, as_text: HintText = plain) -> str:
        """The explanation with its hints shown by ``as_text`` (the CLI: as commands)."""
        return self.advice.words(as_text) if self.advice is not None else self.explanation

    @property
    def fix(self) -> str:
        return FIXES[self.kind]

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "explanation": self.explanation, "fix": self.fix,
                "group": self.group, "faults": self.faults, "facts": self.facts}


def known_meaning(kind: str | None) -> str | None:
    try:
        return MEANINGS[Kind(kind)] if kind else None
    except ValueError:
        return None


def meaning(kind: str) -> str:
    """A problem kind in a few plain words (the kind itself when SyncDesk does not know it)."""
    return known_meaning(kind) or kind


def label(kind: str) -> str:
    """A problem kind in two or three words, for a listing's column."""
    try:
        return LABELS[Kind(kind)]
    except ValueError:
        return kind
