"""``list``, ``show``, ``history``, ``edit`` and the workflow steps (``approve`` …)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from app.commands import Adder
from app.commands.assignments import parse_assignments
from app.commands.common import add_json_flag, iso_date, kind_argument, print_json, print_table
from app.commands.hints import as_command
from app.domain.money import format_money
from app.domain.problems import Kind
from app.domain.states import DocKind, PoStatus
from app.domain.wording import field_words
from app.errors import UsageError
from app.services import open_company
from app.services.documents import SUPPLIER_FIELDS, statuses, sync_states
from app.services.documents_views import (
    ChartEntry,
    DocumentDetail,
    FieldChange,
    ListQuery,
    Step,
    SupplierEditOutcome,
)
from app.text import count_of


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
    edit.add_argument("--expect-version", type=_version, metavar="N",
                      help="refuse the edit (and change nothing) unless the PO or invoice is "
                           "still at version N, the one `show` printed (its JSON's "
                           "revision): an edit someone made since is never overwritten")

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


def _query(args: argparse.Namespace, kind: DocKind) -> ListQuery:
    """The listing's filters, each checked here so that a message names its flag."""
    if args.status and args.status not in statuses(kind):
        raise UsageError(f"--status for {kind.label}s is one of {', '.join(statuses(kind))}")
    if args.sync_state and args.sync_state not in sync_states():
        raise UsageError(f"--sync-state is one of {', '.join(sync_states())}")
    if args.problem and args.problem not in [k.value for k in Kind]:
        raise UsageError(f"--problem is one of {', '.join(k.value for k in Kind)}")
    return ListQuery(text=args.search, status=args.status, sync_state=args.sync_state,
                     problem=args.problem, supplier=args.supplier, date_from=args.date_from,
                     date_to=args.date_to, offset=args.offset, limit=args.limit)


def run_list(args: argparse.Namespace) -> int:
    if args.what in ("suppliers", "accounts", "items"):
        _only_search_filters(args)
    with open_company(getattr(args, "db", None), write=False) as services:
        if args.what == "suppliers":
            return _list_suppliers(services.documents.suppliers(
                args.search, offset=args.offset, limit=args.limit), args)
        if args.what in ("accounts", "items"):
            lister = services.documents.items if args.what == "items" \
                else services.documents.accounts
            return _list_chart(lister(args.search, offset=args.offset, limit=args.limit), args)
        kind = DocKind.PO if args.what == "pos" else DocKind.INVOICE
        rows = services.documents.list(kind, _query(args, kind))
    if args.json:
        print_json([row.to_json() for row in rows])
        return 0
    headers = ["Number", "Supplier", "Date", "Total", "Cur", "Status", "QuickBooks"]
    if kind is DocKind.INVOICE:
        headers[1:1] = ["Reference", "PO"]
    table = []
    for row in rows:
        cells: list[Any] = [row.number, row.supplier, row.date, format_money(row.total),
                            row.currency, row.status, row.quickbooks]
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


def _list_suppliers(suppliers: list[Any], args: argparse.Namespace) -> int:
    if args.json:
        print_json([s.to_json() for s in suppliers])
    else:
        print_table(["Name", "Email", "Cur", "Active", "QuickBooks vendor"],
                    [[s.name, s.email, s.currency, "yes" if s.active else "no",
                      s.qbo_vendor_id or ""] for s in suppliers])
    return 0


def _list_chart(rows: list[ChartEntry], args: argparse.Namespace) -> int:
    items = args.what == "items"
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


def _title(kind: DocKind, number: str) -> str:
    if kind is DocKind.PO:
        return number if number.upper().startswith("PO") else f"PO {number}"
    return f"Invoice {number}"


def run_show(args: argparse.Namespace) -> int:
    kind = DocKind(args.kind)
    with open_company(getattr(args, "db", None), write=False) as services:
        detail = services.documents.detail(kind, args.number)
    if args.json:
        print_json(detail.to_json(as_command))
        return 0
    _print_detail(detail)
    return 0


