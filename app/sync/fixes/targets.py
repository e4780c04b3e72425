"""Finding the documents a fix is for: one by its number, or a problem group's."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.domain.problems import FIXES
from app.domain.states import NEEDS_ATTENTION, DocKind
from app.errors import UserError
from app.operations.lookup import find_document
from app.store.models import Invoice, PurchaseOrder, Supplier
from app.sync.fixes.base import Target, problem_of

Document = PurchaseOrder | Invoice


def target_of(session: Session, kind: DocKind, doc: Document) -> Target:
    assert doc.id is not None
    supplier = session.get(Supplier, doc.supplier_id)
    return Target(kind, doc.id, doc.number, problem_of(doc.last_error_detail, doc.problem),
                  doc.supplier_id, supplier.name if supplier else "", doc.sync_state)


def document_target(session: Session, kind: DocKind, number: str) -> Target:
    """The document to fix; a ``UserError`` when it has no problem to fix."""
    doc = find_document(session, kind, number)
    if not doc.problem or doc.sync_state not in {s.value for s in NEEDS_ATTENTION}:
        raise UserError(f"{doc.number} has no sync problem to fix (it is "
                        f"{doc.sync_state.replace('_', ' ')}).")
    return target_of(session, kind, doc)


def group_targets(session: Session, key: str) -> tuple[Target, ...]:
    """Every failed or blocked document of one root cause (the problem's ``group``), POs
    first; a ``UserError`` when none has it or they need different fixes."""
    found: list[Target] = []
    for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
        rows = session.exec(select(model).where(
            col(model.sync_state).in_([s.value for s in NEEDS_ATTENTION]))
            .order_by(col(model.id))).all()
        found += [target_of(session, kind, row) for row in rows
                  if (row.last_error_detail or {}).get("group") == key]
    if not found:
        raise UserError(f"No document needing attention has the problem group '{key}' "
                        "(the status lists each group's key with its documents).")
    fixes = {FIXES[t.problem.kind] for t in found}
    if len(fixes) > 1:
        raise UserError(f"The documents of group '{key}' need different fixes ("
                        + ", ".join(sorted(fixes)) + "); fix them one at a time.")
    return tuple(found)
