"""Read models of the documents service: frozen dataclasses the command line turns into
text or JSON, and the window into rows.

``to_json`` gives the command line's stable JSON shapes (DESIGN.md, "Stable
interfaces"); a hint inside advice is shown by the ``as_text`` it is given (the
command line passes its ``as_command``; the default gives plain words).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.domain.money import format_money, format_quantity
from app.domain.qbo_column import box_text, column_text, state_text, table_text
from app.domain.qbo_limits import NOT_ON_PURCHASE_LINES
from app.domain.states import NEEDS_ATTENTION_FILTER, DocKind, SyncState
from app.domain.workflow import can_resend
from app.hints import Advice, HintText, plain


class Step(StrEnum):
    """A workflow step on one document."""

    SUBMIT = "submit"  # POs: a draft goes for approval
    APPROVE = "approve"  # queues the document for QuickBooks
    OVERRIDE = "override"  # POs: approve a pending PO without another approval round
    CANCEL = "cancel"  # POs
    CLOSE = "close"  # POs
    READY = "ready"  # invoices: ready to pay


@dataclass(frozen=True)
class ListQuery:
    """What a PO or invoice listing shows: filters, sort and page.

    ``sync_state`` is a ``SyncState`` value or ``needs_attention`` (failed or blocked);
    ``supplier`` a supplier's name (a name no supplier has matches nothing); ``text``
    is looked for in the number, the supplier's name and an invoice's reference.
    ``limit=None`` gives every matching row.
    """

    text: str | None = None
    status: str | None = None
    sync_state: str | None = None
    problem: str | None = None
    supplier: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "date"
    descending: bool = True
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class DocumentRow:
    """One row of a PO or invoice listing."""

    kind: DocKind
    number: str
    supplier: str
    date: date
    total: Decimal
    currency: str
    status: str
    sync_state: str
    problem: str | None
    qbo_id: str | None
    reference: str | None = None  # invoices
    po_number: str | None = None  # invoices: the PO it bills
    qbo_status: str | None = None  # QuickBooks' own status once synced: Open, Closed, Paid

    @property
    def quickbooks(self) -> str:
        """The QuickBooks column: "Blocked: vendor inactive"."""
        return column_text(self.sync_state, self.problem)

    @property
    def table_text(self) -> str:
        """The window's QuickBooks column: "Synced · Closed", "Blocked: vendor inactive"."""
        return table_text(self.sync_state, self.problem, self.qbo_status)

    @property
    def can_resend(self) -> bool:
        """Whether Resend can send it now (a status that goes to QuickBooks, not excluded):
        a draft PO or an outstanding invoice cannot go yet."""
        return can_resend(self.kind, self.status, self.sync_state)

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


@dataclass(frozen=True)
class Count:
    """How many documents of one sync state match a filter; ``more``: at least ``count``."""

    count: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.count:,}+" if self.more else f"{self.count:,}"


@dataclass(frozen=True)
class FilterCounts:
    """The filter bar's counts: by sync state, plus ``needs_attention`` (failed or blocked)."""

    by_state: dict[str, Count]

    def __getitem__(self, state: str) -> Count:
        return self.by_state[state]

    @property
    def needs_attention(self) -> Count:
        return self.by_state[NEEDS_ATTENTION_FILTER]

    @property
    def total(self) -> Count:
        """Every matching document, whatever its sync state ("at least" if any count is)."""
        counts = [self.by_state[s.value] for s in SyncState if s.value in self.by_state]
        return Count(sum(c.count for c in counts), more=any(c.more for c in counts))


@dataclass(frozen=True)
class ProblemBox:
    """A failed or blocked document's current problem and what to do about it."""

    kind: str
    explanation: str | None
    fix: str | None
    group: str | None
    advice: Advice  # the steps that clear it
    code: str | None
    message: str | None
    faults: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def to_json(self, as_text: HintText = plain) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "explanation": self.explanation,
            "fix": self.fix,
            "group": self.group,
            "what_to_do": self.advice.words(as_text),
            "code": self.code,
            "message": self.message,
            "faults": self.faults,
            "facts": self.facts,
        }


