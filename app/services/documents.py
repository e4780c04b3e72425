"""The documents service: POs, invoices, suppliers, accounts and items (listing, detail,
history, edits, workflow steps, CSV import).

Every call is one transaction of its own. Read models are in
``app/services/documents_views.py``; a refused change raises a ``UserError``
in plain words (nothing here names a command-line flag).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, col, func, select

from app.domain.events import Event
from app.domain.problems import FIXES, Kind
from app.domain.roles import Permission
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.errors import UsageError
from app.operations import creating, drafts, editing, workflow_steps
from app.operations.csv_import import COLUMNS, CsvImportError, RowError, import_csv
from app.operations.drafts import field_text
from app.operations.history import events_for
from app.operations.lookup import find_document, supplier_by_name
from app.operations.suppliers import (
    SUPPLIER_FIELDS,
    SupplierInvalid,
    create_supplier,
    edit_supplier,
    supplier_events,
)
from app.operations.team import require
from app.operations.versions import EditConflict, SupplierChanged
from app.services.documents_views import (
    ChartEntry,
    Count,
    DetailLine,
    DocumentDetail,
    DocumentRow,
    EditOutcome,
    FieldChange,
    FilterCounts,
    HistoryEntry,
    ImportReport,
    ListQuery,
    ProblemBox,
    Step,
    StepOutcome,
    SupplierEditOutcome,
    SupplierOverview,
    SupplierRow,
)
from app.services.drafts import Draft, SaveOutcome
from app.services.team import store_login
from app.store import queries
from app.store.database import Store
from app.store.models import (
    Account,
    HistoryEvent,
    Invoice,
    InvoiceLine,
    Item,
    PoLine,
    PurchaseOrder,
    QboObject,
    Supplier,
)
from app.sync.chart import ChartRow, list_accounts, list_items
from app.sync.lists import name_key, original_name
from app.sync.problems import waiting_on_po, what_to_do
from app.work import OnProgress

__all__ = ["SUPPLIER_FIELDS", "CsvImportError", "DocumentService", "EditConflict", "ListQuery",
           "RowError", "Step", "SupplierChanged", "SupplierInvalid", "import_columns"]

NEEDS_ATTENTION = queries.NEEDS_ATTENTION_FILTER  # the sync-state filter: failed or blocked
SORT_KEYS = queries.SORT_KEYS  # the columns a listing sorts on
IMPORT_KINDS = ("suppliers", "pos", "invoices")
PO_STEPS = (Step.SUBMIT, Step.APPROVE, Step.OVERRIDE, Step.CANCEL, Step.CLOSE)
INVOICE_STEPS = (Step.APPROVE, Step.READY)

T = TypeVar("T")
EVERYTHING = ListQuery()  # a listing without filters, newest first, every row


def statuses(kind: DocKind) -> list[str]:
    """The statuses a document of ``kind`` can have."""
    return [s.value for s in (PoStatus if kind is DocKind.PO else InvoiceStatus)]


def sync_states() -> list[str]:
    """What a listing filters the sync state on: each state, and ``needs_attention``."""
    return [s.value for s in SyncState] + [NEEDS_ATTENTION]


def import_columns(what: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The columns a CSV file of ``what`` (suppliers, pos, invoices) has: (required,
    optional), as the header row names them."""
    if what not in IMPORT_KINDS:
        raise UsageError(f"SyncDesk imports {', '.join(IMPORT_KINDS)}, not {what!r}")
    return COLUMNS[what]


