"""Writing and reading a document's history."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.domain.states import DocKind
from app.store.models import HistoryEvent


def record(
    session: Session,
    kind: DocKind,
    doc_id: int,
    actor: str,
    action: str,
    summary: str,
    detail: dict[str, Any] | None = None,
) -> HistoryEvent:
    """Add one history event to the session (committed with the caller's transaction)."""
    event = HistoryEvent(
        doc_kind=kind.value, doc_id=doc_id, actor=actor, action=str(action), summary=summary,
        detail=detail,
    )
    session.add(event)
    return event


def events_for(session: Session, kind: DocKind, doc_id: int) -> list[HistoryEvent]:
    """A document's history, oldest first."""
    query = (
        select(HistoryEvent)
        .where(HistoryEvent.doc_kind == kind.value, HistoryEvent.doc_id == doc_id)
        .order_by(col(HistoryEvent.id))
    )
    return list(session.exec(query))
