"""Documents as a dialog fills them in (drafts): every field checked at once, each problem
reported at its field, and nothing written unless every field is right.

A draft holds each field as it is typed (text), or as a typed value (a date, a Decimal:
``field_text``). ``create`` adds a new PO (a draft) or invoice (outstanding); ``save``
writes an edited one through ``app/operations/editing.py`` (its history, re-approval and
queueing). The rules are those of CSV import and ``edit``: PO-date editing, money in the
document's currency, QuickBooks' lengths, a known supplier, an account or an item per
line, an invoice's PO and PO lines.

Errors are keyed by the header field (``number``, ``supplier``, ``po_date``,
``currency``, ``memo``; invoices ``reference``, ``issue_date``, ``due_date``, ``po``), by
``(N, field)`` for the draft's N-th line (from 1; ``description``, ``account``, ``item``,
``qty``, ``unit_price``, ``amount``, ``po_line``), or ``lines`` for the lines as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, func, select

from app.domain import workflow
from app.domain.money import format_money, format_quantity
from app.domain.states import DocKind, InvoiceStatus, PoStatus
from app.domain.wording import field_words
from app.domain.workflow import WorkflowError
from app.errors import UserError
from app.operations import creating, editing, versions
from app.operations import fields as f
from app.operations.lookup import find_document
from app.operations.settings import get_setting
from app.store.models import Account, Invoice, InvoiceLine, Item, PoLine, PurchaseOrder, Supplier
from app.text import count_of

FieldKey = str | tuple[int, str]
LINE_KEYS = ("description", "account", "item", "qty", "unit_price", "amount", "po_line")

PO_DATE_OFF = ("PO-date editing is off in the company settings, so QuickBooks gets the "
               "approval date. Leave the PO date empty, or turn on PO-date editing in the "
               "settings first.")


def field_text(value: object) -> str:
    """A typed field value as the field parsers read it: a date as YYYY-MM-DD, money and
    quantities as plain decimals, yes/no for a flag, empty for None (clears the field)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str | int):
        return str(value)
    raise TypeError(f"a field's value is text, a number, a date or yes/no, not {value!r}")


@dataclass(frozen=True)
class DraftLine:
    """One line as typed; ``line`` is the stored line it shows (None: a new line)."""

    description: object = ""
    account: object = ""
    item: object = ""
    qty: object = ""
    unit_price: object = ""
    amount: object = ""
    po_line: object = ""  # invoices: the number of the PO's line it bills
    line: int | None = None

    def text(self, key: str) -> str:
        return field_text(getattr(self, key))

    @property
    def blank(self) -> bool:
        return not any(self.text(k).strip() for k in LINE_KEYS)


@dataclass(frozen=True)
class Draft:
    """A PO or invoice as a dialog holds it. ``status`` is the stored one (read only)."""

    kind: DocKind
    number: str = ""
    supplier: str = ""
    currency: str = ""
    memo: object = ""
    po_date: object = ""  # POs
    reference: str = ""  # invoices: the supplier's invoice number
    issue_date: object = ""  # invoices
    due_date: object = ""  # invoices
    po: str = ""  # invoices: the PO it bills
    lines: tuple[DraftLine, ...] = ()
    status: str = ""
    sync_state: str = ""
    revision: int | None = None  # the version it was read at (None: a new document)

    def text(self, key: str) -> str:
        return field_text(getattr(self, key))


def key_words(key: FieldKey) -> str:
    """Where an error is, in words: "supplier", "PO date", "line 2 unit price"."""
    if isinstance(key, tuple):
        return f"line {key[0]} {field_words(key[1])}"
    return field_words(key)


class FieldErrors(UserError):
    """The draft was refused and nothing was written; ``errors`` maps each field at fault
    (``FieldKey``) to the reason in plain words."""

    def __init__(self, number: str, errors: dict[FieldKey, str]) -> None:
        self.number = number
        self.errors = dict(errors)
        problems = count_of(len(errors), "problem")
        where = "; ".join(f"{key_words(k)}: {reason}" for k, reason in errors.items())
        super().__init__(f"{number or 'The document'} was not saved ({problems}; nothing was "
                         f"changed): {where}")