class DocumentService:
    def __init__(self, store: Store, actor: Callable[[], str] | None = None) -> None:
        self._store = store
        self._actor = actor or store_login(store)

    @contextmanager
    def _change(self) -> Iterator[tuple[Session, str]]:
        """One change's transaction and who makes it; refused (``NotAllowed``) for a login
        that is not on the company's team (``app.domain.roles``)."""
        actor = self._actor()
        with self._store.session() as session:
            require(session, actor, Permission.WORK)
            yield session, actor

    def _read(self, work: Callable[[Session], T]) -> T:
        with self._store.session() as session:
            return work(session)

    # --- listing ----------------------------------------------------------------------

    def _filter(self, session: Session, kind: DocKind, query: ListQuery
                ) -> queries.DocumentFilter | None:
        """The store's filter for ``query``, or None when it can match nothing."""
        if query.status and query.status not in statuses(kind):
            raise UsageError(f"a {kind.label}'s status is one of {', '.join(statuses(kind))}")
        if query.sync_state and query.sync_state not in sync_states():
            raise UsageError(f"the sync state is one of {', '.join(sync_states())}")
        if query.problem and query.problem not in [k.value for k in Kind]:
            raise UsageError(f"a problem is one of {', '.join(k.value for k in Kind)}")
        supplier_id = None
        if query.supplier:
            supplier = supplier_by_name(session, query.supplier)
            if supplier is None:
                return None
            supplier_id = supplier.id
        return queries.DocumentFilter(
            status=query.status, sync_state=query.sync_state, supplier_id=supplier_id,
            date_from=query.date_from, date_to=query.date_to, text=query.text,
            problem=query.problem)

    def list(self, kind: DocKind, query: ListQuery = EVERYTHING) -> list[DocumentRow]:
        """One page of POs or invoices, filtered and sorted as ``query`` says."""
        if query.sort not in SORT_KEYS or (kind is DocKind.PO
                                           and query.sort in ("reference", "po_number")):
            raise UsageError(f"{kind.label}s cannot be sorted on {query.sort!r}")

        def work(session: Session) -> list[DocumentRow]:
            flt = self._filter(session, kind, query)
            if flt is None:
                return []
            rows = queries.list_documents(session, kind, flt, limit=query.limit,
                                          offset=query.offset, sort=query.sort,
                                          descending=query.descending)
            return [DocumentRow(kind, r.number, r.supplier, r.date, r.total, r.currency,
                                r.status, r.sync_state, r.problem, r.qbo_id, r.reference,
                                r.po_number, r.qbo_status) for r in rows]

        return self._read(work)

    def counts(self, kind: DocKind, query: ListQuery = EVERYTHING) -> FilterCounts:
        """The filter bar's counts for ``query``'s other filters: how many documents in each
        sync state, and needing attention (large counts stop early: ``Count.more``)."""

        def work(session: Session) -> FilterCounts:
            flt = self._filter(session, kind, query)
            if flt is None:
                return FilterCounts({s: Count(0) for s in sync_states()})
            found = queries.count_by_state(session, kind, flt)
            return FilterCounts({s: Count(c.count, c.more) for s, c in found.items()})

        return self._read(work)

    def count(self, kind: DocKind, query: ListQuery = EVERYTHING) -> int:
        """How many documents match ``query`` (exact; its sort and page left aside)."""

        def work(session: Session) -> int:
            flt = self._filter(session, kind, query)
            return 0 if flt is None else queries.count_documents(session, kind, flt)

        return self._read(work)

    # --- one document -----------------------------------------------------------------

    def detail(self, kind: DocKind, number: str) -> DocumentDetail:
        """One document with its lines and its QuickBooks box."""
        return self._read(lambda s: _detail(s, kind, find_document(s, kind, number)))

    def history(self, kind: DocKind, number: str) -> list[HistoryEntry]:
        """Who did what to a document, and when; oldest first."""

        def work(session: Session) -> list[HistoryEntry]:
            doc = find_document(session, kind, number)
            assert doc.id is not None
            return [_entry(e) for e in events_for(session, kind, doc.id)]

        return self._read(work)

    def supplier_history(self, name: str) -> list[HistoryEntry]:
        """A supplier's own history, oldest first."""
        return self._read(lambda s: [_entry(e) for e in supplier_events(s, name)])

    # --- suppliers, accounts, items ---------------------------------------------------

    def suppliers(self, search: str | None = None, *, offset: int = 0,
                  limit: int | None = None) -> list[SupplierRow]:
        """Suppliers by name; ``search`` keeps those whose name holds it (any case)."""

        def work(session: Session) -> list[SupplierRow]:
            query = select(Supplier).order_by(col(Supplier.name))
            if search:
                query = query.where(col(Supplier.name).ilike(f"%{search}%"))
            if limit is not None:
                query = query.limit(limit)
            return [SupplierRow(s.name, s.email, s.currency, s.active, s.qbo_vendor_id)
                    for s in session.exec(query.offset(offset))]

        return self._read(work)

    def supplier_overview(self, search: str | None = None, *, offset: int = 0,
                          limit: int | None = None) -> list[SupplierOverview]:
        """Suppliers by name with their QuickBooks link (the linked vendor, active or not as
        the last sync read it) and how many of their documents need attention. A supplier
        not linked yet whose vendor of the same name is inactive in QuickBooks shows that
        vendor (``by_name``): the sync stops there, it is no missing link."""

        def work(session: Session) -> list[SupplierOverview]:
            query = select(Supplier).order_by(col(Supplier.name))
            if search:
                query = query.where(col(Supplier.name).ilike(f"%{search}%"))
            if limit is not None:
                query = query.limit(limit)
            suppliers = list(session.exec(query.offset(offset)))
            ids = [s.id for s in suppliers]
            attention: dict[int, int] = {}
            for model in (PurchaseOrder, Invoice):
                found = session.exec(
                    select(model.supplier_id, func.count())  # type: ignore[call-overload]
                    .where(col(model.supplier_id).in_(ids),
                           col(model.sync_state).in_([SyncState.FAILED.value,
                                                      SyncState.BLOCKED.value]))
                    .group_by(model.supplier_id))
                for supplier_id, count in found:
                    attention[supplier_id] = attention.get(supplier_id, 0) + count
            vendor_ids = [s.qbo_vendor_id for s in suppliers if s.qbo_vendor_id]
            active, names = {}, {}
            for vendor_id, vendor_active, data in session.exec(
                    select(QboObject.qbo_id, QboObject.active, QboObject.data).where(
                        QboObject.entity == "Vendor", col(QboObject.qbo_id).in_(vendor_ids))):
                active[vendor_id], names[vendor_id] = vendor_active, original_name(data) or None
            # A supplier whose vendor of the same name is inactive stays unlinked (the sync
            # will not take it as a new link) but is tied to it all the same: the sync finds
            # it by name and stops there. Name as QuickBooks compares names.
            inactive = {}
            if any(not s.qbo_vendor_id for s in suppliers):
                for vendor_id, data in session.exec(
                        select(QboObject.qbo_id, QboObject.data).where(
                            QboObject.entity == "Vendor", col(QboObject.active).is_(False))):
                    inactive.setdefault(name_key(original_name(data)),
                                        (vendor_id, original_name(data) or None))
            rows = []
            for s in suppliers:
                vendor_id, vendor_active, by_name = s.qbo_vendor_id, None, False
                vendor_name = names.get(vendor_id) if vendor_id else None
                if vendor_id:
                    vendor_active = active.get(vendor_id)
                elif name_key(s.name) in inactive:
                    vendor_id, vendor_name = inactive[name_key(s.name)]
                    vendor_active, by_name = False, True
                rows.append(SupplierOverview(s.name, s.email, s.currency, s.active, vendor_id,
                                             vendor_active, attention.get(s.id or 0, 0),
                                             by_name, vendor_name))
            return rows

        return self._read(work)

    def accounts(self, search: str | None = None, *, offset: int = 0,
                 limit: int | None = None) -> list[ChartEntry]:
        """The chart of accounts, SyncDesk's and QuickBooks' (as the last sync read it)."""
        return self._chart(list_accounts, search, offset, limit)

    def items(self, search: str | None = None, *, offset: int = 0,
              limit: int | None = None) -> list[ChartEntry]:
        """The items, SyncDesk's and QuickBooks' (as the last sync read them)."""
        return self._chart(list_items, search, offset, limit)

    def _chart(self, source: Callable[[Session], list[ChartRow]], search: str | None,
               offset: int, limit: int | None) -> list[ChartEntry]:
        rows = self._read(source)
        if search:
            rows = [r for r in rows if search.strip().lower() in r.name.lower()]
        rows = rows[offset:]
        if limit is not None:
            rows = rows[:limit]
        return [ChartEntry(r.name, r.type, r.active, r.qbo_id, r.in_syncdesk, r.in_quickbooks,
                           r.linked, r.account, r.is_item) for r in rows]

    # --- changes ----------------------------------------------------------------------

    def edit(self, kind: DocKind, number: str, changes: Mapping[str, object], *,
             expected_revision: int | None = None) -> EditOutcome:
        """Change fields of a PO or invoice (all of them or none).

        ``expected_revision``: the version the change was made from (``DocumentDetail``'s
        ``revision``); when the document has moved on since, ``EditConflict`` says who
        changed what, and nothing is written. Without it the edit applies to the version
        it reads, in the same transaction.

        ``changes`` maps a field to its new value: POs ``supplier``, ``po_date``,
        ``currency``, ``memo``; invoices ``supplier``, ``reference``, ``issue_date``,
        ``due_date``, ``po``, ``currency``, ``memo``; lines ``line.N.description``,
        ``account``, ``item``, ``qty``, ``unit_price``, ``amount`` (and ``po_line`` on
        invoices); the next line number adds a line. Values may be text, Decimal, date,
        int or bool; None clears a field.
        """
        pairs = [(name, field_text(value)) for name, value in changes.items()]
        edit = editing.edit_po if kind is DocKind.PO else editing.edit_invoice
        with self._change() as (session, actor):
            result = edit(session, number, pairs, actor, (), expected_revision)
            revision = find_document(session, kind, number).revision
        return EditOutcome(number, _changes(result.changes), result.status, revision)

    # --- whole drafts, as the document dialog edits them --------------------------------

    def new_draft(self, kind: DocKind) -> Draft:
        """An empty PO or invoice to fill in: the next free number, the home currency, an
        invoice dated today, one empty line."""
        return self._read(lambda s: drafts.new_draft(s, kind, creating.today()))

    def draft(self, kind: DocKind, number: str) -> Draft:
        """A stored PO or invoice as a draft to edit (each line knows which it is)."""
        return self._read(lambda s: drafts.draft_of(s, kind, number))

    def create(self, draft: Draft) -> SaveOutcome:
        """Add ``draft`` as a new draft PO or outstanding invoice: every field is checked,
        and any wrong one raises ``FieldErrors`` (each reason at its field) with nothing
        written. Empty new lines are left out."""
        with self._change() as (session, actor):
            doc = drafts.create(session, draft, actor)
            return SaveOutcome(doc.number, doc.status, doc.sync_state, doc.total, True)

    def save(self, number: str, draft: Draft) -> SaveOutcome:
        """Write the edited ``draft`` of document ``number`` (its kind is the draft's):
        what changed, as one edit (lines missing from the draft are removed); every field
        is checked first, and any wrong one raises ``FieldErrors`` with nothing written.
        A draft read at an older version than the stored one (``Draft.revision``) raises
        ``EditConflict`` (who changed what since) with nothing written."""
        with self._change() as (session, actor):
            result = drafts.save(session, draft, number, actor)
            doc = find_document(session, draft.kind, number)
            return SaveOutcome(doc.number, doc.status, doc.sync_state, doc.total, False,
                               _changes(result.changes))

    def edit_supplier(self, name: str, changes: Mapping[str, object], *,
                      seen: Mapping[str, object] | None = None) -> SupplierEditOutcome:
        """Change a supplier's ``name`` (a rename), ``email``, ``currency`` or ``active``
        (all of them or none: bad values raise ``SupplierInvalid``, each at its field).
        ``seen``: the values the editor showed for the fields it changes; one changed by
        someone else since raises ``SupplierChanged`` (who, and the value now), nothing
        written.

        A rename queues again the supplier's documents that its old name kept out of
        QuickBooks (``requeued``)."""
        pairs = [(key, field_text(value)) for key, value in changes.items()]
        with self._change() as (session, actor):
            result = edit_supplier(session, name, pairs, actor, seen)
        return SupplierEditOutcome(result.name, _changes(result.changes),
                                   tuple(result.requeued), result.qbo_vendor_id)

    def create_supplier(self, values: Mapping[str, object]) -> SupplierRow:
        """A new supplier: ``name`` (required, not taken), ``email``, ``currency`` (default:
        the company's home currency), ``active`` (default yes). Bad values raise
        ``SupplierInvalid`` with each reason at its field; nothing is added then."""
        pairs = [(key, field_text(value)) for key, value in values.items()]
        with self._change() as (session, actor):
            s = create_supplier(session, pairs, actor)
            return SupplierRow(s.name, s.email, s.currency, s.active, s.qbo_vendor_id)

    def step(self, kind: DocKind, number: str, step: Step | str, *,
             expected_revision: int | None = None) -> StepOutcome:
        """Run one workflow step; approving queues the document for QuickBooks.

        ``expected_revision``: the version the document was shown at; a step on a
        document edited since is refused (``EditConflict``)."""
        step = Step(step)
        if kind is DocKind.PO and step not in PO_STEPS:
            raise UsageError(f"{step.value} applies to invoices")
        if kind is DocKind.INVOICE and step not in INVOICE_STEPS:
            raise UsageError(f"{step.value} applies to POs")
        with self._change() as (session, actor):
            doc: PurchaseOrder | Invoice
            if kind is DocKind.PO:
                doc = workflow_steps.change_po_status(session, number, step.value, actor,
                                                      expected_revision)
            else:
                doc = workflow_steps.change_invoice_status(session, number, step.value,
                                                           actor, expected_revision)
            return StepOutcome(doc.number, doc.status, doc.sync_state)

    def submit(self, number: str) -> StepOutcome:
        return self.step(DocKind.PO, number, Step.SUBMIT)

    def approve(self, kind: DocKind, number: str) -> StepOutcome:
        return self.step(kind, number, Step.APPROVE)

    def override(self, number: str) -> StepOutcome:
        return self.step(DocKind.PO, number, Step.OVERRIDE)

    def cancel(self, number: str) -> StepOutcome:
        return self.step(DocKind.PO, number, Step.CANCEL)

    def close(self, number: str) -> StepOutcome:
        return self.step(DocKind.PO, number, Step.CLOSE)

    def ready(self, number: str) -> StepOutcome:
        return self.step(DocKind.INVOICE, number, Step.READY)

    def import_csv(self, what: str, path: Path, *, on_progress: OnProgress | None = None,
                   cancel: threading.Event | None = None) -> ImportReport:
        """Import a CSV file of ``what`` (suppliers, pos, invoices): every row or none.

        Progress comes per document (per supplier); ``cancel`` stops between two of them
        and leaves nothing written (``app.work.Cancelled``)."""
        if what not in IMPORT_KINDS:
            raise UsageError(f"SyncDesk imports {', '.join(IMPORT_KINDS)}, not {what!r}")
        with self._change() as (session, actor):
            count = import_csv(session, what, Path(path), actor,
                               on_progress=on_progress, cancel=cancel)
        return ImportReport(what, count)

    def row(self, kind: DocKind, number: str) -> DocumentRow:
        """One document's listing row as it is now (a table shows it without a reload)."""

        def work(session: Session) -> DocumentRow:
            found = queries.document_row(session, kind, number)
            if found is None:
                find_document(session, kind, number)  # says in words that there is none
                raise LookupError(number)
            names = {f.name for f in fields(DocumentRow)}
            return DocumentRow(kind=kind, **{f.name: getattr(found, f.name)
                                             for f in fields(found) if f.name in names})

        return self._read(work)


