"""Creating, approving and editing POs and invoices, with their history.

Every function works inside the caller's session (one transaction) and
writes a history event for each state change, edit and override.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from app.domain import workflow
from app.domain.money import format_money, format_quantity
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.domain.workflow import Transition, WorkflowError
from app.errors import UsageError, UserError
from app.operations import fields as f
from app.operations.history import record
from app.operations.lookup import find_invoice, find_po
from app.operations.settings import get_setting
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

Document = PurchaseOrder | Invoice


def today() -> date:
    return utcnow().date()


# --- creating ---------------------------------------------------------------------------


def check_po_date_allowed(session: Session, po_date: date | None) -> None:
    if po_date is not None and not get_setting(session, "enable_po_date_editing"):
        raise f.FieldError(
            "setting a PO date needs the company setting enable_po_date_editing "
            "(syncdesk settings --set enable_po_date_editing=on); otherwise QuickBooks "
            "gets the approval date"
        )


def create_po(
    session: Session,
    *,
    number: str,
    supplier_id: int,
    lines: Sequence[f.LineValues],
    actor: str,
    status: PoStatus = PoStatus.PENDING,
    po_date: date | None = None,
    approved_on: date | None = None,
    currency: str | None = None,
    memo: str | None = None,
    created_on: date | None = None,
) -> PurchaseOrder:
    """Add a PO with its lines; an approved one is queued for QuickBooks."""
    if not lines:
        raise f.FieldError("a PO needs at least one line")
    check_po_date_allowed(session, po_date)
    created = created_on or today()
    if status is PoStatus.APPROVED and approved_on is None:
        approved_on = today()
    po = PurchaseOrder(
        number=number,
        supplier_id=supplier_id,
        status=status.value,
        po_date=po_date,
        approved_on=approved_on,
        txn_date=workflow.po_txn_date(po_date, approved_on, created),
        currency=currency or get_setting(session, "home_currency"),
        memo=memo,
        created_by=actor,
    )
    session.add(po)
    session.flush()
    assert po.id is not None
    total = _add_lines(session, lines, lambda values, fields: PoLine(po_id=po.id, **fields))
    po.total = total
    record(session, DocKind.PO, po.id, actor, "created", f"Created {number} ({status.value})",
           {"total": format_money(total), "lines": len(lines)})
    if status is PoStatus.APPROVED:
        queue(session, DocKind.PO, po, actor, "approved on creation")
    session.add(po)
    return po


def create_invoice(
    session: Session,
    *,
    number: str,
    reference: str,
    supplier_id: int,
    issue_date: date,
    lines: Sequence[f.LineValues],
    actor: str,
    po: PurchaseOrder | None = None,
    status: InvoiceStatus = InvoiceStatus.OUTSTANDING,
    due_date: date | None = None,
    currency: str | None = None,
    memo: str | None = None,
) -> Invoice:
    """Add a supplier invoice with its lines; an approved one is queued."""
    if not lines:
        raise f.FieldError("an invoice needs at least one line")
    check_invoice_links(session, supplier_id, po, issue_date, due_date)
    invoice = Invoice(
        number=number, reference=reference, supplier_id=supplier_id,
        po_id=po.id if po else None, status=status.value, issue_date=issue_date,
        due_date=due_date, currency=currency or get_setting(session, "home_currency"),
        memo=memo, created_by=actor,
    )
    session.add(invoice)
    session.flush()
    assert invoice.id is not None
    po_lines = po_line_ids(session, po)
    total = _add_lines(session, lines, lambda values, fields: InvoiceLine(
        invoice_id=invoice.id, po_line_id=_po_line_id(po_lines, values.po_line_no, po),
        **fields))
    invoice.total = total
    record(session, DocKind.INVOICE, invoice.id, actor, "created",
           f"Created {number} ({status.value})",
           {"total": format_money(total), "lines": len(lines), "reference": reference})
    if status in workflow.SYNCABLE_INVOICE:
        queue(session, DocKind.INVOICE, invoice, actor, "approved on creation")
    session.add(invoice)
    return invoice


def _add_lines(session: Session, lines: Sequence[f.LineValues],
               make: Callable[[f.LineValues, dict[str, Any]], PoLine | InvoiceLine]) -> Decimal:
    """Add a new document's lines (numbered from 1); returns their total."""
    total = Decimal("0.00")
    for line_no, values in enumerate(lines, start=1):
        f.check_account_or_item(values)
        amount = f.settle_amount(values)
        total += amount
        session.add(make(values, {
            "line_no": line_no, "description": values.description,
            "account_id": values.account_id, "item_id": values.item_id, "qty": values.qty,
            "unit_price": values.unit_price, "amount": amount}))
    return total


