"""The words a document's history and the sync log are written in.

``Event`` is a history event's ``action``; ``LogResult`` a sync log entry's ``result``.
Both are stored as their values, so the store, the command line and the window read the
same words.
"""

from __future__ import annotations

from enum import StrEnum


class Event(StrEnum):
    """What happened to a document (``HistoryEvent.action``)."""

    CREATED = "created"
    EDITED = "edited"
    SUPPLIER_EDITED = "supplier_edited"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    APPROVAL_OVERRIDE = "approval_override"
    NEEDS_REAPPROVAL = "needs_reapproval"
    CANCELLED = "cancelled"
    CLOSED = "closed"
    READY_TO_PAY = "ready_to_pay"
    QUEUED = "queued"
    NOT_QUEUED = "not_queued"  # an excluded document stays out of the queue
    EXCLUDED = "excluded"
    INCLUDED = "included"
    SYNC = "sync"  # an attempt to send it; the detail's ``outcome`` is a SyncState
    RECREATE = "recreate"
    DRIFT_OVERRIDDEN = "drift_overridden"
    CLOSED_IN_QBO = "closed_in_qbo"
    CHANGED_IN_QBO = "changed_in_qbo"  # or changed back: QuickBooks matches SyncDesk again
    PAYMENT = "payment"  # a bill payment recorded in QuickBooks
    VENDOR_ACTIVE = "vendor_active"
    VENDOR_INACTIVE = "vendor_inactive"
    VENDOR_REMOVED = "vendor_removed"
    SUPPLIER_RENAMED = "supplier_renamed"
    RELINKED = "relinked"
    FIXED = "fixed"  # a fix-it repair was applied; the detail holds its changes, old → new
    FIX_FAILED = "fix_failed"  # a fix-it repair stopped part-way (nothing half-written)


class LogResult(StrEnum):
    """How one sync attempt or list pull ended (``SyncLogEntry.result``)."""

    SUCCESS = "success"
    FAILED = "failed"  # QuickBooks (or the network) refused it
    BLOCKED = "blocked"  # a local check stopped it before sending
