"""Filtered, sorted, paged listings built for 100,000-row tables.

Filtering, sorting and paging happen in SQL; only the requested page of plain
rows comes back into Python. The window filters as the user types, so every
filter's first page must cost about what the plain first page costs:

- First, the sort column's index is walked in order and each row checked against
  the filter (free text with ``LIKE``: the document's own number and reference,
  or a supplier whose name holds it), stopping as soon as the page is full: a
  common filter costs about the rows it shows. The walk is bounded by fences,
  the rows ``WALK`` and ``WALK_MAX`` down the order (key: sort column, id); a
  first stretch, then, when the matches seen there say a page is likely within
  ``WALK_MAX``, the rest. Sorts with many ties (status, sync state, currency)
  or none to fence on (an invoice's PO number) walk a stretch of ids instead.
- When the walk cannot fill the page, the filter is rare, and SQLite's own plan,
  driven by the filter's indexes (status, sync state with date, supplier, date,
  full text), ranks the few matching ids, and only the page's rows are read.
  A text found in few documents (fewer than ``SEARCH_CAP``) is looked up in the
  trigram full-text index where the store has one (``app.store.sqlite``; three
  characters or more), otherwise with ``LIKE``; a text alone that the walk found
  too rare is gathered from the index without counting first. A text in every
  supplier's name filters nothing.
- PostgreSQL plans a filtered first page itself: its planner weighs walking the sort
  column's index against gathering the filter's rows, from its statistics (which
  include which sync states go with which status and supplier, migration 0018); the
  walk and its fences are SQLite's, whose planner cannot see that far. One listing is
  shaped for it: the documents needing attention newest first are read state by state
  along (sync state, date, id) and merged (``_each_state_by_date``).
- Counts for the filter bar (``count_by_state``) stop at ``COUNT_CAP``: exact
  when the filter is rare, "1,000+" otherwise (each state's count capped, in
  one statement), never a count of every row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, literal_column, or_, select, table, tuple_, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.domain.states import NEEDS_ATTENTION, NEEDS_ATTENTION_FILTER, DocKind, SyncState
from app.store import sqlite
from app.store.models import Invoice, PurchaseOrder, Supplier


@dataclass(frozen=True)
class DocumentFilter:
    """What a listing shows. ``sync_state`` may also be ``needs_attention`` (failed or blocked)."""

    status: str | None = None
    sync_state: str | None = None
    supplier_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class DocumentRow:
    """One line of a PO or invoice listing (a stable JSON shape, see DESIGN.md)."""

    number: str
    supplier: str
    date: date
    total: Decimal
    currency: str
    status: str
    sync_state: str
    problem: str | None
    qbo_id: str | None
    qbo_status: str | None = None  # QuickBooks' own status (not in the JSON listing)
    reference: str | None = None
    po_number: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "number": self.number,
            "supplier": self.supplier,
            "date": self.date.isoformat(),
            "total": str(self.total.quantize(Decimal("0.01"))),
            "currency": self.currency,
            "status": self.status,
            "sync_state": self.sync_state,
            "problem": self.problem,
            "qbo_id": self.qbo_id,
        }
        if self.reference is not None or self.po_number is not None:
            data["reference"] = self.reference
            data["po_number"] = self.po_number
        return data


SORT_KEYS = ("date", "number", "supplier", "total", "currency", "status", "sync_state",
             "reference", "po_number")
"""The columns a listing sorts on; ``reference`` and ``po_number`` are invoices' own."""

SEARCH_CAP = 3000  # a text found in fewer documents drives the query from the text index
COUNT_CAP = 1000  # counts for the filter bar stop here ("1,000+")
WALK = 800  # rows of the sort order checked against the filter at first
WALK_MAX = 5000  # at most, when the first stretch shows the filter common enough
FENCED_SORTS = ("date", "number", "total", "reference", "supplier")
"""Sort keys with few ties: their walk is bounded by fences on (sort column, id)."""

