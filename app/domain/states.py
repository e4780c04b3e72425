"""The states a document can be in, locally and towards QuickBooks."""

from __future__ import annotations

from enum import StrEnum


class DocKind(StrEnum):
    """The two kinds of document SyncDesk keeps."""

    PO = "po"
    INVOICE = "invoice"

    @property
    def label(self) -> str:
        return "PO" if self is DocKind.PO else "invoice"


class PoStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # submitted, waiting for approval
    APPROVED = "approved"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class InvoiceStatus(StrEnum):
    OUTSTANDING = "outstanding"  # received, not yet approved
    APPROVED = "approved"
    READY_TO_PAY = "ready_to_pay"
    PAID = "paid"


class SyncState(StrEnum):
    """Where a document stands with QuickBooks Online.

    ``failed``: QuickBooks (or the network) rejected an attempt. ``blocked``: a
    local check predicted a rejection, so nothing was sent. Both need attention.
    """

    NOT_SYNCED = "not_synced"
    QUEUED = "queued"
    SYNCED = "synced"
    FAILED = "failed"
    BLOCKED = "blocked"
    EXCLUDED = "excluded"


NEEDS_ATTENTION = (SyncState.FAILED, SyncState.BLOCKED)

# The listing's filter value for "failed or blocked" (beside the SyncState values).
NEEDS_ATTENTION_FILTER = "needs_attention"