def _changes(changes: list[Any]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(c.field, c.old, c.new) for c in changes)


def _entry(event: HistoryEvent) -> HistoryEntry:
    return HistoryEntry(event.at, event.actor, event.action, event.summary, event.detail)


def _name(session: Session, model: type[Account] | type[Item], row_id: int | None
          ) -> str | None:
    if row_id is None:
        return None
    row = session.get(model, row_id)
    return row.name if row else None


def _problem_box(kind: DocKind, doc: PurchaseOrder | Invoice, supplier: str | None,
                 po: PurchaseOrder | None = None) -> ProblemBox | None:
    """The document's current problem, or None: an error from before its present state
    (queued again, synced since, …) is history, not news. An invoice waiting on its PO
    is told where that PO stands now (``po``), not when the sync last looked."""
    if not doc.problem or doc.sync_state not in (SyncState.FAILED.value,
                                                 SyncState.BLOCKED.value):
        return None
    detail = doc.last_error_detail or {}
    if detail.get("kind") not in (None, doc.problem):
        detail = {}  # written for another problem: keep only what still holds
    facts = detail.get("facts") or {}
    if doc.problem == Kind.WAITING_ON_PO and po is not None:
        now = waiting_on_po(f"invoice {doc.number}", po.number, po.status, po.sync_state,
                            po.problem, in_quickbooks=po.qbo_id is not None)
        detail = {**detail, "explanation": now.explanation}
        facts = {**facts, **now.facts}
    try:
        fix: str | None = FIXES[Kind(doc.problem)]
    except ValueError:
        fix = None
    return ProblemBox(
        kind=doc.problem,
        explanation=detail.get("explanation") or doc.last_error_message,
        fix=detail.get("fix") or fix,
        group=detail.get("group"),
        advice=what_to_do(doc.problem, kind.value, doc.number, facts, supplier),
        code=doc.last_error_code,
        message=doc.last_error_message,
        faults=detail.get("faults") or [],
        facts=facts,
    )