_BilledPo = aliased(PurchaseOrder)
# The walk's fences read the sort order from copies of the tables (made once: aliasing
# a table costs more than the walk itself).
_FENCES: dict[Any, list[tuple[Any, Any]]] = {
    model: [(aliased(model, name=f"{model.__tablename__}_{end}"),
             aliased(Supplier, name=f"supplier_{end}")) for end in ("end", "start")]
    for model in (PurchaseOrder, Invoice)}


@dataclass(frozen=True)
class StateCount:
    """How many documents of one sync state match a filter; ``more``: at least ``count``."""

    count: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.count:,}+" if self.more else f"{self.count:,}"


@dataclass(frozen=True)
class _Shape:
    """The tables and columns of one kind's listing."""

    table: str
    model: Any
    date_column: Any
    text_columns: tuple[Any, ...]
    columns: tuple[Any, ...]


def _shape(kind: DocKind) -> _Shape:
    if kind is DocKind.PO:
        model: Any = PurchaseOrder
        date_column = col(PurchaseOrder.txn_date)
        text: tuple[Any, ...] = (col(PurchaseOrder.number),)
        extra: tuple[Any, ...] = ()
    else:
        model = Invoice
        date_column = col(Invoice.issue_date)
        text = (col(Invoice.number), col(Invoice.reference))
        extra = (col(Invoice.reference), _BilledPo.number)
    columns = (model.number, Supplier.name, date_column, model.total, model.currency,
               model.status, model.sync_state, model.problem, model.qbo_id, model.qbo_status,
               *extra)
    return _Shape(model.__tablename__, model, date_column, text, columns)


def _sort_column(shape: _Shape, sort: str) -> Any:
    if sort in ("reference", "po_number") and shape.model is not Invoice:
        raise ValueError(f"POs have no {sort} to sort on")
    if sort == "date":
        return shape.date_column
    if sort == "supplier":
        return col(Supplier.name)
    if sort == "po_number":
        return _BilledPo.number
    if sort not in SORT_KEYS:
        raise ValueError(f"cannot sort on {sort!r}; one of {', '.join(SORT_KEYS)}")
    return getattr(shape.model, sort)


def _order(column: Any, shape: _Shape, descending: bool) -> tuple[Any, Any]:
    """Ties in the order the documents were made; an invoice without a PO comes first
    on the PO column (last, descending), on every database."""
    nulls = column is _BilledPo.number
    if descending:
        return (column.desc().nulls_last() if nulls else column.desc()), shape.model.id.desc()
    return (column.asc().nulls_first() if nulls else column.asc()), shape.model.id.asc()


def _joined(shape: _Shape, query: Select[Any]) -> Select[Any]:
    query = query.join(Supplier, col(Supplier.id) == shape.model.supplier_id)
    if shape.model is Invoice:
        query = query.outerjoin(_BilledPo, _BilledPo.id == col(Invoice.po_id))
    return query


def _escape_like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class _Text:
    """How a free-text filter is applied: through the text index (``ids``) or LIKE."""

    text: str
    ids: Any = None  # a SELECT of the matching documents' ids, from the text index
    rare: bool = False  # found in fewer than SEARCH_CAP documents


def _text(session: Session, shape: _Shape, flt: DocumentFilter, *, probe: bool = True
          ) -> _Text | None:
    """How the free text is looked up; None when there is none, or when every supplier's
    name holds it (then every document matches: a name typed in part, "ltd", "supply").

    Without ``probe``, the text index (where there is one) is taken as it is, without
    counting first how many documents it finds there.
    """
    text = (flt.text or "").strip()
    if not text:
        return None
    everywhere = ~select(Supplier.id).where(~_like(session, col(Supplier.name), text)).exists()
    search = None
    if len(text) >= sqlite.MIN_SEARCH_CHARS:
        search = sqlite.search_table(session.get_bind().engine, shape.table)
    if search is None:
        return None if session.execute(select(everywhere)).scalar_one() else _Text(text)
    ids = (select(literal_column("rowid")).select_from(table(search))
           .where(literal_column(search).op("MATCH")(sqlite.search_phrase(text))))
    if not probe:
        return _Text(text, ids, rare=True)
    hits = select(func.count()).select_from(ids.limit(SEARCH_CAP).subquery())
    every, found = session.execute(select(everywhere, hits.scalar_subquery())).one()
    return None if every else _Text(text, ids, rare=found < SEARCH_CAP)


