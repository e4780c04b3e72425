"""``list``, ``show``, ``history``, ``edit`` and the workflow steps (``approve`` …)."""

from __future__ import annotations

import argparse
from typing import Any

from sqlmodel import Session, col, select

from app.commands import Adder
from app.commands.common import (
    add_json_flag,
    iso_date,
    kind_argument,
    opened,
    print_json,
    print_table,
)
from app.domain.money import format_money, format_quantity
from app.domain.problems import FIXES, Kind, meaning
from app.domain.problems import label as problem_label
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.errors import UsageError
from app.operations import creating, editing, workflow_steps
from app.operations.actor import current_actor
from app.operations.history import events_for
from app.operations.lookup import find_document, supplier_by_name
from app.operations.suppliers import SUPPLIER_FIELDS, edit_supplier, supplier_events
from app.store.models import Account, Invoice, InvoiceLine, Item, PoLine, PurchaseOrder, Supplier
from app.store.queries import NEEDS_ATTENTION_FILTER, DocumentFilter, list_documents
from app.sync.chart import list_accounts, list_items
from app.sync.problems import waiting_on_po, what_to_do
from app.text import count_of

SYNC_LABELS = {
    SyncState.NOT_SYNCED: "Not synced", SyncState.QUEUED: "Queued", SyncState.SYNCED: "Synced",
    SyncState.FAILED: "Failed", SyncState.BLOCKED: "Blocked", SyncState.EXCLUDED: "Excluded",
}


def register(add: Adder) -> None:
    listing = add("list", run_list, "list POs, invoices, suppliers, accounts or items")
    listing.add_argument("what", choices=("pos", "invoices", "suppliers", "accounts", "items"))
    listing.add_argument("--status", help="e.g. approved, pending, ready_to_pay")
    listing.add_argument("--sync-state", dest="sync_state",
                         help="not_synced, queued, synced, failed, blocked, excluded, "
                              "or needs_attention (failed or blocked)")
    listing.add_argument("--problem", help="a problem kind, e.g. duplicate_name")
    listing.add_argument("--supplier", help="only this supplier's documents")
    listing.add_argument("--from", dest="date_from", type=iso_date, metavar="YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", type=iso_date, metavar="YYYY-MM-DD")
    listing.add_argument("--search", help="text in the number, supplier or reference")
    listing.add_argument("--limit", type=_positive, help="at most this many rows")
    listing.add_argument("--offset", type=_positive, default=0, help="skip this many rows")
    add_json_flag(listing)

    show = add("show", run_show, "show one PO or invoice with its lines and QuickBooks state")
    kind_argument(show)
    add_json_flag(show)
    history = add("history", run_history,
                  "the history of a document or supplier: who did what, when")
    _kind_or_supplier(history)
    add_json_flag(history)

    edit = add("edit", run_edit, "change fields of a PO, an invoice or a supplier")
    _kind_or_supplier(edit)
    edit.add_argument("--set", dest="assignments", action="append", required=True,
                      metavar="FIELD=VALUE",
                      help="e.g. memo=Rush, po_date=2026-07-01, line.1.amount=99.50; "
                           "suppliers: " + ", ".join(SUPPLIER_FIELDS) + " (name=NEW renames)")

    for step, help_text in (
        ("approve", "approve a PO or invoice (queues it for QuickBooks)"),
        ("submit", "submit a draft PO for approval"),
        ("cancel", "cancel a PO"),
        ("close", "close an approved PO"),
        ("ready", "mark an approved invoice ready to pay"),
    ):
        command = add(step, run_step, help_text)
        kind_argument(command)
        command.set_defaults(step=step)
    override = add("override", run_step,
                   "approval override: approve a pending PO without another approval round")
    override.add_argument("kind", choices=("po",))
    override.add_argument("number")
    override.set_defaults(step="override")


def _kind_or_supplier(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=("po", "invoice", "supplier"),
                        help="po, invoice or supplier")
    parser.add_argument("number", metavar="NUMBER_OR_NAME",
                        help="the document number (e.g. PO-1001), or the supplier's name")