def _print_detail(detail: DocumentDetail) -> None:
    kind = detail.kind
    data = detail.to_json(as_command)
    print(f"{_title(kind, detail.number)} — {detail.supplier or '(no supplier)'}")
    # A PO back in the approval round (edited since) keeps its old approval date in
    # --json; the text says only what holds now.
    approved = detail.status not in (PoStatus.DRAFT, PoStatus.PENDING)
    for key in ("reference", "po_number", "status", "date", "po_date", "approved_on",
                "due_date", "currency", "total", "amount_paid", "memo"):
        if key == "approved_on" and not approved:
            continue
        if data.get(key) is not None:
            print(f"  {key.replace('_', ' ')}: {data[key]}")
    edited = (f" (edited by {detail.edited_by}, {_when(detail.edited_at)})"
              if detail.edited_by and detail.edited_at else "")
    print(f"  version: {detail.revision}{edited}")
    print(f"  QuickBooks: {detail.quickbooks}")
    if detail.excluded_reason and detail.excluded:
        print(f"  excluded because: {detail.excluded_reason}")
    error = detail.last_error
    if error:
        if error.explanation:
            print(f"  Problem: {error.explanation}")
        print(f"  What to do: {error.advice.words(as_command)}")
        if error.code:
            print(f"  QuickBooks' error code: {error.code}")
    elif detail.qbo_drift:
        changes = "; ".join(f"{d['field']} {d['syncdesk']} in SyncDesk, {d['quickbooks']} in "
                            "QuickBooks" for d in detail.drift)
        print(f"  Changed in QuickBooks: {changes}")
    print()
    headers = ["#", "Description", "Account", "Item", "Qty", "Unit price", "Amount"]
    if kind is DocKind.INVOICE:
        headers.append("PO line")
    rows = [[ln["line"], ln["description"], ln["account"], ln["item"], ln["qty"],
             ln["unit_price"], ln["amount"]] + ([ln["po_line"]] if kind is DocKind.INVOICE
                                                else []) for ln in data["lines"]]
    print_table(headers, rows, right=(0, 4, 5, 6))


def run_history(args: argparse.Namespace) -> int:
    with open_company(getattr(args, "db", None), write=False) as services:
        if args.kind == "supplier":
            events = services.documents.supplier_history(args.number)
        else:
            events = services.documents.history(DocKind(args.kind), args.number)
    if args.json:
        print_json([e.to_json() for e in events])
        return 0
    for event in events:
        print(f"{_when(event.at)}  {event.actor:<10} "
              f"{event.summary}")
        for change in event.changes:  # an edit's field, or a fix's change (side, what)
            what = change.get("what") or field_words(str(change.get("field", "")))
            side = f"{change['side']}: " if change.get("side") else ""
            print(f"    {side}{what}: {change.get('old') or '(empty)'} → "
                  f"{change.get('new') or '(empty)'}")
    return 0


# --- changes ----------------------------------------------------------------------------


def _when(at: datetime) -> str:
    return f"{at.isoformat()[:19].replace('T', ' ')} UTC"


def _version(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a version is a whole number from 1, not {text!r}")
    return int(text)


def run_edit(args: argparse.Namespace) -> int:
    changes = dict(parse_assignments(args.assignments))
    expected = getattr(args, "expect_version", None)
    if args.kind == "supplier" and expected is not None:
        raise UsageError("suppliers have no versions: --expect-version is for a PO or an "
                         "invoice")
    with open_company(getattr(args, "db", None)) as services:
        if args.kind == "supplier":
            return _print_supplier_edit(services.documents.edit_supplier(args.number, changes))
        result = services.documents.edit(DocKind(args.kind), args.number, changes,
                                         expected_revision=expected)
    if not result.changes:
        print(f"{args.number}: nothing changed")
        return 0
    _print_changes(args.number, result.changes)
    print(f"{args.number} is now {result.status} (version {result.revision})")
    return 0


def _print_changes(name: str, changes: tuple[FieldChange, ...]) -> None:
    """One line per edited field: its old and new value."""
    for change in changes:
        print(f"{name}: {change.field}: {change.old or '(empty)'} → {change.new or '(empty)'}")


def _print_supplier_edit(result: SupplierEditOutcome) -> int:
    if not result.changes:
        print(f"{result.name}: nothing changed")
        return 0
    _print_changes(result.name, result.changes)
    if result.requeued:
        print(f"Queued again for QuickBooks: {count_of(len(result.requeued), 'document')} "
              f"({', '.join(result.requeued)}).")
    if result.renamed and result.qbo_vendor_id:
        print(f"QuickBooks vendor {result.qbo_vendor_id} keeps its own name; its documents stay "
              "linked to it.")
    return 0


def run_step(args: argparse.Namespace) -> int:
    kind = DocKind(args.kind)
    with open_company(getattr(args, "db", None)) as services:
        outcome = services.documents.step(kind, args.number, Step(args.step))
    queued = " and queued for QuickBooks" if outcome.queued else ""
    print(f"{outcome.number} is now {outcome.status}{queued}")
    return 0