def _same(column: Any) -> Any:
    return column


def _where(session: Session, shape: _Shape, flt: DocumentFilter, text: _Text | None, *,
           text_index: bool, walk: bool = False, sync_state: bool = True) -> list[Any]:
    """The filter as WHERE terms; the text through its index only when ``text_index``.

    ``walk``: terms checked row by row along the sort order, never driving the query.
    """
    model = shape.model
    sqlite_store = session.get_bind().dialect.name == "sqlite"
    c = sqlite.unindexed if walk and sqlite_store else _same
    terms: list[Any] = []
    if flt.status:
        terms.append(c(model.status) == flt.status)
    if sync_state and flt.sync_state == NEEDS_ATTENTION_FILTER:
        terms.append(c(model.sync_state).in_([s.value for s in NEEDS_ATTENTION]))
    elif sync_state and flt.sync_state:
        terms.append(c(model.sync_state) == flt.sync_state)
    if flt.problem:
        terms.append(c(model.problem) == flt.problem)
    if flt.supplier_id is not None:
        terms.append(c(model.supplier_id) == flt.supplier_id)
    if flt.date_from:
        terms.append(c(shape.date_column) >= flt.date_from)
    if flt.date_to:
        terms.append(c(shape.date_column) <= flt.date_to)
    if text is not None and text_index and text.ids is not None:
        terms.append(model.id.in_(text.ids))
    elif text is not None:  # the document's own texts, or a supplier whose name has it
        named = select(Supplier.id).where(_like(session, col(Supplier.name), text.text))
        terms.append(or_(*(_like(session, t, text.text) for t in shape.text_columns),
                         model.supplier_id.in_(named.correlate(None))))
    return terms


def _like(session: Session, column: Any, text: str) -> Any:
    """``column`` holds ``text``, ignoring case (SQLite's LIKE ignores ASCII case by itself,
    and lower() would cost every row)."""
    pattern = _escape_like(text)
    if session.get_bind().dialect.name == "sqlite":
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def list_documents(
    session: Session,
    kind: DocKind,
    flt: DocumentFilter = DocumentFilter(),
    *,
    limit: int | None = None,
    offset: int = 0,
    sort: str = "date",
    descending: bool = True,
) -> list[DocumentRow]:
    """One page of a PO or invoice listing, sorted on ``sort`` (newest first by default).

    Ties keep the order the documents were made in (their id, in the same direction).
    """
    shape = _shape(kind)
    order = _order(_sort_column(shape, sort), shape, descending)
    if limit is not None:
        rows = _walk(session, shape, flt, sort, descending, limit, offset)
        if rows is not None:
            return rows
    # A rare filter (or a whole listing): SQLite's plan, driven by the filter's indexes;
    # a text found almost everywhere is checked row by row rather than gathered first.
    # A text alone that the walk found too rare is gathered from its index straight away.
    alone = (limit is not None and offset + limit <= WALK
             and flt == DocumentFilter(text=flt.text))
    text = _text(session, shape, flt, probe=not alone)
    text_index = text is not None and (text.rare or limit is None)
    terms = _where(session, shape, flt, text, text_index=text_index)
    query = _joined(shape, select(*shape.columns).select_from(shape.model))
    if limit is None:
        query = query.where(*terms).order_by(*order).offset(offset)
    else:  # the page's ids first (no row read for what is not shown), then their rows
        ranked = _each_state_by_date(session, shape, flt, text, text_index, sort, descending,
                                     offset + limit)
        if ranked is None:
            ranked = _ranked(shape, sort, terms, order)
        query = query.where(shape.model.id.in_(ranked.offset(offset).limit(limit))
                            ).order_by(*order)
    return [DocumentRow(*row) for row in session.execute(query)]