@dataclass
class Checked:
    """A draft's values once every field passed."""

    number: str
    supplier_id: int
    currency: str
    memo: str | None
    po_date: date | None = None
    reference: str = ""
    issue_date: date | None = None
    due_date: date | None = None
    po: PurchaseOrder | None = None
    lines: list[tuple[DraftLine, f.LineValues]] = field(default_factory=list)


class _Errors:
    def __init__(self) -> None:
        self.found: dict[FieldKey, str] = {}

    def add(self, key: FieldKey, reason: str) -> None:
        self.found.setdefault(key, reason)

    def parse(self, key: FieldKey, parser: Callable[[str], Any], text: str) -> Any:
        try:
            return parser(text)
        except f.FieldError as exc:
            self.add(key, str(exc))
        except UserError as exc:
            self.add(key, str(exc))
        return None


def _required_date(what: str) -> Callable[[str], date]:
    def parse(text: str) -> date:
        if not text.strip():
            raise f.FieldError(f"{what} is empty: write it as YYYY-MM-DD")
        return f.parse_date(text)

    return parse


def _po_line_no(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise f.FieldError(f"bad PO line {text.strip()!r}: give the PO's line number (1, 2, …)")
    return int(text)


def _find_po(session: Session, number: str) -> PurchaseOrder | None:
    return session.exec(select(PurchaseOrder).where(
        func.lower(PurchaseOrder.number) == number.strip().lower())).first()


def stored_lines(session: Session, doc: PurchaseOrder | Invoice) -> list[Any]:
    model: Any = PoLine if isinstance(doc, PurchaseOrder) else InvoiceLine
    parent = model.po_id if model is PoLine else model.invoice_id
    return list(session.exec(select(model).where(parent == doc.id)
                             .order_by(col(model.line_no))))


def check_editable(kind: DocKind, doc: PurchaseOrder | Invoice) -> None:
    try:
        if kind is DocKind.PO:
            workflow.edit_po(PoStatus(doc.status), False)
        else:
            workflow.edit_invoice(InvoiceStatus(doc.status))
    except WorkflowError as exc:
        raise UserError(f"{doc.number}: {exc}") from None


def check(session: Session, draft: Draft, doc: PurchaseOrder | Invoice | None
          ) -> tuple[Checked | None, dict[FieldKey, str]]:
    """Every field of ``draft`` (a new document when ``doc`` is None): the values, or the
    errors by field (all of them)."""
    is_po = draft.kind is DocKind.PO
    noun = "PO" if is_po else "invoice"
    e = _Errors()
    if doc is None:
        number = e.parse("number", f.doc_number(noun), draft.number)
        model: Any = PurchaseOrder if is_po else Invoice
        if number and session.exec(select(model.id).where(model.number == number)).first():
            e.add("number", f"another {noun} is numbered {number}: give this one its own "
                            "number")
    else:
        number = doc.number
    supplier_id = e.parse("supplier", lambda t: f.supplier_id(session, t), draft.supplier)
    currency = e.parse("currency", f.optional(f.parse_currency_code), draft.currency)
    money_currency = currency or (doc.currency if doc is not None
                                  else get_setting(session, "home_currency"))
    memo = e.parse("memo", f.memo_text(number or draft.number, po=is_po), draft.text("memo"))
    checked = Checked(number or "", supplier_id or 0, money_currency, memo)
    if is_po:
        checked.po_date = e.parse("po_date", f.optional_date, draft.text("po_date"))
        stored = doc.po_date if isinstance(doc, PurchaseOrder) else None
        if checked.po_date is not None and checked.po_date != stored \
                and not get_setting(session, "enable_po_date_editing"):
            e.add("po_date", PO_DATE_OFF)
    else:
        checked.reference = e.parse("reference", f.reference_text, draft.reference) or ""
        checked.issue_date = e.parse("issue_date", _required_date("the invoice date"),
                                     draft.text("issue_date"))
        checked.due_date = e.parse("due_date", f.optional_date, draft.text("due_date"))
        if draft.po.strip():
            checked.po = _find_po(session, draft.po)
            if checked.po is None:
                e.add("po", f"there is no PO numbered {draft.po.strip()!r}")
        if supplier_id is not None and checked.issue_date is not None:
            try:
                creating.check_invoice_links(session, supplier_id, checked.po,
                                             checked.issue_date, checked.due_date)
            except f.FieldError as exc:
                e.add("due_date" if "due date" in str(exc) else "po", str(exc))
    _check_lines(session, draft, doc, checked, e)
    return (checked if not e.found else None), e.found


def _default_account(session: Session) -> int | None:
    """The company's default expense account for a new line naming no account or item."""
    name = get_setting(session, "default_expense_account")
    return f.account_id(session, name) if name else None


def _check_lines(session: Session, draft: Draft, doc: PurchaseOrder | Invoice | None,
                 checked: Checked, e: _Errors) -> None:
    is_po = draft.kind is DocKind.PO
    stored = {line.line_no: line for line in stored_lines(session, doc)} if doc else {}
    po_lines = creating.po_line_ids(session, checked.po)
    currency = checked.currency
    for n, typed in enumerate(draft.lines, start=1):
        if typed.line is None and typed.blank:
            continue  # an empty new row: nothing to keep
        if typed.line is not None and typed.line not in stored:
            e.add((n, "description"), f"line {typed.line} is no longer there; close the "
                                      "document and open it again")
            continue
        before = len(e.found)
        values = f.LineValues(
            description=e.parse((n, "description"), f.description_text,
                                typed.text("description")),
            account_id=e.parse((n, "account"), lambda t: f.account_id(session, t),
                               typed.text("account")),
            item_id=e.parse((n, "item"), lambda t: f.item_id(session, t), typed.text("item")),
            qty=e.parse((n, "qty"), f.optional(f.parse_qty), typed.text("qty")),
            unit_price=e.parse((n, "unit_price"), f.optional(f.unit_price(currency)),
                               typed.text("unit_price")),
            amount=e.parse((n, "amount"), f.optional(f.amount(currency)), typed.text("amount")),
        )
        if (typed.line is None and values.account_id is None and values.item_id is None
                and not typed.text("account").strip() and not typed.text("item").strip()):
            values.account_id = _default_account(session)  # the company's default, if set
        if not is_po:
            values.po_line_no = e.parse((n, "po_line"), _po_line_no, typed.text("po_line"))
            if values.po_line_no is not None:
                if checked.po is None:
                    e.add((n, "po_line"), "this line names a PO line, but the invoice names "
                                          "no PO")
                elif values.po_line_no not in po_lines:
                    e.add((n, "po_line"), f"{checked.po.number} has no line "
                                          f"{values.po_line_no}")
        if len(e.found) == before:
            old = stored.get(typed.line) if typed.line is not None else None
            kept_both = (old is not None and old.account_id is not None
                         and old.item_id is not None and values.account_id == old.account_id
                         and values.item_id == old.item_id)  # as it was before the rule
            try:
                if not kept_both:
                    f.check_account_or_item(values)
                f.settle_amount(values)
            except f.FieldError as exc:
                e.add((n, exc.column or "amount"), str(exc))
        checked.lines.append((typed, values))
    if not checked.lines:
        e.add("lines", f"a{'' if is_po else 'n'} {'PO' if is_po else 'invoice'} needs at "
                       "least one line (a description, an account or item, and an amount)")


def create(session: Session, draft: Draft, actor: str) -> PurchaseOrder | Invoice:
    """Add the draft as a new draft PO or outstanding invoice (all fields right, or
    ``FieldErrors`` and nothing written)."""
    checked, errors = check(session, draft, None)
    if checked is None:
        raise FieldErrors(draft.number.strip(), errors)
    lines = [values for _typed, values in checked.lines]
    for values in lines:
        values.amount = f.settle_amount(values)
    if draft.kind is DocKind.PO:
        return creating.create_po(
            session, number=checked.number, supplier_id=checked.supplier_id, lines=lines,
            actor=actor, status=PoStatus.DRAFT, po_date=checked.po_date,
            currency=checked.currency, memo=checked.memo)
    assert checked.issue_date is not None
    return creating.create_invoice(
        session, number=checked.number, reference=checked.reference,
        supplier_id=checked.supplier_id, issue_date=checked.issue_date, lines=lines,
        actor=actor, po=checked.po, status=InvoiceStatus.OUTSTANDING,
        due_date=checked.due_date, currency=checked.currency, memo=checked.memo)


def save(session: Session, draft: Draft, number: str, actor: str) -> editing.EditResult:
    """Write the edited draft of document ``number``: only what changed, in one edit (its
    history, re-approval and queueing); ``FieldErrors`` and nothing written when any field
    is wrong. A draft read at a version the document has moved on from is refused first
    (``EditConflict``): what changed is worked out against the stored document, so
    writing it would undo the newer edit."""
    doc = find_document(session, draft.kind, number)
    versions.hold(session, draft.kind, doc, draft.revision)
    check_editable(draft.kind, doc)
    checked, errors = check(session, draft, doc)
    if checked is None:
        raise FieldErrors(doc.number, errors)
    pairs, remove = _pairs(session, draft, doc, checked)
    if not pairs and not remove:
        return editing.EditResult([], doc.status)
    edit = editing.edit_po if draft.kind is DocKind.PO else editing.edit_invoice
    return edit(session, doc.number, pairs, actor, remove, draft.revision)


def _pairs(session: Session, draft: Draft, doc: PurchaseOrder | Invoice, checked: Checked
           ) -> tuple[list[tuple[str, str]], list[int]]:
    """The ``field=value`` pairs that turn ``doc`` into the draft, and the lines removed."""
    pairs: list[tuple[str, str]] = []

    def differs(name: str, old: object, new: object, text: str) -> None:
        if old != new:
            pairs.append((name, text))

    differs("supplier", doc.supplier_id, checked.supplier_id, draft.supplier)
    differs("currency", doc.currency, checked.currency, checked.currency)
    differs("memo", doc.memo or None, checked.memo or None, draft.text("memo"))
    if isinstance(doc, PurchaseOrder):
        differs("po_date", doc.po_date, checked.po_date, draft.text("po_date"))
    else:
        differs("reference", doc.reference, checked.reference, checked.reference)
        differs("issue_date", doc.issue_date, checked.issue_date, draft.text("issue_date"))
        differs("due_date", doc.due_date, checked.due_date, draft.text("due_date"))
        differs("po", doc.po_id, checked.po.id if checked.po else None,
                checked.po.number if checked.po else "")
    stored = {line.line_no: line for line in stored_lines(session, doc)}
    kept = sorted(typed.line for typed, _v in checked.lines if typed.line is not None)
    remove = [n for n in stored if n not in kept]
    position = {old: new for new, old in enumerate(kept, start=1)}
    next_new = len(kept) + 1
    po_lines = creating.po_line_ids(session, checked.po)
    for typed, values in checked.lines:
        po_line_id = po_lines.get(values.po_line_no) if values.po_line_no else None
        wanted = {"description": values.description, "account": values.account_id,
                  "item": values.item_id, "qty": values.qty, "unit_price": values.unit_price,
                  "amount": values.amount, "po_line": po_line_id}
        if typed.line is None:
            at = next_new
            next_new += 1
            old: dict[str, object] = dict.fromkeys(wanted)
        else:
            at = position[typed.line]
            line = stored[typed.line]
            old = {"description": line.description, "account": line.account_id,
                   "item": line.item_id, "qty": line.qty, "unit_price": line.unit_price,
                   "amount": line.amount if values.amount is not None else None,
                   "po_line": getattr(line, "po_line_id", None)}
        keys = [k for k in wanted if k != "po_line" or isinstance(doc, Invoice)]
        # The one of account and item that is cleared goes first (a line has one of them).
        keys.sort(key=lambda k: (k in ("account", "item") and wanted[k] is not None))
        for key in keys:
            if wanted[key] != old[key]:
                pairs.append((f"line.{at}.{key}", typed.text(key)))
    return pairs, remove


# --- drafts of what is there ----------------------------------------------------------


def draft_of(session: Session, kind: DocKind, number: str) -> Draft:
    """The stored document as a dialog shows it."""
    doc = find_document(session, kind, number)
    supplier = session.get(Supplier, doc.supplier_id)

    def name(model: type[Account] | type[Item], row_id: int | None) -> str:
        row = session.get(model, row_id) if row_id is not None else None
        return row.name if row is not None else ""

    def quantity(value: Decimal | None) -> str:
        return format_quantity(value) if value is not None else ""

    po = session.get(PurchaseOrder, doc.po_id) if isinstance(doc, Invoice) and doc.po_id \
        else None
    numbers = {v: k for k, v in creating.po_line_ids(session, po).items()}
    lines = tuple(DraftLine(
        description=line.description or "", account=name(Account, line.account_id),
        item=name(Item, line.item_id), qty=quantity(line.qty),
        unit_price=quantity(line.unit_price), amount=format_money(line.amount),
        po_line=str(numbers.get(line.po_line_id, "")) if isinstance(line, InvoiceLine) else "",
        line=line.line_no) for line in stored_lines(session, doc))
    common: dict[str, Any] = dict(
        kind=kind, number=doc.number, supplier=supplier.name if supplier else "",
        currency=doc.currency, memo=doc.memo or "", lines=lines, status=doc.status,
        sync_state=doc.sync_state, revision=doc.revision)
    if isinstance(doc, PurchaseOrder):
        return Draft(**common, po_date=field_text(doc.po_date))
    return Draft(**common, reference=doc.reference, issue_date=field_text(doc.issue_date),
                 due_date=field_text(doc.due_date), po=po.number if po else "")


_NUMBERED = re.compile(r"^(.*?)(\d+)$")
FIRST_NUMBER = {DocKind.PO: "PO-1001", DocKind.INVOICE: "INV-1001"}


def next_number(session: Session, kind: DocKind) -> str:
    """A free number after the newest document's: PO-1064 after PO-1063."""
    model: Any = PurchaseOrder if kind is DocKind.PO else Invoice
    newest = session.exec(select(model.number).order_by(col(model.id).desc())).first()
    found = _NUMBERED.match(newest or "")
    if found is None:
        return FIRST_NUMBER[kind] if newest is None else f"{newest}-2"
    prefix, digits = found.groups()
    taken = session.exec(select(model.number).where(col(model.number).startswith(prefix)))
    highest = max((int(m.group(2)) for n in taken
                   if (m := _NUMBERED.match(n)) and m.group(1) == prefix), default=0)
    return f"{prefix}{highest + 1:0{len(digits)}d}"


def new_draft(session: Session, kind: DocKind, today: date) -> Draft:
    """An empty PO or invoice: the next number, the home currency, an invoice dated today."""
    currency = str(get_setting(session, "home_currency"))
    if kind is DocKind.PO:
        return Draft(kind, number=next_number(session, kind), currency=currency,
                     lines=(DraftLine(),))
    return Draft(kind, number=next_number(session, kind), currency=currency,
                 issue_date=today.isoformat(), lines=(DraftLine(),))
