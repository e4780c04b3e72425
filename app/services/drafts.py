"""Creating and editing POs and invoices as a dialog does: a whole draft at once.

``DocumentService.new_draft``/``draft`` give a draft to fill in; ``create``/``save``
check every field and write all of it, or raise ``FieldErrors`` (``errors``: the reason
for each field at fault, keyed as ``app/operations/drafts.py`` says) and write nothing.
A draft knows the version it was read at (``Draft.revision``): ``save`` over a newer
version raises ``EditConflict`` (who changed what since) and writes nothing.
``allowed_steps`` says which workflow steps a document's status allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.domain import workflow
from app.domain.states import DocKind, InvoiceStatus, PoStatus
from app.domain.workflow import WorkflowError
from app.operations.drafts import (
    PO_DATE_OFF,
    Draft,
    DraftLine,
    FieldErrors,
    FieldKey,
    key_words,
)
from app.operations.versions import EditConflict
from app.services.documents_views import FieldChange, Step

__all__ = ["PO_DATE_OFF", "Draft", "DraftLine", "EditConflict", "FieldErrors", "FieldKey",
           "SaveOutcome", "allowed_steps", "editable", "key_words"]


@dataclass(frozen=True)
class SaveOutcome:
    """A draft written: the document's number, status, sync state and total now, and the
    fields that changed (every one, for a new document: ``created``)."""

    number: str
    status: str
    sync_state: str
    total: Decimal
    created: bool
    changes: tuple[FieldChange, ...] = ()


_PO_STEPS = ((Step.SUBMIT, workflow.submit_po), (Step.APPROVE, workflow.approve_po),
             (Step.OVERRIDE, workflow.override_po), (Step.CANCEL, workflow.cancel_po),
             (Step.CLOSE, workflow.close_po))
_INVOICE_STEPS = ((Step.APPROVE, workflow.approve_invoice),
                  (Step.READY, workflow.ready_invoice))


def allowed_steps(kind: DocKind, status: str) -> tuple[Step, ...]:
    """The workflow steps a document in ``status`` can take now."""
    allowed = []
    steps = _PO_STEPS if kind is DocKind.PO else _INVOICE_STEPS
    for step, decide in steps:
        try:
            decide(PoStatus(status) if kind is DocKind.PO else InvoiceStatus(status))
        except (WorkflowError, ValueError):
            continue
        allowed.append(step)
    return tuple(allowed)


def editable(kind: DocKind, status: str) -> bool:
    """Whether a document in ``status`` can still be edited (not a closed or cancelled PO,
    not a paid invoice)."""
    try:
        if kind is DocKind.PO:
            workflow.edit_po(PoStatus(status), False)
        else:
            workflow.edit_invoice(InvoiceStatus(status))
    except (WorkflowError, ValueError):
        return False
    return True