def _each_state_by_date(session: Session, shape: _Shape, flt: DocumentFilter,
                        text: _Text | None, text_index: bool, sort: str, descending: bool,
                        wanted: int) -> Select[Any] | None:
    """PostgreSQL, the documents needing attention newest first: each state's first
    ``wanted`` along its own (sync state, date, id) index, merged; None for any other
    listing. One scan of the date index filtered on both states would walk past every
    document of other states first, and recent ones are often all synced."""
    if sort != "date" or flt.sync_state != NEEDS_ATTENTION_FILTER or \
            session.get_bind().dialect.name != "postgresql":
        return None
    model, day = shape.model, shape.date_column
    parts = [select(model.id.label("id"), day.label("day")).select_from(model)
             .where(*_where(session, shape, replace(flt, sync_state=state.value), text,
                            text_index=text_index))
             .order_by(*_order(day, shape, descending)).limit(wanted)
             for state in NEEDS_ATTENTION]
    merged = union_all(*parts).subquery("each_state")
    by_day = merged.c.day.desc() if descending else merged.c.day.asc()
    by_id = merged.c.id.desc() if descending else merged.c.id.asc()
    return select(merged.c.id).order_by(by_day, by_id).correlate(None)


def _ranked(shape: _Shape, sort: str, terms: list[Any], order: tuple[Any, Any]
            ) -> Select[Any]:
    """The ids of the documents passing ``terms``, in the listing's order; joined to the
    supplier only for a sort on its name, to the PO it bills only for a sort on that."""
    model = shape.model
    query = select(model.id).select_from(model)
    if sort == "supplier":
        query = query.join(Supplier, col(Supplier.id) == model.supplier_id)
    if sort == "po_number":
        query = query.outerjoin(_BilledPo, _BilledPo.id == col(Invoice.po_id))
    return query.where(*terms).order_by(*order).correlate(None)


def _walk(session: Session, shape: _Shape, flt: DocumentFilter, sort: str, descending: bool,
          limit: int, offset: int) -> list[DocumentRow] | None:
    """The page read along the sort column's index, or None when the filter is too rare.

    Every term (the free text with LIKE) is checked row by row along the sort order,
    and the walk stops as soon as the page is full. A sort on a column with few ties
    walks between fences (the rows at ``WALK`` and ``WALK_MAX`` in that order): a
    first stretch; when it holds some matches but not a page, their density says
    whether the rest is likely within ``WALK_MAX`` rows, and the walk goes on there.
    """
    text = _Text(flt.text.strip()) if flt.text and flt.text.strip() else None
    terms = _where(session, shape, flt, text, text_index=False, walk=True)
    if not terms:  # no filter: the page's ids straight from the index, then their rows
        return _walked(session, shape, terms, sort, descending, limit, offset, limit, offset)
    wanted = offset + limit
    if wanted > WALK or session.get_bind().dialect.name != "sqlite":
        return None  # a page deep into a filtered listing, or PostgreSQL: the plan
    if sort not in FENCED_SORTS:
        return _stretches(session, shape, terms, sort, descending, limit, offset)
    rows = _fenced(session, shape, terms, sort, descending, wanted, 0, WALK)
    if len(rows) < wanted and rows:
        rest = (wanted - len(rows)) * WALK // len(rows)  # rows still to walk, at this density
        if WALK + rest * 3 // 2 <= WALK_MAX:
            rows += _fenced(session, shape, terms, sort, descending, wanted - len(rows),
                            WALK, WALK_MAX)
    return rows[offset:] if len(rows) == wanted else None


def _fence(shape: _Shape, sort: str, descending: bool, at: int, copy: int) -> Any:
    """The sort key (sort column, id) of the row at position ``at`` of the whole order,
    read from the ``copy``-th copy of the tables."""
    model, supplier = _FENCES[shape.model][copy]
    if sort == "supplier":
        column = supplier.name
        query = select(column, model.id).join(supplier, supplier.id == model.supplier_id)
    else:
        column = getattr(model, _sort_column(shape, sort).key)
        query = select(column, model.id)
    ids = model.id.desc() if descending else model.id.asc()
    query = query.order_by(column.desc() if descending else column.asc(), ids)
    return query.offset(at - 1).limit(1).scalar_subquery()