def check_invoice_links(
    session: Session, supplier_id: int, po: PurchaseOrder | None, issue: date, due: date | None
) -> None:
    if due is not None and due < issue:
        raise f.FieldError(f"the due date {due} is before the issue date {issue}")
    if po is not None and po.supplier_id != supplier_id:
        po_supplier = session.get(Supplier, po.supplier_id)
        name = po_supplier.name if po_supplier else "another supplier"
        raise f.FieldError(f"{po.number} is a PO of {name}, not of this invoice's supplier")


def po_line_ids(session: Session, po: PurchaseOrder | None) -> dict[int, int]:
    if po is None:
        return {}
    rows = session.exec(select(PoLine).where(PoLine.po_id == po.id))
    return {line.line_no: line.id for line in rows if line.id is not None}


def _po_line_id(by_no: dict[int, int], line_no: int | None, po: PurchaseOrder | None) -> int | None:
    if line_no is None:
        return None
    if po is None:
        raise f.FieldError("po_line is given but the invoice names no PO")
    if line_no not in by_no:
        raise f.FieldError(f"{po.number} has no line {line_no}")
    return by_no[line_no]


# --- state changes ----------------------------------------------------------------------


def queue(session: Session, kind: DocKind, doc: Document, actor: str, why: str) -> None:
    """Mark a document for the next sync (an excluded one stays excluded)."""
    assert doc.id is not None
    before = SyncState(doc.sync_state)
    after = workflow.queued_state(before)
    if after is SyncState.EXCLUDED:
        record(session, kind, doc.id, actor, "not_queued",
               f"Not queued for QuickBooks: excluded ({doc.excluded_reason or 'no reason'})")
        return
    doc.sync_state = after.value
    doc.problem = None
    doc.queued_at = utcnow()
    session.add(doc)
    record(session, kind, doc.id, actor, "queued", f"Queued for QuickBooks ({why})")


_ACTION_TEXT = {
    "submitted": "Submitted for approval",
    "approved": "Approved",
    "approval_override": "Approved by approval override",
    "needs_reapproval": "Back to pending: edits need re-approval",
    "cancelled": "Cancelled",
    "closed": "Closed",
    "ready_to_pay": "Marked ready to pay",
}


def _apply(
    session: Session, kind: DocKind, doc: Document, transition: Transition, actor: str
) -> None:
    assert doc.id is not None
    old = doc.status
    doc.status = transition.status
    doc.updated_at = utcnow()
    for action in transition.actions:
        if action == "edited":
            continue  # the edit itself is recorded with its field changes
        record(session, kind, doc.id, actor, action, _ACTION_TEXT[action],
               {"from": old, "to": transition.status})
    if transition.queue:
        queue(session, kind, doc, actor, transition.actions[-1].replace("_", " "))
    elif transition.status in (PoStatus.DRAFT, PoStatus.PENDING) and not doc.qbo_id and \
            doc.sync_state in (SyncState.QUEUED, SyncState.FAILED, SyncState.BLOCKED):
        # Back in the approval round before it ever reached QuickBooks: nothing is due.
        # (One already in QuickBooks keeps its state: QuickBooks holds an older copy.)
        doc.sync_state = SyncState.NOT_SYNCED.value
        doc.problem = None
    session.add(doc)


