"""All-or-nothing CSV import of suppliers, POs and invoices.

The whole file is checked before anything is written; a file with any bad
row changes nothing and every problem is reported with its line number and
column. Rows that share a document number are the lines of one document and
must follow each other. The columns are documented in the README.

Progress is reported per document (per supplier), while checking and while
writing; ``cancel`` is looked at between documents. Everything happens in the
caller's session, so a cancelled import (``Cancelled``) leaves nothing written
once the caller rolls that transaction back (``Store.session`` does).
"""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from app.domain import qbo_limits
from app.domain.states import InvoiceStatus, PoStatus
from app.errors import UserError
from app.operations import creating
from app.operations import fields as f
from app.operations.lookup import supplier_by_name
from app.operations.settings import get_setting
from app.store.models import Invoice, PurchaseOrder, Supplier
from app.work import OnProgress, check_cancel, report_progress

LINE_COLUMNS = ("description", "account", "item", "qty", "unit_price", "amount")
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required, optional)
    "suppliers": (("name",), ("email", "currency", "active")),
    "pos": (("number", "supplier"), ("po_date", "status", "currency", "memo", *LINE_COLUMNS)),
    "invoices": (
        ("number", "supplier", "reference", "issue_date"),
        ("po", "due_date", "status", "currency", "memo", *LINE_COLUMNS, "po_line"),
    ),
}
PO_HEADER = ("supplier", "po_date", "status", "currency", "memo")
INVOICE_HEADER = ("supplier", "reference", "issue_date", "po", "due_date", "status", "currency",
                  "memo")


NOT_UTF8 = ("the file is not UTF-8 text (a character here cannot be read); save the file as "
            "CSV UTF-8")
SEMICOLONS = ("the file seems to use semicolons between columns; SyncDesk reads comma-separated "
              "files (save as CSV UTF-8 (comma delimited))")
NAME_SHOWN = 40  # a header name longer than this is cut in messages


def shown(name: str) -> str:
    """A header name as a message shows it: cut after ``NAME_SHOWN`` characters."""
    return name if len(name) <= NAME_SHOWN else name[:NAME_SHOWN] + "…"


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class CsvImportError(UserError):
    """The file was refused; ``errors`` lists every problem found."""

    def __init__(self, path: Path, errors: list[RowError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors)
        noun = "problem" if len(errors) == 1 else "problems"
        super().__init__(
            f"{path.name} was not imported ({len(errors)} {noun}; nothing was changed):\n{lines}"
        )


@dataclass
class _Row:
    line: int
    cells: dict[str, str]


@dataclass
class _Group:
    number: str
    rows: list[_Row] = field(default_factory=list)


def read_rows(path: Path, kind: str) -> list[_Row]:
    """The file's data rows, after checking its columns; raises on an unusable file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1  # the line of the first unreadable byte
        raise CsvImportError(path, [RowError(line, None, NOT_UTF8)]) from None
    with _fields_up_to(len(text)):  # a huge cell is reported with its line, not a traceback
        return _read_rows(path, kind, csv.reader(io.StringIO(text, newline="")))


@contextmanager
def _fields_up_to(size: int) -> Iterator[None]:
    """Let the csv module read fields of any size in this file (its default stops at 128 KiB)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, size + 1))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _read_rows(path: Path, kind: str, reader: Any) -> list[_Row]:
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        raise CsvImportError(path, [RowError(1, None, "the file is empty (no header row)")])
    names = [h.strip().lower() for h in header]
    while not names[-1]:  # Excel writes blank header cells after the last column
        names.pop()
    required, optional = COLUMNS[kind]
    known = set(required) | set(optional)
    if any(";" in name and known & {n.strip() for n in name.split(";")} for name in names):
        raise CsvImportError(path, [RowError(1, None, SEMICOLONS)])
    errors = [
        RowError(1, column, "missing column (the file has: "
                            f"{', '.join(shown(n) for n in names)})")
        for column in required if column not in names
    ]
    errors += [
        RowError(1, shown(name) or "(blank)", "unknown column; known columns: " + ", ".join(
            (*required, *optional)))
        for name in names if name not in known
    ]
    times = Counter(name for name in names if name)  # names are trimmed and lower case
    errors += [RowError(1, None, f"column {shown(name)} appears "
                                 + ("twice" if count == 2 else f"{count} times"))
               for name, count in times.items() if count > 1]
    if kind == "pos" or kind == "invoices":
        if "amount" not in names and not {"qty", "unit_price"} <= set(names):
            errors.append(RowError(1, "amount", "missing column: give amount, or qty and "
                                                "unit_price"))
        if "account" not in names and "item" not in names:
            errors.append(RowError(1, "account", "missing column: give account or item"))
    if errors:
        raise CsvImportError(path, errors)
    rows: list[_Row] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        extra = [i for i, c in enumerate(cells) if i >= len(names) and c.strip()]
        if extra and extra[-1] >= len(header):
            errors.append(RowError(reader.line_num, None,
                                   f"{len(cells)} cells but only {len(names)} columns"))
            continue
        if extra:
            errors.append(RowError(reader.line_num, None, f"a value in column {extra[0] + 1}, "
                                                          "which has no header"))
            continue
        cells = cells[:len(names)]
        padded = cells + [""] * (len(names) - len(cells))
        row = _Row(reader.line_num, dict(zip(names, padded, strict=True)))
        errors += _oversized(row)
        rows.append(row)
    if errors:
        raise CsvImportError(path, errors)
    if not rows:
        raise CsvImportError(path, [RowError(2, None, "the file has a header but no rows")])
    return rows