def _fenced(session: Session, shape: _Shape, terms: list[Any], sort: str, descending: bool,
            limit: int, start: int, end: int) -> list[DocumentRow]:
    """The first ``limit`` rows that pass ``terms`` among rows ``start`` to ``end`` of the
    sort order, walked along the sort column's index (empty when the order is shorter)."""
    column = _sort_column(shape, sort)
    key = tuple_(column, shape.model.id)
    last = _fence(shape, sort, descending, end, 0)
    bounds = [key >= last if descending else key <= last]
    if start:
        first = _fence(shape, sort, descending, start, 1)
        bounds.append(key < first if descending else key > first)
    query = _joined(shape, select(*shape.columns).select_from(shape.model))
    query = query.where(*bounds, *terms).order_by(*_order(column, shape, descending))
    return [DocumentRow(*row) for row in session.execute(query.limit(limit))]


def _stretches(session: Session, shape: _Shape, terms: list[Any], sort: str,
               descending: bool, limit: int, offset: int) -> list[DocumentRow] | None:
    """The page among a first stretch of the sort order (``WALK`` rows), or a second one
    as long as the matches seen say is needed (up to ``WALK_MAX``); for sorts with many
    ties (status, sync state, currency) or none to fence on (an invoice's PO number)."""
    wanted = offset + limit
    size = WALK + 2 * wanted
    rows = _walked(session, shape, terms, sort, descending, limit, offset, size, 0)
    if len(rows) == limit:
        return rows
    found = len(rows) + offset if rows else 0
    if not found:
        return None
    size = size * wanted * 3 // (2 * found)
    if size > WALK_MAX:
        return None
    rows = _walked(session, shape, terms, sort, descending, limit, offset, size, 0)
    return rows if len(rows) == limit else None


def _walked(session: Session, shape: _Shape, terms: list[Any], sort: str, descending: bool,
            limit: int, offset: int, size: int, skip: int) -> list[DocumentRow]:
    """The page among ``size`` rows of the sort order (after ``skip``) that pass ``terms``."""
    model = shape.model
    order = _order(_sort_column(shape, sort), shape, descending)
    if skip:
        offset = 0
    if sort == "po_number":
        ids = _po_number_steps(session, descending, size, skip)
        query = _joined(shape, select(*shape.columns).select_from(model)).where(
            model.id.in_(ids))
    else:
        steps = select(model.id.label("id")).select_from(model)
        if sort == "supplier":
            steps = steps.join(Supplier, col(Supplier.id) == model.supplier_id)
        walked = steps.order_by(*order).offset(skip).limit(size).subquery("walked")
        query = _joined(shape, select(*shape.columns).select_from(walked)
                        .join(model, model.id == walked.c.id))
    query = query.where(*terms).order_by(*order).offset(offset).limit(limit)
    return [DocumentRow(*row) for row in session.execute(query)]


def _po_number_steps(session: Session, descending: bool, size: int, skip: int) -> Any:
    """Invoices in the order of the PO they bill: those without a PO, then by PO number
    (the other way round, descending), each part along its own index; the ids at
    positions ``skip`` to ``skip + size`` of that order, as a SELECT."""
    by_id = Invoice.id.desc() if descending else Invoice.id.asc()  # type: ignore[union-attr]
    number = _BilledPo.number.desc() if descending else _BilledPo.number.asc()
    first, second = [
        select(Invoice.id).where(col(Invoice.po_id).is_(None)).order_by(by_id),
        select(Invoice.id).join(_BilledPo, _BilledPo.id == col(Invoice.po_id))
        .order_by(number, by_id),
    ][::-1 if descending else 1]
    first, second = first.correlate(None), second.correlate(None)
    end = skip + size
    held = session.execute(select(func.count()).select_from(
        first.limit(end).subquery())).scalar_one()  # how far the first part reaches
    if held >= end:
        return first.offset(skip).limit(size)
    head = first.offset(skip).limit(max(0, held - skip)).subquery("head")
    tail = second.offset(max(0, skip - held)).limit(end - max(skip, held)).subquery("tail")
    return select(head.c.id).union_all(select(tail.c.id))


def count_documents(session: Session, kind: DocKind, flt: DocumentFilter = DocumentFilter()
                    ) -> int:
    """How many documents match ``flt`` (exact; for the window's page count)."""
    shape = _shape(kind)
    text = _text(session, shape, flt)
    terms = _where(session, shape, flt, text, text_index=True)
    query = select(func.count()).select_from(shape.model).where(*terms)
    return int(session.execute(query).scalar_one())


