"""The words SyncDesk says about sync states and sync outcomes, shared by the command line
(``status``, ``sync``) and the window (the dashboard), so that both say the same."""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.events import LogResult
from app.domain.states import DocKind, SyncState
from app.text import count_of

# What each sync state means, after its count ("75 synced: …").
STATE_MEANINGS: dict[SyncState, str] = {
    SyncState.SYNCED: "in QuickBooks as SyncDesk has them",
    SyncState.QUEUED: "approved, waiting for the next sync",
    SyncState.BLOCKED: "stopped by SyncDesk's checks before sending; they need attention",
    SyncState.FAILED: "QuickBooks refused them; they need attention",
    SyncState.EXCLUDED: "kept out of syncing by hand",
    SyncState.NOT_SYNCED: "not due for QuickBooks yet",
}

# Why a document of each status is not synced ("3 draft POs"): (noun, words after it).
NOT_SYNCED: dict[tuple[DocKind, str], tuple[str, str]] = {
    (DocKind.PO, "draft"): ("draft PO", ""),
    (DocKind.PO, "pending"): ("PO", " waiting for approval"),
    (DocKind.PO, "approved"): ("approved PO", " not queued"),
    (DocKind.PO, "cancelled"): ("PO", " cancelled before it reached QuickBooks"),
    (DocKind.PO, "closed"): ("closed PO", " never sent"),
    (DocKind.INVOICE, "outstanding"): ("outstanding invoice", " (not approved yet)"),
    (DocKind.INVOICE, "approved"): ("approved invoice", " not queued"),
    (DocKind.INVOICE, "ready_to_pay"): ("ready-to-pay invoice", " not queued"),
    (DocKind.INVOICE, "paid"): ("paid invoice", " never sent"),
}

# How each sync outcome reads after its count ("75 created"), in this order.
DONE: dict[str, str] = {
    "create": "created", "update": "updated", "close": "closed in QuickBooks",
    "adopt": "found already in QuickBooks", "would-create": "would be created",
    "would-update": "would be updated", "skip": "skipped (cancelled before sending)",
    LogResult.BLOCKED: LogResult.BLOCKED.value, LogResult.FAILED: LogResult.FAILED.value,
}


def state_name(state: SyncState) -> str:
    """A sync state in words: "not synced", "failed"."""
    return state.value.replace("_", " ")


def not_synced_text(counts: Mapping[DocKind, Mapping[str, int]]) -> str:
    """The documents not synced, by their own status: "3 draft POs, 1 PO waiting for
    approval"."""
    parts = []
    for kind in DocKind:
        for status, n in sorted(counts[kind].items()):
            noun, after = NOT_SYNCED.get((kind, status), (f"{status} {kind.label}", ""))
            if n != 1:
                after = after.replace("cancelled before it", "cancelled before they")
            parts.append(f"{count_of(n, noun)}{after}")
    return ", ".join(parts) if parts else \
        "drafts, POs waiting for approval and outstanding invoices would be counted here"


# Field keys as a bookkeeper reads them (history summaries, the plain words of a hint).
FIELD_WORDS = {"po_date": "PO date", "issue_date": "invoice date", "due_date": "due date",
               "po": "PO", "unit_price": "unit price", "po_line": "PO line", "qty": "quantity",
               "reference": "supplier's invoice number"}

# Company settings by the name the window gives them.
SETTING_WORDS = {"enable_po_date_editing": "PO-date editing",
                 "require_reapproval_after_edit": "re-approval after edits",
                 "auto_sync_minutes": "automatic sync",
                 "default_expense_account": "default expense account",
                 "company_name": "company name", "home_currency": "home currency"}


def field_words(key: str) -> str:
    """A field key in words: "line.2.account" → "line 2 account", "po_date" → "PO date"
    (history details keep the keys)."""
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "line":  # a line taken out or added whole
        return f"line {parts[1]}"
    if len(parts) == 3 and parts[0] == "line":
        return f"line {parts[1]} {FIELD_WORDS.get(parts[2], parts[2].replace('_', ' '))}"
    return FIELD_WORDS.get(key, key.replace("_", " "))


def setting_words(key: str) -> str:
    return SETTING_WORDS.get(key, key.replace("_", " "))