@dataclass(frozen=True)
class DetailLine:
    line: int
    description: str | None
    account: str | None
    item: str | None
    qty: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    po_line: int | None = None  # invoices: the PO's line it bills

    def to_json(self, kind: DocKind) -> dict[str, Any]:
        data: dict[str, Any] = {
            "line": self.line, "description": self.description, "account": self.account,
            "item": self.item, "qty": _quantity(self.qty),
            "unit_price": _quantity(self.unit_price), "amount": format_money(self.amount),
        }
        if kind is DocKind.INVOICE:
            data["po_line"] = self.po_line
        return data


def _quantity(value: Decimal | None) -> str | None:
    return None if value is None else format_quantity(value)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class DocumentDetail:
    """One document with its lines and its QuickBooks box."""

    kind: DocKind
    number: str
    supplier: str | None
    status: str
    currency: str
    total: Decimal
    memo: str | None
    sync_state: str
    problem: str | None
    qbo_id: str | None
    qbo_status: str | None
    last_error: ProblemBox | None  # only while the document is failed or blocked by it
    qbo_drift: dict[str, Any] | None  # the fields changed in QuickBooks since it synced
    excluded_reason: str | None
    revision: int
    date: date  # a PO's transaction date, an invoice's issue date
    lines: tuple[DetailLine, ...] = ()
    po_date: date | None = None  # POs
    approved_on: date | None = None  # POs
    reference: str | None = None  # invoices
    due_date: date | None = None  # invoices
    po_number: str | None = None  # invoices
    amount_paid: Decimal | None = None  # invoices
    synced_at: datetime | None = None  # when it last reached QuickBooks
    edited_by: str | None = None  # who made its latest edit (``revision``), and when
    edited_at: datetime | None = None

    @property
    def quickbooks(self) -> str:
        """The QuickBooks box in one line: "Synced (id 12, Closed)"."""
        return box_text(self.sync_state, self.problem, self.qbo_id, self.qbo_status)

    @property
    def state_text(self) -> str:
        """The QuickBooks column's text, with the problem's meaning in full."""
        return state_text(self.sync_state, self.problem)

    @property
    def excluded(self) -> bool:
        return self.sync_state == SyncState.EXCLUDED.value

    @property
    def drift(self) -> list[dict[str, Any]]:
        """The fields changed in QuickBooks: ``field``, ``syncdesk``, ``quickbooks``."""
        return list((self.qbo_drift or {}).get("fields", []))

    def to_json(self, as_text: HintText = plain) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind.value,
            "number": self.number,
            "supplier": self.supplier,
            "status": self.status,
            "currency": self.currency,
            "total": format_money(self.total),
            "memo": self.memo,
            "sync_state": self.sync_state,
            "problem": self.problem,
            "qbo_id": self.qbo_id,
            "qbo_status": self.qbo_status,
            "last_error": self.last_error.to_json(as_text) if self.last_error else None,
            "qbo_drift": self.qbo_drift,
            "excluded_reason": self.excluded_reason,
            "revision": self.revision,
            "edited_by": self.edited_by,
            "edited_at": self.edited_at.isoformat() if self.edited_at else None,
        }
        if self.kind is DocKind.PO:
            data.update(date=self.date.isoformat(), po_date=_iso(self.po_date),
                        approved_on=_iso(self.approved_on))
        else:
            data.update(date=self.date.isoformat(), reference=self.reference,
                        due_date=_iso(self.due_date), po_number=self.po_number,
                        amount_paid=format_money(self.amount_paid or Decimal("0")))
        data["lines"] = [line.to_json(self.kind) for line in self.lines]
        return data


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    summary: str
    detail: dict[str, Any] | None = None

    @property
    def changes(self) -> list[dict[str, Any]]:
        """Each edited field's ``field``, ``old`` and ``new`` value."""
        return list((self.detail or {}).get("changes", []))

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "actor": self.actor, "action": self.action,
                "summary": self.summary, "detail": self.detail}