def _positive(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


# --- list -------------------------------------------------------------------------------


def _document_filter(session: Session, args: argparse.Namespace, kind: DocKind
                     ) -> DocumentFilter | None:
    statuses = [s.value for s in (PoStatus if kind is DocKind.PO else InvoiceStatus)]
    if args.status and args.status not in statuses:
        raise UsageError(f"--status for {kind.label}s is one of {', '.join(statuses)}")
    states = [s.value for s in SyncState] + [NEEDS_ATTENTION_FILTER]
    if args.sync_state and args.sync_state not in states:
        raise UsageError(f"--sync-state is one of {', '.join(states)}")
    if args.problem and args.problem not in [k.value for k in Kind]:
        raise UsageError(f"--problem is one of {', '.join(k.value for k in Kind)}")
    supplier_id = None
    if args.supplier:
        supplier = supplier_by_name(session, args.supplier)
        if supplier is None:
            return None  # no such supplier: nothing matches
        supplier_id = supplier.id
    return DocumentFilter(status=args.status, sync_state=args.sync_state,
                          supplier_id=supplier_id, date_from=args.date_from,
                          date_to=args.date_to, text=args.search, problem=args.problem)


def sync_label(state: str, problem: str | None, short: bool = False) -> str:
    """The state and the problem in words: "Blocked: vendor inactive" (``short``, for a
    listing) or "Blocked: the supplier's vendor is inactive in QuickBooks"; the problem's
    snake_case kind is for --json only."""
    text = SYNC_LABELS[SyncState(state)]
    if not problem:
        return text
    return f"{text}: {problem_label(problem) if short else meaning(problem)}"


def run_list(args: argparse.Namespace) -> int:
    if args.what in ("suppliers", "accounts", "items"):
        _only_search_filters(args)
    with opened(args) as store, store.session() as session:
        if args.what == "suppliers":
            return _list_suppliers(session, args)
        if args.what in ("accounts", "items"):
            return _list_chart(session, args)
        kind = DocKind.PO if args.what == "pos" else DocKind.INVOICE
        flt = _document_filter(session, args, kind)
        rows = [] if flt is None else list_documents(
            session, kind, flt, limit=args.limit, offset=args.offset)
    if args.json:
        print_json([row.to_json() for row in rows])
        return 0
    headers = ["Number", "Supplier", "Date", "Total", "Cur", "Status", "QuickBooks"]
    if kind is DocKind.INVOICE:
        headers[1:1] = ["Reference", "PO"]
    table = []
    for row in rows:
        cells: list[Any] = [row.number, row.supplier, row.date, format_money(row.total),
                            row.currency, row.status,
                            sync_label(row.sync_state, row.problem, short=True)]
        if kind is DocKind.INVOICE:
            cells[1:1] = [row.reference, row.po_number or ""]
        table.append(cells)
    print_table(headers, table, right=(headers.index("Total"),),
                shrink=[headers.index(h) for h in ("Reference", "Supplier", "QuickBooks")
                        if h in headers])
    return 0


# Filters of documents only: suppliers, accounts and items take --search, --limit, --offset.
_DOCUMENT_FILTERS = {"status": "--status", "sync_state": "--sync-state", "problem": "--problem",
                     "supplier": "--supplier", "date_from": "--from", "date_to": "--to"}


def _only_search_filters(args: argparse.Namespace) -> None:
    given = [flag for dest, flag in _DOCUMENT_FILTERS.items() if getattr(args, dest) is not None]
    if given:
        raise UsageError(f"{', '.join(given)} filters POs and invoices, not {args.what}; "
                         f"list {args.what} takes --search, --limit and --offset")


def _list_suppliers(session: Session, args: argparse.Namespace) -> int:
    query = select(Supplier).order_by(col(Supplier.name))
    if args.search:
        query = query.where(col(Supplier.name).ilike(f"%{args.search}%"))
    if args.limit is not None:
        query = query.limit(args.limit)
    suppliers = session.exec(query.offset(args.offset)).all()
    data = [{"name": s.name, "email": s.email, "currency": s.currency, "active": s.active,
             "qbo_vendor_id": s.qbo_vendor_id} for s in suppliers]
    if args.json:
        print_json(data)
    else:
        print_table(["Name", "Email", "Cur", "Active", "QuickBooks vendor"],
                    [[d["name"], d["email"], d["currency"], "yes" if d["active"] else "no",
                      d["qbo_vendor_id"] or ""] for d in data])
    return 0


def _list_chart(session: Session, args: argparse.Namespace) -> int:
    items = args.what == "items"
    rows = list_items(session) if items else list_accounts(session)
    if args.search:
        rows = [r for r in rows if args.search.strip().lower() in r.name.lower()]
    rows = rows[args.offset:]
    if args.limit is not None:
        rows = rows[:args.limit]
    if args.json:
        print_json([r.to_json() for r in rows])
        return 0
    headers = ["Name", "Type", "Active", "QuickBooks"]
    if items:
        headers.append("Expense account")
    table = []
    for r in rows:
        where = f"id {r.qbo_id}" if r.in_quickbooks else "not in QuickBooks"
        cells = [r.name, r.type or "", "yes" if r.active else "no", where]
        if items:
            cells.append(r.account or "")
        table.append(cells)
    print_table(headers, table)
    if not any(r.in_quickbooks for r in rows) and rows:
        print(f"(SyncDesk's own {'items' if items else 'chart of accounts'}: sync once to "
              "bring in QuickBooks' list.)")
    return 0


# --- show / history ---------------------------------------------------------------------


def _name(session: Session, model: type[Account] | type[Item], row_id: int | None
          ) -> str | None:
    if row_id is None:
        return None
    row = session.get(model, row_id)
    return row.name if row else None


def _quantity(value: Any) -> str | None:
    return None if value is None else format_quantity(value)


def _last_error(kind: DocKind, doc: PurchaseOrder | Invoice, supplier: str | None,
                po: PurchaseOrder | None = None) -> dict[str, Any] | None:
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
    return {
        "kind": doc.problem,
        "explanation": detail.get("explanation") or doc.last_error_message,
        "fix": detail.get("fix") or fix,
        "group": detail.get("group"),
        "what_to_do": what_to_do(doc.problem, kind.value, doc.number, facts, supplier),
        "code": doc.last_error_code,
        "message": doc.last_error_message,
        "faults": detail.get("faults") or [],
        "facts": facts,
    }


def document_json(session: Session, kind: DocKind, doc: PurchaseOrder | Invoice
                  ) -> dict[str, Any]:
    """Everything about one document, as plain JSON values."""
    supplier = session.get(Supplier, doc.supplier_id)
    po = session.get(PurchaseOrder, doc.po_id) if isinstance(doc, Invoice) and doc.po_id \
        else None
    data: dict[str, Any] = {
        "kind": kind.value,
        "number": doc.number,
        "supplier": supplier.name if supplier else None,
        "status": doc.status,
        "currency": doc.currency,
        "total": format_money(doc.total),
        "memo": doc.memo,
        "sync_state": doc.sync_state,
        "problem": doc.problem,
        "qbo_id": doc.qbo_id,
        "qbo_status": doc.qbo_status,
        "last_error": _last_error(kind, doc, supplier.name if supplier else None, po),
        "qbo_drift": doc.qbo_drift,
        "excluded_reason": doc.excluded_reason,
        "revision": doc.revision,
    }
    if isinstance(doc, PurchaseOrder):
        data.update(date=doc.txn_date.isoformat(),
                    po_date=doc.po_date.isoformat() if doc.po_date else None,
                    approved_on=doc.approved_on.isoformat() if doc.approved_on else None)
        lines: list[Any] = list(session.exec(
            select(PoLine).where(PoLine.po_id == doc.id).order_by(col(PoLine.line_no))))
    else:
        data.update(date=doc.issue_date.isoformat(), reference=doc.reference,
                    due_date=doc.due_date.isoformat() if doc.due_date else None,
                    po_number=po.number if po else None, amount_paid=format_money(doc.amount_paid))
        lines = list(session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == doc.id)
                                  .order_by(col(InvoiceLine.line_no))))
    po_line_numbers = {}
    if isinstance(doc, Invoice) and doc.po_id:
        po_line_numbers = {v: k for k, v in creating.po_line_ids(
            session, session.get(PurchaseOrder, doc.po_id)).items()}
    data["lines"] = []
    for line in lines:
        entry = {
            "line": line.line_no, "description": line.description,
            "account": _name(session, Account, line.account_id),
            "item": _name(session, Item, line.item_id),
            "qty": _quantity(line.qty), "unit_price": _quantity(line.unit_price),
            "amount": format_money(line.amount),
        }
        if isinstance(line, InvoiceLine):
            entry["po_line"] = po_line_numbers.get(line.po_line_id)
        data["lines"].append(entry)
    return data