def count_by_state(session: Session, kind: DocKind, flt: DocumentFilter = DocumentFilter(),
                   *, cap: int = COUNT_CAP) -> dict[str, StateCount]:
    """The filter bar's counts: documents matching ``flt`` in each sync state.

    ``flt.sync_state`` is left out (the bar offers every state); ``needs_attention``
    counts failed and blocked together. A count stops at ``cap`` (``StateCount.more``),
    so that no keystroke counts every row of a large store.
    """
    shape = _shape(kind)
    model = shape.model
    text = _text(session, shape, flt)
    text_index = text is not None and text.rare
    terms = _where(session, shape, flt, text, text_index=text_index, sync_state=False)
    def source(*columns: Any) -> Select[Any]:
        return select(*columns).select_from(model).where(*terms)

    found = source(model.sync_state.label("state")).limit(cap + 1).subquery("found")
    counted: dict[str, int] = {state: n for state, n in session.execute(
        select(found.c.state, func.count()).group_by(found.c.state))}
    states = [s.value for s in SyncState]
    if sum(counted.values()) <= cap:
        counts = {s: StateCount(counted.get(s, 0)) for s in states}
    else:  # each state's count up to the cap, all in one statement
        capped = [select(func.count()).select_from(
            source(literal_column("1")).where(model.sync_state == state).limit(cap)
            .subquery(f"state_{i}")).scalar_subquery() for i, state in enumerate(states)]
        found_per_state = session.execute(select(*capped)).one()
        counts = {state: StateCount(int(n), more=n >= cap)
                  for state, n in zip(states, found_per_state, strict=True)}
    attention = [counts[s.value] for s in NEEDS_ATTENTION]
    counts[NEEDS_ATTENTION_FILTER] = StateCount(sum(c.count for c in attention),
                                                more=any(c.more for c in attention))
    return counts


def count_by(session: Session, kind: DocKind, column: str) -> dict[str, int]:
    """Documents counted by ``sync_state``, or by ``problem`` over failed and blocked ones."""
    model = PurchaseOrder if kind is DocKind.PO else Invoice
    group = getattr(model, column)
    query = select(group, func.count()).group_by(group)
    if column == "problem":
        query = query.where(model.sync_state.in_([s.value for s in NEEDS_ATTENTION]))
    rows = session.execute(query)
    return {key: n for key, n in rows if key is not None}


def problem_groups(session: Session) -> dict[str, dict[str, Any]]:
    """Failed or blocked documents that share a root cause (one supplier, one account, …).

    The window offers to fix such a group at once; the key is the problem's group.
    """
    groups: dict[str, dict[str, Any]] = {}
    for model in (PurchaseOrder, Invoice):
        rows = session.execute(
            select(model.number, model.problem, model.last_error_detail)
            .where(model.sync_state.in_([s.value for s in NEEDS_ATTENTION]))
            .order_by(model.id))
        for number, problem, detail in rows:
            key = (detail or {}).get("group")
            if not key:
                continue
            entry = groups.setdefault(key, {"problem": problem, "documents": []})
            entry["documents"].append(number)
    return {k: v for k, v in groups.items() if len(v["documents"]) > 1}


def not_synced_by_status(session: Session, kind: DocKind) -> dict[str, int]:
    """Documents not meant for QuickBooks yet, counted by their own status (draft, …)."""
    model = PurchaseOrder if kind is DocKind.PO else Invoice
    rows = session.execute(select(model.status, func.count())
                           .where(model.sync_state == SyncState.NOT_SYNCED).group_by(model.status))
    return {status: n for status, n in rows}


def document_row(session: Session, kind: DocKind, number: str) -> DocumentRow | None:
    """One document's listing row, by its number (None: no such document)."""
    shape = _shape(kind)
    query = _joined(shape, select(*shape.columns).select_from(shape.model))
    found = session.execute(query.where(shape.model.number == number)).first()
    return DocumentRow(*found) if found else None