# Columns checked against QuickBooks' own limit for them by their parser; every other
# column holds a name, a number, a date or a code, none longer than a supplier's name.
OWN_LIMIT = ("memo", "description", "name")
CELL_MAX = qbo_limits.DISPLAY_NAME_MAX


def _oversized(row: _Row) -> list[RowError]:
    return [RowError(row.line, name, f"too long: {len(value)} characters, more than SyncDesk "
                                     f"takes in this column ({CELL_MAX})")
            for name, value in row.cells.items()
            if name not in OWN_LIMIT and len(value.strip()) > CELL_MAX]


class _Checker:
    """Collects ``RowError``s while parsing cells; ``next`` is a safe point to cancel at."""

    def __init__(self, on_progress: OnProgress | None = None,
                 cancel: threading.Event | None = None) -> None:
        self.errors: list[RowError] = []
        self.on_progress = on_progress
        self.cancel = cancel

    def next(self, what: str) -> None:
        """Before checking the next document (or supplier): a safe point to cancel at. The
        total is not known until every row is checked (0)."""
        check_cancel(self.cancel)
        report_progress(self.on_progress, 0, 0, f"checking {what}")

    def cell(self, row: _Row, column: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(row.cells.get(column, ""))
        except f.FieldError as exc:
            self.errors.append(RowError(row.line, column, str(exc)))
            return None


def _group(rows: list[_Row], checker: _Checker, noun: str) -> list[_Group]:
    groups: list[_Group] = []
    seen: dict[str, _Group] = {}
    for row in rows:
        number = row.cells["number"].strip()
        if not number:
            checker.errors.append(RowError(row.line, "number", f"the {noun} number is empty"))
            continue
        if groups and groups[-1].number == number:
            groups[-1].rows.append(row)
            continue
        if number in seen:
            first = seen[number].rows[0].line
            checker.errors.append(RowError(
                row.line, "number",
                f"duplicate number {number} (already used from line {first}; the lines of one "
                f"{noun} must follow each other)"))
            continue
        seen[number] = _Group(number, [row])
        groups.append(seen[number])
    return groups


def _header_value(group: _Group, column: str, checker: _Checker) -> str:
    """A header cell: given on the first row; later rows leave it blank or repeat it."""
    first = group.rows[0].cells.get(column, "").strip()
    for row in group.rows[1:]:
        value = row.cells.get(column, "").strip()
        if value and value != first:
            checker.errors.append(RowError(
                row.line, column,
                f"{value!r} differs from {first!r} on line {group.rows[0].line} "
                f"for {group.number}"))
    return first


def _status(enum: type[PoStatus] | type[InvoiceStatus], allowed: tuple[Any, ...], default: Any
            ) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        raw = text.strip().lower().replace(" ", "_").replace("-", "_")
        if not raw:
            return default
        try:
            value = enum(raw)
        except ValueError:
            value = None
        if value not in allowed:
            names = ", ".join(v.value for v in allowed)
            raise f.FieldError(f"bad status {text.strip()!r}: use one of {names}")
        return value

    return parse


def _lines(session: Session, group: _Group, checker: _Checker, invoice: bool,
           currency: str | None) -> list[f.LineValues]:
    """The document's lines; money is in ``currency`` (the document's, or the home one)."""
    currency = currency or get_setting(session, "home_currency")
    lines = []
    for row in group.rows:
        before = len(checker.errors)
        values = f.LineValues(
            description=checker.cell(row, "description", f.description_text),
            account_id=checker.cell(row, "account", lambda t: f.account_id(session, t)),
            item_id=checker.cell(row, "item", lambda t: f.item_id(session, t)),
            qty=checker.cell(row, "qty", f.optional(f.parse_qty)),
            unit_price=checker.cell(row, "unit_price", f.optional(f.unit_price(currency))),
            amount=checker.cell(row, "amount", f.optional(f.amount(currency))),
            po_line_no=checker.cell(row, "po_line", _po_line_no) if invoice else None,
        )
        if len(checker.errors) == before:
            try:
                f.check_account_or_item(values)
                values.amount = f.settle_amount(values)
            except f.FieldError as exc:
                reason = str(exc)
                if exc.column == "item":  # both: name them, so the line is easy to find
                    reason += (f" (this line has account {row.cells['account'].strip()!r} and "
                               f"item {row.cells['item'].strip()!r})")
                checker.errors.append(RowError(row.line, exc.column, reason))
        lines.append(values)
    return lines


def _po_line_no(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise f.FieldError(f"bad po_line {text.strip()!r}: give the PO's line number (1, 2, …)")
    return int(text)


def _number_taken(session: Session, model: type[PurchaseOrder] | type[Invoice], number: str
                  ) -> bool:
    return session.exec(select(model.id).where(model.number == number)).first() is not None


Creator = tuple[str, Callable[[], Any]]  # what it adds (a number or a name), and how


def import_csv(session: Session, kind: str, path: Path, actor: str, *,
               on_progress: OnProgress | None = None,
               cancel: threading.Event | None = None) -> int:
    """Import ``path`` as ``kind`` (suppliers, pos, invoices); returns how many were added.

    ``on_progress`` hears of each document (or supplier) as it is checked (total 0: not
    known yet), then as it is written (done of total); ``cancel`` stops the import between
    two of them (``Cancelled``)."""
    rows = read_rows(path, kind)
    check_cancel(cancel)
    importer = {"suppliers": _import_suppliers, "pos": _import_pos,
                "invoices": _import_invoices}[kind]
    checker = _Checker(on_progress, cancel)
    creators = importer(session, rows, checker, actor)
    if checker.errors:
        raise CsvImportError(path, sorted(checker.errors, key=lambda e: e.line))
    total = len(creators)
    report_progress(on_progress, 0, total, f"checked {path.name}")
    for done, (what, create) in enumerate(creators):
        check_cancel(cancel)
        try:
            create()
        except f.FieldError as exc:  # a rule only creation can see; still nothing is kept
            raise CsvImportError(path, [RowError(0, None, str(exc))]) from None
        report_progress(on_progress, done + 1, total, what)
    check_cancel(cancel)  # the last safe point: the caller commits after this
    return total


def _import_suppliers(session: Session, rows: list[_Row], checker: _Checker, actor: str
                      ) -> list[Creator]:
    creators: list[Creator] = []
    seen: dict[str, int] = {}
    for row in rows:
        checker.next(row.cells.get("name", "").strip() or f"line {row.line}")
        name = checker.cell(row, "name", f.supplier_name)
        email = checker.cell(row, "email", f.optional(f.parse_email))
        currency = checker.cell(row, "currency", f.optional(f.parse_currency_code))
        active = checker.cell(row, "active", f.optional(f.parse_yes_no))
        if not name:
            continue
        key = name.lower()
        if key in seen:
            checker.errors.append(RowError(row.line, "name",
                                           f"duplicate supplier {name!r} (also on line "
                                           f"{seen[key]})"))
            continue
        seen[key] = row.line
        if supplier_by_name(session, name) is not None:
            checker.errors.append(RowError(row.line, "name",
                                           f"duplicate supplier: {name!r} already exists"))
            continue

        def create(name: str = name, email: str | None = email, currency: str | None = currency,
                   active: bool | None = active) -> None:
            session.add(Supplier(
                name=name, email=email, active=True if active is None else active,
                currency=currency or get_setting(session, "home_currency")))

        creators.append((name, create))
    return creators


def _import_pos(session: Session, rows: list[_Row], checker: _Checker, actor: str
                ) -> list[Creator]:
    creators: list[Creator] = []
    parse_status = _status(PoStatus, (PoStatus.DRAFT, PoStatus.PENDING, PoStatus.APPROVED),
                           PoStatus.PENDING)
    for group in _group(rows, checker, "PO"):
        checker.next(group.number)
        first = group.rows[0]
        head = {c: _header_value(group, c, checker) for c in PO_HEADER}
        cells = _Row(first.line, head)
        supplier = checker.cell(cells, "supplier", lambda t: f.supplier_id(session, t))
        po_date = checker.cell(cells, "po_date", f.optional_date)
        status = checker.cell(cells, "status", parse_status)
        currency = checker.cell(cells, "currency", f.optional(f.parse_currency_code))
        checker.cell(first, "number", f.doc_number("PO"))
        memo = checker.cell(cells, "memo", f.memo_text(group.number, po=True))
        if po_date is not None:
            try:
                creating.check_po_date_allowed(session, po_date)
            except f.FieldError as exc:
                checker.errors.append(RowError(first.line, "po_date", str(exc)))
        if _number_taken(session, PurchaseOrder, group.number):
            checker.errors.append(RowError(first.line, "number",
                                           f"duplicate number: {group.number} already exists"))
        lines = _lines(session, group, checker, invoice=False, currency=currency)

        def create(number: str = group.number, supplier: int = supplier,
                   status: PoStatus = status, po_date: Any = po_date, currency: Any = currency,
                   memo: str | None = memo, lines: list[f.LineValues] = lines) -> None:
            creating.create_po(session, number=number, supplier_id=supplier, lines=lines,
                                actor=actor, status=status, po_date=po_date,
                                currency=currency, memo=memo or None)

        creators.append((group.number, create))
    return creators


def _import_invoices(session: Session, rows: list[_Row], checker: _Checker, actor: str
                     ) -> list[Creator]:
    creators: list[Creator] = []
    parse_status = _status(
        InvoiceStatus,
        (InvoiceStatus.OUTSTANDING, InvoiceStatus.APPROVED, InvoiceStatus.READY_TO_PAY),
        InvoiceStatus.OUTSTANDING,
    )
    for group in _group(rows, checker, "invoice"):
        checker.next(group.number)
        first = group.rows[0]
        head = {c: _header_value(group, c, checker) for c in INVOICE_HEADER}
        cells = _Row(first.line, head)
        supplier = checker.cell(cells, "supplier", lambda t: f.supplier_id(session, t))
        reference = checker.cell(cells, "reference", f.reference_text)
        issue = checker.cell(cells, "issue_date", f.parse_date)
        due = checker.cell(cells, "due_date", f.optional_date)
        status = checker.cell(cells, "status", parse_status)
        currency = checker.cell(cells, "currency", f.optional(f.parse_currency_code))
        checker.cell(first, "number", f.doc_number("invoice"))
        memo = checker.cell(cells, "memo", f.memo_text(group.number, po=False))
        po = None
        if head["po"]:
            po = session.exec(select(PurchaseOrder).where(
                func.lower(PurchaseOrder.number) == head["po"].lower())).first()
            if po is None:
                checker.errors.append(RowError(first.line, "po", f"unknown PO {head['po']!r}"))
        if supplier is not None and issue is not None:
            try:
                creating.check_invoice_links(session, supplier, po, issue, due)
            except f.FieldError as exc:
                column = "due_date" if "due date" in str(exc) else "po"
                checker.errors.append(RowError(first.line, column, str(exc)))
        if _number_taken(session, Invoice, group.number):
            checker.errors.append(RowError(first.line, "number",
                                           f"duplicate number: {group.number} already exists"))
        lines = _lines(session, group, checker, invoice=True, currency=currency)
        if po is not None:
            po_line_count = len(creating.po_line_ids(session, po))
            for row, line in zip(group.rows, lines, strict=True):
                if line.po_line_no is not None and line.po_line_no > po_line_count:
                    checker.errors.append(RowError(row.line, "po_line",
                                                   f"{po.number} has no line {line.po_line_no}"))
        elif any(line.po_line_no for line in lines):
            checker.errors.append(RowError(first.line, "po_line",
                                           "po_line is given but the invoice names no PO"))

        def create(number: str = group.number, supplier: int = supplier, reference: str = reference,
                   issue: Any = issue, due: Any = due, status: InvoiceStatus = status,
                   currency: Any = currency, memo: str | None = memo, po: Any = po,
                   lines: list[f.LineValues] = lines) -> None:
            creating.create_invoice(
                session, number=number, reference=reference, supplier_id=supplier,
                issue_date=issue, lines=lines, actor=actor, po=po, status=status,
                due_date=due, currency=currency, memo=memo or None)

        creators.append((group.number, create))
    return creators