def _title(kind: DocKind, number: str) -> str:
    if kind is DocKind.PO:
        return number if number.upper().startswith("PO") else f"PO {number}"
    return f"Invoice {number}"


def run_show(args: argparse.Namespace) -> int:
    kind = DocKind(args.kind)
    with opened(args) as store, store.session() as session:
        data = document_json(session, kind, find_document(session, kind, args.number))
    if args.json:
        print_json(data)
        return 0
    print(f"{_title(kind, data['number'])} — {data['supplier'] or '(no supplier)'}")
    # A PO back in the approval round (edited since) keeps its old approval date in
    # --json; the text says only what holds now.
    approved = data["status"] not in (PoStatus.DRAFT, PoStatus.PENDING)
    for key in ("reference", "po_number", "status", "date", "po_date", "approved_on",
                "due_date", "currency", "total", "amount_paid", "memo"):
        if key == "approved_on" and not approved:
            continue
        if data.get(key) is not None:
            print(f"  {key.replace('_', ' ')}: {data[key]}")
    where = [f"id {data['qbo_id']}"] if data["qbo_id"] else []
    if data["qbo_status"]:
        where.append(data["qbo_status"])
    print(f"  QuickBooks: {sync_label(data['sync_state'], data['problem'])}"
          + (f" ({', '.join(where)})" if where else ""))
    if data["excluded_reason"] and data["sync_state"] == SyncState.EXCLUDED.value:
        print(f"  excluded because: {data['excluded_reason']}")
    error = data["last_error"]
    if error:
        if error["explanation"]:
            print(f"  Problem: {error['explanation']}")
        print(f"  What to do: {error['what_to_do']}")
        if error["code"]:
            print(f"  QuickBooks' error code: {error['code']}")
    elif data["qbo_drift"]:
        changes = "; ".join(f"{d['field']} {d['syncdesk']} in SyncDesk, {d['quickbooks']} in "
                            "QuickBooks" for d in data["qbo_drift"].get("fields", []))
        print(f"  Changed in QuickBooks: {changes}")
    print()
    headers = ["#", "Description", "Account", "Item", "Qty", "Unit price", "Amount"]
    if kind is DocKind.INVOICE:
        headers.append("PO line")
    rows = [[ln["line"], ln["description"], ln["account"], ln["item"], ln["qty"],
             ln["unit_price"], ln["amount"]] + ([ln["po_line"]] if kind is DocKind.INVOICE
                                                else []) for ln in data["lines"]]
    print_table(headers, rows, right=(0, 4, 5, 6))
    return 0