def _detail(session: Session, kind: DocKind, doc: PurchaseOrder | Invoice) -> DocumentDetail:
    supplier = session.get(Supplier, doc.supplier_id)
    supplier_name = supplier.name if supplier else None
    po = session.get(PurchaseOrder, doc.po_id) if isinstance(doc, Invoice) and doc.po_id \
        else None
    common: dict[str, Any] = dict(
        kind=kind, number=doc.number, supplier=supplier_name, status=doc.status,
        currency=doc.currency, total=doc.total, memo=doc.memo, sync_state=doc.sync_state,
        problem=doc.problem, qbo_id=doc.qbo_id, qbo_status=doc.qbo_status,
        last_error=_problem_box(kind, doc, supplier_name, po), qbo_drift=doc.qbo_drift,
        excluded_reason=doc.excluded_reason, revision=doc.revision, synced_at=doc.synced_at,
        **_last_edit(session, kind, doc))
    if isinstance(doc, PurchaseOrder):
        po_lines = session.exec(select(PoLine).where(PoLine.po_id == doc.id)
                                .order_by(col(PoLine.line_no)))
        lines = tuple(_line(session, line) for line in po_lines)
        return DocumentDetail(**common, date=doc.txn_date, lines=lines, po_date=doc.po_date,
                              approved_on=doc.approved_on)
    po_line_numbers = {v: k for k, v in creating.po_line_ids(session, po).items()} \
        if po is not None else {}
    invoice_lines = session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == doc.id)
                                 .order_by(col(InvoiceLine.line_no)))
    lines = tuple(_line(session, line, po_line_numbers.get(line.po_line_id))
                  for line in invoice_lines)
    return DocumentDetail(**common, date=doc.issue_date, lines=lines, reference=doc.reference,
                          due_date=doc.due_date, po_number=po.number if po else None,
                          amount_paid=doc.amount_paid)


def _last_edit(session: Session, kind: DocKind, doc: PurchaseOrder | Invoice
               ) -> dict[str, Any]:
    """Who made the document's latest edit (its current version), and when."""
    event = session.exec(
        select(HistoryEvent)
        .where(HistoryEvent.doc_kind == kind.value, HistoryEvent.doc_id == doc.id,
               HistoryEvent.action == Event.EDITED.value)
        .order_by(col(HistoryEvent.id).desc())).first()
    if event is None:
        return {}
    return {"edited_by": event.actor, "edited_at": event.at}


def _line(session: Session, line: PoLine | InvoiceLine, po_line: int | None = None
          ) -> DetailLine:
    return DetailLine(line.line_no, line.description, _name(session, Account, line.account_id),
                      _name(session, Item, line.item_id), line.qty, line.unit_price,
                      line.amount, po_line)
