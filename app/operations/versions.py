"""Edit versions: two people editing one document never lose an edit.

A PO's or invoice's ``revision`` is its version: every edit (fields, lines, a fix that
changes them) raises it by one, and the history event of the edit names the version it
made. The sync's bookkeeping (its state, QuickBooks' ids, the requests in flight) leaves
it alone, so a sync running beside an open editor does not make the editor's save fail.

An edit names the version it started from (an editor opened it at that version); one
made over a newer version is refused with ``EditConflict``, which says who made the
newer ones, when, and what they changed, and nothing of it is written.

``hold`` checks the version and takes the document's row in one UPDATE (``... WHERE id =
:id AND revision = :seen``: PostgreSQL locks the row, SQLite the store, until the
transaction ends) before the edit reads it; ``bump`` raises it the same guarded way. An
edit that names no version (the command line's one-shot edit) takes the row first and
reads it then, so an edit made just before it is kept, and it goes on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app.domain.events import Event
from app.domain.states import DocKind
from app.domain.wording import field_words
from app.errors import UserError
from app.store.models import HistoryEvent, Invoice, PurchaseOrder

Document = PurchaseOrder | Invoice

SHOWN_EDITS = 3  # the newer edits a refusal spells out; more are counted


@dataclass(frozen=True)
class NewerEdit:
    """One edit made after the version a refused change started from."""

    revision: int  # the version it made (older edits' are counted back from the latest)
    actor: str
    at: datetime
    fields: tuple[str, ...]  # in words: "supplier", "line 2 amount"


def when_words(at: datetime, now: datetime | None = None) -> str:
    """A moment as people read it, in this computer's time: "14:02" today, else
    "2026-07-01 14:02"."""
    local = at.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime(
        "%Y-%m-%d %H:%M")


class EditConflict(UserError):
    """A change to ``number`` started from version ``seen``, but the store holds
    ``current`` (``edits``: who made the newer ones): nothing of it was written.

    ``step`` names a workflow step refused this way ("approved"); None for an edit."""

    def __init__(self, number: str, seen: int, current: int,
                 edits: tuple[NewerEdit, ...] = (), step: str | None = None) -> None:
        self.number = number
        self.seen = seen
        self.current = current
        self.edits = edits
        self.step = step
        super().__init__(conflict_words(number, seen, current, edits, step))


def _edit_words(edit: NewerEdit) -> str:
    what = ", ".join(edit.fields) or "its fields"
    return f"by {edit.actor} at {when_words(edit.at)} (version {edit.revision}: {what})"


def conflict_words(number: str, seen: int, current: int, edits: tuple[NewerEdit, ...],
                   step: str | None = None) -> str:
    """The refusal in plain words: the document, both versions, who changed what, when."""
    refused = f"it was not {step}" if step else "your changes were not saved"
    again = f"then {_STEP_VERBS.get(step, 'do it')} again if it is still right" if step \
        else "then make your change again"
    if seen > current:
        return (f"{number} has no version {seen} (it is at version {current}); {refused}. "
                f"Open {number} again to see version {current}, {again}.")
    if len(edits) == 1 and current == seen + 1:
        edit = edits[0]
        return (f"{number} was changed {_edit_words(edit)} after you opened version {seen}; "
                f"{refused}. Open {number} again to see {edit.actor}'s version, {again}.")
    times = current - seen
    shown = "; ".join(_edit_words(e) for e in edits[-SHOWN_EDITS:])
    earlier = times - min(len(edits), SHOWN_EDITS)
    if shown and earlier > 0:
        shown = f"{earlier} more, then {shown}"
    detail = f": {shown}" if shown else f" (it is at version {current} now)"
    count = "once" if times == 1 else f"{times} times"
    return (f"{number} was changed {count} after you opened version {seen}{detail}; "
            f"{refused}. Open {number} again to see version {current}, {again}.")


_STEP_VERBS = {"submitted": "submit it", "approved": "approve it",
               "approved by override": "approve it", "cancelled": "cancel it",
               "closed": "close it", "marked ready to pay": "mark it ready to pay"}


def newer_edits(session: Session, kind: DocKind, doc_id: int, seen: int, current: int
                ) -> tuple[NewerEdit, ...]:
    """The edits that made versions ``seen`` + 1 … ``current``, oldest first.

    An edit recorded before history events named their version is taken to have made
    one version each, counting back from ``current``."""
    wanted = current - seen
    if wanted <= 0:
        return ()
    events = session.exec(
        select(HistoryEvent)
        .where(HistoryEvent.doc_kind == kind.value, HistoryEvent.doc_id == doc_id,
               HistoryEvent.action == Event.EDITED.value)
        .order_by(col(HistoryEvent.id).desc()).limit(wanted)).all()
    found = []
    for newest_first, event in enumerate(events):
        detail: dict[str, Any] = event.detail or {}
        revision = detail.get("revision")
        if not isinstance(revision, int):
            revision = current - newest_first  # one version per edit, the latest last
        if revision <= seen:
            break
        fields = tuple(dict.fromkeys(field_words(str(c.get("field", "")))
                                     for c in detail.get("changes", []) if c.get("field")))
        found.append(NewerEdit(revision, event.actor, event.at, fields))
    return tuple(reversed(found))


def refuse(session: Session, kind: DocKind, doc: Document, seen: int,
           step: str | None = None) -> EditConflict:
    """The ``EditConflict`` for a change to ``doc`` that started from version ``seen``."""
    model: Any = type(doc)
    current = session.exec(select(model.revision).where(model.id == doc.id)).one()
    assert doc.id is not None
    return EditConflict(doc.number, seen, current,
                        newer_edits(session, kind, doc.id, seen, current), step)


def _guarded(session: Session, doc: Document, seen: int | None, to: int | None) -> bool:
    """Set ``doc``'s version from ``seen`` (None: whatever it is) to ``to`` (None: leave it)
    in one statement, which keeps the row for this transaction; False when the store no
    longer holds ``seen``."""
    model: Any = type(doc)
    statement = update(model).where(col(model.id) == doc.id)
    if seen is not None:
        statement = statement.where(col(model.revision) == seen)
    result: Any = session.execute(
        statement.values(revision=model.revision if to is None else to)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)


def hold(session: Session, kind: DocKind, doc: Document, expected: int | None = None,
         step: str | None = None) -> int:
    """Keep ``doc`` from other changes until the transaction ends, and read it again; with
    ``expected``, check first that it is still at that version (else ``EditConflict``).
    Returns the version held.

    Without ``expected`` the change starts from the version it finds here: one made in
    between by someone else is kept, and this change goes on top of it."""
    session.flush()  # what the session changed already is kept by the refresh below
    if expected is not None and (doc.revision != expected
                                 or not _guarded(session, doc, expected, None)):
        raise refuse(session, kind, doc, expected, step)
    if expected is None:
        _guarded(session, doc, None, None)
    session.refresh(doc)
    return doc.revision


def bump(session: Session, kind: DocKind, doc: Document) -> int:
    """Raise ``doc``'s version by one for an edit (from the one it was read at, or
    ``EditConflict``); returns the new version."""
    seen = doc.revision
    if not _guarded(session, doc, seen, seen + 1):
        raise refuse(session, kind, doc, seen)
    set_committed_value(doc, "revision", seen + 1)
    return seen + 1


# --- suppliers --------------------------------------------------------------------------
# A supplier has no version of its own: an editor names the values it showed for the
# fields it changes, and the change is refused when one of them is no longer stored.


class SupplierChanged(UserError):
    """Fields of supplier ``name`` changed since an editor showed them (``changed``: each
    field's stored value now); nothing was written."""

    def __init__(self, name: str, changed: dict[str, str | None],
                 by: tuple[str, datetime] | None) -> None:
        self.name = name
        self.changed = dict(changed)
        what = ", ".join(f"{field_words(k)}: now {v or '(empty)'}" for k, v in changed.items())
        who = f"by {by[0]} at {when_words(by[1])} " if by else ""
        version = f"{by[0]}'s version" if by else "the latest version"
        super().__init__(f"{name} was changed {who}({what}) after you opened it; your changes "
                         f"were not saved. Open {name} again to see {version}, then make your "
                         "change again.")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def hold_supplier(session: Session, supplier: Any, seen: dict[str, object], kind: str
                  ) -> None:
    """Keep ``supplier`` from other changes until the transaction ends and check that the
    fields in ``seen`` still hold the values shown (``SupplierChanged`` if not); ``kind``
    is the history's kind for supplier events."""
    model: Any = type(supplier)
    session.flush()
    session.execute(update(model).where(col(model.id) == supplier.id)
                    .values(updated_at=model.updated_at)
                    .execution_options(synchronize_session=False))
    session.refresh(supplier)
    changed = {key: _show_value(getattr(supplier, key)) for key, value in seen.items()
               if _text(getattr(supplier, key)) != _text(value)}
    if not changed:
        return
    events = session.exec(
        select(HistoryEvent).where(HistoryEvent.doc_kind == kind,
                                   HistoryEvent.doc_id == supplier.id)
        .order_by(col(HistoryEvent.id).desc()).limit(50)).all()
    by = next(((e.actor, e.at) for e in events
               if any(c.get("field") in changed for c in (e.detail or {}).get("changes", []))),
              None)
    raise SupplierChanged(supplier.name, changed, by)


def _show_value(value: object) -> str | None:
    return None if value is None or value == "" else _text(value)