@dataclass(frozen=True)
class SupplierRow:
    name: str
    email: str | None
    currency: str
    active: bool
    qbo_vendor_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "currency": self.currency,
                "active": self.active, "qbo_vendor_id": self.qbo_vendor_id}


@dataclass(frozen=True)
class SupplierOverview:
    """A supplier as the window's suppliers table shows it: its QuickBooks link and how many
    of its documents need attention (failed or blocked)."""

    name: str
    email: str | None
    currency: str
    active: bool
    qbo_vendor_id: str | None  # the linked vendor, or the inactive one of its name (by_name)
    qbo_active: bool | None  # the vendor as the last sync read it; None: not known
    needs_attention: int
    by_name: bool = False  # not linked: the vendor of its name is inactive in QuickBooks
    qbo_vendor_name: str | None = None  # the vendor's name as the last sync read it

    @property
    def quickbooks(self) -> str:
        """"Linked to Acme Supply (active)", "Linked to Acme Supply (inactive in
        QuickBooks)", "Not linked yet" (the first sync links a supplier to the vendor of its
        name, or creates one). A supplier whose vendor of the same name is inactive is
        linked to it by that name: "Linked by name to Acme Supply (inactive in
        QuickBooks)". A vendor the sync has not read yet goes by its id: "vendor 12"."""
        if not self.qbo_vendor_id:
            return "Not linked yet"
        linked = f"Linked {'by name ' if self.by_name else ''}to {self.vendor}"
        if self.qbo_active is None:
            return linked
        return linked + (" (active)" if self.qbo_active else " (inactive in QuickBooks)")

    @property
    def vendor(self) -> str:
        """The linked QuickBooks vendor by name ("Acme Supply"), else by id ("vendor 12")."""
        if not self.qbo_vendor_id:
            return ""
        return self.qbo_vendor_name or f"vendor {self.qbo_vendor_id}"

    @property
    def vendor_id_text(self) -> str:
        """Where the id shows (a tooltip): "QuickBooks vendor id 12"."""
        return f"QuickBooks vendor id {self.qbo_vendor_id}" if self.qbo_vendor_id else ""


@dataclass(frozen=True)
class ChartEntry:
    """An account or an item, as SyncDesk and QuickBooks (the last sync) know it."""

    name: str
    type: str | None  # QuickBooks' AccountType, or the item's Type
    active: bool
    qbo_id: str | None
    in_syncdesk: bool
    in_quickbooks: bool
    linked: bool  # the same record on both sides
    account: str | None = None  # items: the expense account purchases go to
    is_item: bool = False

    @property
    def takes_purchase_lines(self) -> bool:
        """Whether a PO or bill line may use this account (QuickBooks refuses A/P, A/R)."""
        return not self.is_item and self.type not in NOT_ON_PURCHASE_LINES

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "type": self.type, "active": self.active, "qbo_id": self.qbo_id,
            "in_syncdesk": self.in_syncdesk, "in_quickbooks": self.in_quickbooks,
            "linked": self.linked,
        }
        if self.is_item:
            data["account"] = self.account
        return data


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class EditOutcome:
    """What an edit of a PO or invoice changed, and the document's status after it."""

    number: str
    changes: tuple[FieldChange, ...]
    status: str
    revision: int | None = None  # the document's version after it


@dataclass(frozen=True)
class SupplierEditOutcome:
    name: str  # the supplier's name after the edit
    changes: tuple[FieldChange, ...]
    requeued: tuple[str, ...]  # the numbers of documents queued again by a rename
    qbo_vendor_id: str | None

    @property
    def renamed(self) -> bool:
        return any(c.field == "name" for c in self.changes)


@dataclass(frozen=True)
class StepOutcome:
    number: str
    status: str
    sync_state: str

    @property
    def queued(self) -> bool:
        return self.sync_state == SyncState.QUEUED.value


@dataclass(frozen=True)
class ImportReport:
    what: str  # suppliers, pos or invoices
    count: int  # how many were added
