"""Editing POs and invoices: header fields and lines, given as ``field=value`` pairs.

Every function works inside the caller's session (one transaction) and
writes a history event with the changed fields for each edit. An edit raises the
document's version (``app/operations/versions.py``); one that names the version it
started from (``expected``) is refused with ``EditConflict`` when the document has
moved on since, and nothing of it is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from app.domain import workflow
from app.domain.events import Event
from app.domain.money import format_money, format_quantity
from app.domain.states import DocKind, InvoiceStatus, PoStatus
from app.domain.wording import field_words
from app.domain.workflow import Transition, WorkflowError
from app.errors import UserError
from app.operations import fields as f
from app.operations import versions
from app.operations.creating import (
    Document,
    check_invoice_links,
    check_po_date_allowed,
    po_line_id,
    po_line_ids,
)
from app.operations.history import record
from app.operations.lookup import find_invoice, find_po
from app.operations.settings import get_setting
from app.operations.workflow_steps import apply_transition
from app.store.models import (
    Account,
    Invoice,
    InvoiceLine,
    Item,
    PoLine,
    PurchaseOrder,
    Supplier,
)
from app.store.types import utcnow

PO_FIELDS = ("supplier", "po_date", "currency", "memo")
INVOICE_FIELDS = ("supplier", "reference", "issue_date", "due_date", "po", "currency", "memo")
LINE_FIELDS = ("description", "account", "item", "qty", "unit_price", "amount")
INVOICE_LINE_FIELDS = (*LINE_FIELDS, "po_line")


@dataclass
class Change:
    field: str
    old: str | None
    new: str | None


@dataclass
class EditResult:
    changes: list[Change] = field(default_factory=list)
    status: str = ""


def edit_po(session: Session, number: str, pairs: Sequence[tuple[str, str]], actor: str,
            remove: Sequence[int] = (), expected: int | None = None) -> EditResult:
    """Edit a PO; ``remove`` names lines taken out first (the others are numbered anew,
    in order, before ``pairs`` are read); ``expected``: the version the edit started from
    (None: the one read here)."""
    po = find_po(session, number)
    versions.hold(session, DocKind.PO, po, expected)
    try:
        transition = workflow.edit_po(
            PoStatus(po.status), bool(get_setting(session, "require_reapproval_after_edit"))
        )
    except WorkflowError as exc:
        raise UserError(f"{po.number}: {exc}") from None
    editor = _Editor(session, po, PoLine, PO_FIELDS, LINE_FIELDS)
    changes = editor.apply(pairs, remove)
    if not changes:
        return EditResult([], po.status)
    if any(c.field == "po_date" for c in changes):
        po.txn_date = workflow.po_txn_date(po.po_date, po.approved_on, po.created_at.date())
    _finish_edit(session, DocKind.PO, po, changes, transition, actor)
    return EditResult(changes, po.status)


def edit_invoice(session: Session, number: str, pairs: Sequence[tuple[str, str]], actor: str,
                 remove: Sequence[int] = (), expected: int | None = None) -> EditResult:
    """Edit an invoice; ``remove`` and ``expected`` as for ``edit_po``."""
    invoice = find_invoice(session, number)
    versions.hold(session, DocKind.INVOICE, invoice, expected)
    try:
        transition = workflow.edit_invoice(InvoiceStatus(invoice.status))
    except WorkflowError as exc:
        raise UserError(f"{invoice.number}: {exc}") from None
    editor = _Editor(session, invoice, InvoiceLine, INVOICE_FIELDS, INVOICE_LINE_FIELDS)
    changes = editor.apply(pairs, remove)
    if not changes:
        return EditResult([], invoice.status)
    po = session.get(PurchaseOrder, invoice.po_id) if invoice.po_id else None
    try:
        check_invoice_links(session, invoice.supplier_id, po, invoice.issue_date,
                            invoice.due_date)
    except f.FieldError as exc:
        raise UserError(f"{invoice.number}: {exc}") from None
    _finish_edit(session, DocKind.INVOICE, invoice, changes, transition, actor)
    return EditResult(changes, invoice.status)


def _finish_edit(
    session: Session, kind: DocKind, doc: Document, changes: list[Change],
    transition: Transition, actor: str,
) -> None:
    assert doc.id is not None
    revision = versions.bump(session, kind, doc)
    doc.updated_at = utcnow()
    summary = "Edited " + ", ".join(dict.fromkeys(field_words(c.field) for c in changes))
    record(session, kind, doc.id, actor, Event.EDITED, summary,
           {"changes": [{"field": c.field, "old": c.old, "new": c.new} for c in changes],
            "revision": revision})
    apply_transition(session, kind, doc, transition, actor)


class _Editor:
    """Applies ``field=value`` pairs to a document and its lines, noting what changed."""

    def __init__(self, session: Session, doc: Document, line_model: type[PoLine | InvoiceLine],
                 header_fields: tuple[str, ...], line_fields: tuple[str, ...]) -> None:
        self.session = session
        self.doc = doc
        self.line_model = line_model
        self.header_fields = header_fields
        self.line_fields = line_fields
        parent = "po_id" if line_model is PoLine else "invoice_id"
        self.lines: list[Any] = list(session.exec(
            select(line_model).where(getattr(line_model, parent) == doc.id)
            .order_by(col(line_model.line_no))
        ))
        self.parent = parent

    def apply(self, pairs: Sequence[tuple[str, str]], remove: Sequence[int] = ()
              ) -> list[Change]:
        changes: list[Change] = self._remove(remove)
        touched: dict[int, set[str]] = {}
        # Header fields first: a line's money is read in the document's (new) currency,
        # and its po_line in the (new) PO, whatever order they were given in.
        ordered = sorted(pairs, key=lambda pair: pair[0].startswith("line."))
        for name, text in ordered:
            try:
                if name.startswith("line."):
                    changes.extend(self._set_line(name, text, touched))
                else:
                    change = self._set_header(name, text)
                    if change is not None:
                        changes.append(change)
            except f.FieldError as exc:
                raise UserError.of(exc, f"{self.doc.number}: {name}: ") from None
        for line_no, names in touched.items():
            changes.extend(self._settle(line_no, names))
        if changes:
            self.doc.total = sum((line.amount for line in self.lines), Decimal("0.00"))
        return changes

    def _remove(self, line_numbers: Sequence[int]) -> list[Change]:
        """Take lines out (a PO line an invoice bills stays); the rest are numbered anew."""
        changes = []
        for line_no in sorted(set(line_numbers), reverse=True):
            if not 1 <= line_no <= len(self.lines):
                raise UserError(f"{self.doc.number}: there is no line {line_no} (it has "
                                f"{len(self.lines)})")
            line = self.lines[line_no - 1]
            if isinstance(line, PoLine) and line.id is not None:
                billed = self.session.exec(
                    select(Invoice.number).join(InvoiceLine,
                                                col(InvoiceLine.invoice_id) == Invoice.id)
                    .where(InvoiceLine.po_line_id == line.id)).first()
                if billed is not None:
                    raise UserError(f"{self.doc.number}: line {line_no} cannot be removed: "
                                    f"invoice {billed} bills it")
            del self.lines[line_no - 1]
            old = ", ".join(p for p in (line.description, format_money(line.amount)) if p)
            changes.append(Change(f"line.{line_no}", old, None))
            self.session.delete(line)
        if changes:
            self.session.flush()
            for line_no, line in enumerate(self.lines, start=1):
                if line.line_no != line_no:
                    line.line_no = line_no
                    self.session.add(line)
        return changes

    def _set_header(self, name: str, text: str) -> Change | None:
        if name not in self.header_fields:
            raise f.FieldError(
                "not an editable field; choose from " + ", ".join(self.header_fields)
                + ", or line.N." + "|".join(self.line_fields)
            )
        s, doc = self.session, self.doc
        if name == "supplier":
            return self._assign("supplier_id", f.supplier_id(s, text), name)
        if name == "po_date":
            value = f.optional_date(text)
            try:
                check_po_date_allowed(s, value)
            except f.FieldError as exc:  # it names the PO date itself
                raise UserError.of(exc, f"{doc.number}: ") from None
            return self._assign("po_date", value, name)
        if name in ("issue_date",):
            return self._assign(name, f.parse_date(text), name)
        if name == "due_date":
            return self._assign(name, f.optional_date(text), name)
        if name == "currency":
            return self._assign(name, f.parse_currency_code(text), name)
        if name == "reference":
            return self._assign(name, f.reference_text(text), name)
        if name == "memo":
            memo = f.memo_text(doc.number, po=isinstance(doc, PurchaseOrder))(text)
            return self._assign(name, memo, name)
        if name == "po":
            po_id = find_po(s, text.strip()).id if text.strip() else None
            return self._assign("po_id", po_id, name)
        return self._assign(name, f.text_value(text), name, target=doc)

    def _assign(self, attr: str, value: Any, label: str, target: Any = None) -> Change | None:
        target = self.doc if target is None else target
        old = getattr(target, attr)
        if old == value:
            return None
        setattr(target, attr, value)
        return Change(label, self._show(attr, old), self._show(attr, value))

    def _show(self, attr: str, value: Any) -> str | None:
        if value is None:
            return None
        model = {"supplier_id": Supplier, "account_id": Account, "item_id": Item,
                 "po_id": PurchaseOrder}.get(attr)
        if model is not None:
            row = self.session.get(model, value)
            return getattr(row, "name", None) or getattr(row, "number", None) or str(value)
        if isinstance(value, Decimal):
            return format_money(value) if attr == "amount" else format_quantity(value)
        return str(value)

    def _line(self, line_no: int) -> Any:
        if 1 <= line_no <= len(self.lines):
            return self.lines[line_no - 1]
        if line_no == len(self.lines) + 1:  # the next number adds a line
            line = self.line_model(line_no=line_no, amount=Decimal("0.00"),
                                   **{self.parent: self.doc.id})
            self.lines.append(line)
            return line
        raise f.FieldError(f"there is no line {line_no} (it has {len(self.lines)})")

    def _set_line(self, name: str, text: str, touched: dict[int, set[str]]) -> list[Change]:
        parts = name.split(".")
        if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in self.line_fields:
            raise f.FieldError("line fields are line.N." + "|".join(self.line_fields))
        line_no, key = int(parts[1]), parts[2]
        line = self._line(line_no)
        touched.setdefault(line_no, set()).add(key)
        s, currency = self.session, self.doc.currency
        parsed: dict[str, tuple[str, Any]] = {
            "description": ("description", f.description_text),
            "account": ("account_id", lambda t: f.account_id(s, t)),
            "item": ("item_id", lambda t: f.item_id(s, t)),
            "qty": ("qty", f.optional(f.parse_qty)),
            "unit_price": ("unit_price", f.optional(f.unit_price(currency))),
            "amount": ("amount", f.amount(currency)),
            "po_line": ("po_line_id", self._po_line_id),
        }
        attr, parser = parsed[key]
        value = parser(text)
        changes = [self._assign(attr, value, name, target=line)]
        if key in ("account", "item") and value is not None:
            # A line is account-based or item-based: choosing one clears the other.
            other = "item" if key == "account" else "account"
            if other in touched[line_no] and getattr(line, f"{other}_id") is not None:
                raise f.FieldError(f"give line.{line_no}.account or line.{line_no}.item, not "
                                   "both: " + f.ONE_OF_ACCOUNT_OR_ITEM.split(": ")[0])
            changes.append(self._assign(f"{other}_id", None, f"line.{line_no}.{other}",
                                        target=line))
        return [change for change in changes if change is not None]

    def _po_line_id(self, text: str) -> int | None:
        if not text.strip():
            return None
        po = self.session.get(PurchaseOrder, getattr(self.doc, "po_id", None) or -1)
        by_no = po_line_ids(self.session, po)
        return po_line_id(by_no, int(text) if text.strip().isdigit() else -1, po)

    def _settle(self, line_no: int, names: set[str]) -> list[Change]:
        """Recompute or check the amount of a line whose values were edited."""
        line = self.lines[line_no - 1]
        values = f.LineValues(
            description=line.description, account_id=line.account_id, item_id=line.item_id,
            qty=line.qty, unit_price=line.unit_price,
            amount=line.amount if "amount" in names or line.qty is None else None,
        )
        try:
            amount = f.settle_amount(values)
        except f.FieldError as exc:
            raise UserError(f"{self.doc.number}: line {line_no}: {exc}") from None
        if line.id is None:
            self.session.add(line)
        change = self._assign("amount", amount, f"line.{line_no}.amount", target=line)
        self.session.add(line)
        return [change] if change and "amount" not in names else []