def change_po_status(session: Session, number: str, step: str, actor: str) -> PurchaseOrder:
    """Run one workflow step (submit, approve, override, cancel, close) on a PO."""
    po = find_po(session, number)
    decide = {
        "submit": workflow.submit_po,
        "approve": workflow.approve_po,
        "override": workflow.override_po,
        "cancel": workflow.cancel_po,
        "close": workflow.close_po,
    }[step]
    try:
        transition = decide(PoStatus(po.status))
    except WorkflowError as exc:
        raise UserError(f"{po.number}: {exc}") from None
    if transition.status == PoStatus.APPROVED and po.approved_on is None:
        # The first approval date is the one QuickBooks gets; it does not move later.
        po.approved_on = today()
        po.txn_date = workflow.po_txn_date(po.po_date, po.approved_on, po.created_at.date())
    if step == "cancel" and po.qbo_id and not transition.queue:
        # Cancelled while pending, but QuickBooks has it: the sync must close it there.
        transition = Transition(transition.status, True, transition.actions)
    _apply(session, DocKind.PO, po, transition, actor)
    return po


def change_invoice_status(session: Session, number: str, step: str, actor: str) -> Invoice:
    """Run one workflow step (approve, ready) on an invoice."""
    invoice = find_invoice(session, number)
    decide = {"approve": workflow.approve_invoice, "ready": workflow.ready_invoice}[step]
    try:
        transition = decide(InvoiceStatus(invoice.status))
    except WorkflowError as exc:
        raise UserError(f"{invoice.number}: {exc}") from None
    _apply(session, DocKind.INVOICE, invoice, transition, actor)
    return invoice


# --- editing ----------------------------------------------------------------------------

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


def parse_assignments(pairs: Sequence[str]) -> list[tuple[str, str]]:
    """``field=value`` strings as pairs; a pair without ``=`` is a usage error."""
    result = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set takes field=value, not {pair!r}")
        result.append((name.strip(), value))
    return result


def edit_po(session: Session, number: str, pairs: Sequence[tuple[str, str]], actor: str
            ) -> EditResult:
    po = find_po(session, number)
    try:
        transition = workflow.edit_po(
            PoStatus(po.status), bool(get_setting(session, "require_reapproval_after_edit"))
        )
    except WorkflowError as exc:
        raise UserError(f"{po.number}: {exc}") from None
    editor = _Editor(session, po, PoLine, PO_FIELDS, LINE_FIELDS)
    changes = editor.apply(pairs)
    if not changes:
        return EditResult([], po.status)
    if any(c.field == "po_date" for c in changes):
        po.txn_date = workflow.po_txn_date(po.po_date, po.approved_on, po.created_at.date())
    _finish_edit(session, DocKind.PO, po, changes, transition, actor)
    return EditResult(changes, po.status)


def edit_invoice(session: Session, number: str, pairs: Sequence[tuple[str, str]], actor: str
                 ) -> EditResult:
    invoice = find_invoice(session, number)
    try:
        transition = workflow.edit_invoice(InvoiceStatus(invoice.status))
    except WorkflowError as exc:
        raise UserError(f"{invoice.number}: {exc}") from None
    editor = _Editor(session, invoice, InvoiceLine, INVOICE_FIELDS, INVOICE_LINE_FIELDS)
    changes = editor.apply(pairs)
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
    doc.revision += 1
    doc.updated_at = utcnow()
    summary = "Edited " + ", ".join(c.field for c in changes)
    record(session, kind, doc.id, actor, "edited", summary,
           {"changes": [{"field": c.field, "old": c.old, "new": c.new} for c in changes]})
    _apply(session, kind, doc, transition, actor)


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

    def apply(self, pairs: Sequence[tuple[str, str]]) -> list[Change]:
        changes: list[Change] = []
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
                raise UserError(f"{self.doc.number}: {name}: {exc}") from None
        for line_no, names in touched.items():
            changes.extend(self._settle(line_no, names))
        if changes:
            self.doc.total = sum((line.amount for line in self.lines), Decimal("0.00"))
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
            check_po_date_allowed(s, value)
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
        return _po_line_id(by_no, int(text) if text.strip().isdigit() else -1, po)

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