def run_history(args: argparse.Namespace) -> int:
    with opened(args) as store, store.session() as session:
        if args.kind == "supplier":
            events = supplier_events(session, args.number)
        else:
            kind = DocKind(args.kind)
            doc = find_document(session, kind, args.number)
            assert doc.id is not None
            events = events_for(session, kind, doc.id)
    data = [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
             "summary": e.summary, "detail": e.detail} for e in events]
    if args.json:
        print_json(data)
        return 0
    for entry in data:
        print(f"{entry['at'][:19].replace('T', ' ')} UTC  {entry['actor']:<10} {entry['summary']}")
        for change in (entry["detail"] or {}).get("changes", []):
            print(f"    {change['field']}: {change['old'] or '(empty)'} → "
                  f"{change['new'] or '(empty)'}")
    return 0


# --- changes ----------------------------------------------------------------------------


def run_edit(args: argparse.Namespace) -> int:
    pairs = editing.parse_assignments(args.assignments)
    if args.kind == "supplier":
        return _edit_supplier(args, pairs)
    kind = DocKind(args.kind)
    with opened(args) as store, store.session() as session:
        edit = editing.edit_po if kind is DocKind.PO else editing.edit_invoice
        result = edit(session, args.number, pairs, current_actor())
    if not result.changes:
        print(f"{args.number}: nothing changed")
        return 0
    _print_changes(args.number, result.changes)
    print(f"{args.number} is now {result.status}")
    return 0


def _print_changes(name: str, changes: list) -> None:
    """One line per edited field: its old and new value."""
    for change in changes:
        print(f"{name}: {change.field}: {change.old or '(empty)'} → {change.new or '(empty)'}")


def _edit_supplier(args: argparse.Namespace, pairs: list[tuple[str, str]]) -> int:
    with opened(args) as store, store.session() as session:
        result = edit_supplier(session, args.number, pairs, current_actor())
    if not result.changes:
        print(f"{result.name}: nothing changed")
        return 0
    _print_changes(result.name, result.changes)
    renamed = any(c.field == "name" for c in result.changes)
    if result.requeued:
        print(f"Queued again for QuickBooks: {count_of(len(result.requeued), 'document')} "
              f"({', '.join(result.requeued)}).")
    if renamed and result.qbo_vendor_id:
        print(f"QuickBooks vendor {result.qbo_vendor_id} keeps its own name; its documents stay "
              "linked to it.")
    return 0


def run_step(args: argparse.Namespace) -> int:
    kind = DocKind(args.kind)
    actor = current_actor()
    with opened(args) as store, store.session() as session:
        if kind is DocKind.PO:
            if args.step == "ready":
                raise UsageError("ready applies to invoices")
            doc: PurchaseOrder | Invoice = workflow_steps.change_po_status(
                session, args.number, args.step, actor)
        else:
            if args.step not in ("approve", "ready"):
                raise UsageError(f"{args.step} applies to POs")
            doc = workflow_steps.change_invoice_status(session, args.number, args.step, actor)
    queued = " and queued for QuickBooks" if doc.sync_state == SyncState.QUEUED.value else ""
    print(f"{doc.number} is now {doc.status}{queued}")
    return 0
